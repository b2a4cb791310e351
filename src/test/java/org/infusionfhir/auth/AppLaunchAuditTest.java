package org.infusionfhir.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.infusionfhir.security.SignInAudit;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 11: every step of a launch is an AuditEvent naming the person and the app, and every FHIR
 * access made with a user's token names the person ({@code fhirUser}) and the app as agents.
 */
@H2FhirServer
class AppLaunchAuditTest extends AppLaunchTestBase {

  @Test
  void everyStepOfALaunchAndEveryAccessWithItsTokenNamesThePersonAndTheApp() {
    var name = unique("dr");
    var practitionerId = practitioner(name);
    var family = unique("Audited");
    var patient = patient(family, unique("mrn"));
    var scope = "launch/patient openid fhirUser offline_access patient/*.rs";
    var url = authorizeUrl(CONFIDENTIAL, CONFIDENTIAL_REDIRECT, scope, "a1", fhirBase(), Pkce.create(), "S256");

    var failed = signIn(new Browser(serverRoot()), url, name, "not the password at all");
    assertThat(Browser.location(failed)).endsWith("/auth/sign-in?error");

    var browser = new Browser(serverRoot());
    var pkce = Pkce.create();
    var redirect = launchToCode(browser, authorizeUrl(CONFIDENTIAL, CONFIDENTIAL_REDIRECT, scope, "a2", fhirBase(),
        pkce, "S256"), name, family);
    var tokens = json(exchangeConfidential(Browser.query(redirect).get("code"), pkce));
    var access = tokens.get("access_token").asText();
    var jti = claims(access).get("jti").asText();
    assertThat(get("/Patient/" + patient.getIdPart(), "Authorization", "Bearer " + access).statusCode())
        .isEqualTo(200);
    var refreshed = tokenRequest("grant_type", "refresh_token", "refresh_token", tokens.get("refresh_token").asText());
    assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
    var revoke = send("POST", serverRoot() + "/oauth2/revoke", "application/x-www-form-urlencoded",
        "token=" + json(refreshed).get("refresh_token").asText(), "Authorization", CONFIDENTIAL_BASIC);
    assertThat(revoke.statusCode()).isEqualTo(200);
    var signOutPage = browser.get("/auth/sign-out");
    assertThat(signOutPage.statusCode()).isEqualTo(200);
    var signedOut = browser.post("/auth/sign-out", Browser.hiddenFields(signOutPage.body(), "/auth/sign-out"));
    assertThat(Browser.location(signedOut)).endsWith("/auth/sign-in?signed-out");

    var events = auditEventsNaming(name);
    var practitioner = "Practitioner/" + practitionerId;

    var failure = single(events, "sign-in-failed");
    assertThat(failure.getOutcome()).isEqualTo(AuditEventOutcome._4);
    assertThat(failure.getSubtype()).extracting(Coding::getCode).contains("110122");
    // The person is not named by fhirUser before a password proved who it is.
    assertThat(person(failure).getWho().hasReference()).isFalse();
    assertThat(app(failure).getName()).isEqualTo(CONFIDENTIAL);

    var signIn = single(events, "sign-in");
    assertThat(signIn.getOutcome()).isEqualTo(AuditEventOutcome._0);
    assertThat(person(signIn).getWho().getReferenceElement().toUnqualifiedVersionless().getValue())
        .isEqualTo(practitioner);
    assertThat(app(signIn).getName()).isEqualTo(CONFIDENTIAL);

    var consent = single(events, "consent-granted");
    assertThat(consent.getOutcomeDesc()).contains("patient/*.rs").contains("offline_access");

    var issued = single(events, "token-issued");
    assertThat(person(issued).getPolicy()).extracting(p -> p.getValue()).containsExactly(jti);
    assertThat(issued.getEntity()).extracting(e -> e.getWhat().getReferenceElement().toUnqualifiedVersionless()
        .getValue()).contains("Patient/" + patient.getIdPart());
    assertThat(single(events, "token-refreshed").getOutcomeDesc()).contains("patient/*.rs");
    assertThat(single(events, "token-revoked").getOutcomeDesc()).isEqualTo("refresh token");
    assertThat(app(single(events, "token-revoked")).getName()).isEqualTo(CONFIDENTIAL);
    assertThat(single(events, "sign-out").getSubtype()).extracting(Coding::getCode).contains("110123");

    // The read with the user's token: BALP's RESTful read, the person as requestor, the app beside them.
    var read = events.stream().filter(e -> e.getSubtype().stream().anyMatch(c -> "read".equals(c.getCode())))
        .filter(e -> e.getEntity().stream().anyMatch(en -> en.getWhat().getReference() != null
            && en.getWhat().getReference().startsWith("Patient/" + patient.getIdPart())))
        .toList();
    assertThat(read).hasSize(1);
    var reader = person(read.get(0));
    assertThat(reader.getRequestor()).isTrue();
    assertThat(reader.getWho().getReferenceElement().toUnqualifiedVersionless().getValue()).isEqualTo(practitioner);
    assertThat(reader.getPolicy()).extracting(p -> p.getValue()).containsExactly(jti);
    assertThat(app(read.get(0)).getName()).isEqualTo(CONFIDENTIAL);
    assertThat(app(read.get(0)).getRequestor()).isFalse();

    // R4's agent search finds what the person did by their fhirUser.
    var byPerson = client.search().forResource(AuditEvent.class).where(AuditEvent.AGENT.hasId(practitioner))
        .count(100).returnBundle(Bundle.class).execute();
    assertThat(byPerson.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
        .contains(read.get(0).getIdElement().getIdPart(), signIn.getIdElement().getIdPart());
  }

  private List<AuditEvent> auditEventsNaming(String user) {
    var search = FHIR.newRestfulGenericClient(fhirBase());
    search.registerInterceptor(new BearerTokenAuthInterceptor(systemToken));
    var bundle = search.search().forResource(AuditEvent.class).where(AuditEvent.AGENT_NAME.matchesExactly().value(user))
        .count(100).returnBundle(Bundle.class).execute();
    var events = new ArrayList<AuditEvent>();
    bundle.getEntry().forEach(e -> events.add((AuditEvent) e.getResource()));
    return events;
  }

  private static AuditEvent single(List<AuditEvent> events, String step) {
    var found = events.stream().filter(e -> e.getSubtype().stream()
        .anyMatch(c -> SignInAudit.STEP_SYSTEM.equals(c.getSystem()) && step.equals(c.getCode()))).toList();
    assertThat(found).as(step).hasSize(1);
    assertThat(found.get(0).getType().getCode()).isEqualTo("110114");
    return found.get(0);
  }

  private static AuditEventAgentComponent person(AuditEvent event) {
    return event.getAgent().stream().filter(a -> a.getType().getCodingFirstRep().getCode().equals("humanuser"))
        .findFirst().orElseThrow(() -> new AssertionError("no person in " + event.getIdElement()));
  }

  private static AuditEventAgentComponent app(AuditEvent event) {
    return event.getAgent().stream().filter(a -> a.getType().getCodingFirstRep().getCode().equals("110153"))
        .findFirst().orElseThrow(() -> new AssertionError("no app in " + event.getIdElement()));
  }
}
