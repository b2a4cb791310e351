package org.infusionfhir.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * SMART App Launch 2.x, standalone launch, as a browser and an app do it over HTTP: sign-in, consent
 * (with the patient picker for a practitioner), code, token, and the FHIR API with that token. Then the
 * refusals of issue 21 point 12, in the order of Inferno's STU 2.2 suite.
 */
@H2FhirServer
class StandaloneLaunchTest extends AppLaunchTestBase {

  @Nested
  class APractitioner {

    @Test
    void picksAPatientAndTheAppReadsThatRecordWithTheToken() throws Exception {
      var name = unique("dr");
      var practitionerId = practitioner(name);
      var family = unique("Picked");
      var picked = patient(family, unique("mrn"));
      var pkce = Pkce.create();
      var scope = "launch/patient openid fhirUser offline_access patient/*.rs user/Practitioner.rs";
      var browser = new Browser(serverRoot());

      var started = System.nanoTime();
      var redirect = launchToCode(browser, authorizeUrl(CONFIDENTIAL, CONFIDENTIAL_REDIRECT, scope, "st-1", fhirBase(),
          pkce, "S256"), name, family);
      assertThat(redirect).startsWith(CONFIDENTIAL_REDIRECT + "?");
      var params = Browser.query(redirect);
      assertThat(params).containsEntry("state", "st-1").containsKey("code");

      var response = exchangeConfidential(params.get("code"), pkce);
      var elapsedMs = (System.nanoTime() - started) / 1_000_000;
      System.out.println("authorize-to-token ms: " + elapsedMs);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
      assertThat(response.headers().firstValue("Pragma")).contains("no-cache");
      var body = json(response);
      assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
      assertThat(body.get("expires_in").asInt()).isBetween(299, 300);
      assertThat(body.get("scope").asText().split(" ")).containsExactlyInAnyOrder(scope.split(" "));
      assertThat(body.get("patient").asText()).isEqualTo(picked.getIdPart());
      assertThat(body.has("refresh_token")).isTrue();

      var idToken = SignedJWT.parse(body.get("id_token").asText());
      var jwks = JWKSet.parse(get(serverRoot() + "/oauth2/jwks", "Authorization", ANONYMOUS).body());
      var key = (RSAKey) jwks.getKeyByKeyId(idToken.getHeader().getKeyID());
      assertThat(idToken.verify(new RSASSAVerifier(key))).isTrue();
      assertThat(idToken.getJWTClaimsSet().getStringClaim("fhirUser")).isEqualTo("Practitioner/" + practitionerId);
      assertThat(idToken.getJWTClaimsSet().getAudience()).containsExactly(CONFIDENTIAL);

      var token = "Bearer " + body.get("access_token").asText();
      assertThat(get("/Patient/" + picked.getIdPart(), "Authorization", token).statusCode()).isEqualTo(200);
      var fhirUser = get("/Practitioner/" + practitionerId, "Authorization", token);
      assertThat(fhirUser.statusCode()).as(fhirUser.body()).isEqualTo(200);
      var other = patient(unique("Other"), unique("mrn"));
      assertThat(get("/Patient/" + other.getIdPart(), "Authorization", token).statusCode()).isEqualTo(403);
    }
  }

  @Nested
  class APatientUser {

    @Test
    void getsTheirOwnRecordAndNeverAnotherPatientsWhateverTheAppAsks() {
      var own = patient(unique("Self"), unique("mrn"));
      var other = patient(unique("Else"), unique("mrn"));
      var otherObservation = observationOf(other.getIdPart());
      observationOf(own.getIdPart());
      var name = unique("pt");
      users.add(name, "Patient/" + own.getIdPart(), PASSWORD.toCharArray());
      var pkce = Pkce.create();
      var browser = new Browser(serverRoot());

      var redirect = launchToCode(browser, authorizeUrl(APP, REDIRECT,
          "launch/patient openid fhirUser patient/*.rs user/*.rs", "st-2", fhirBase(), pkce, "S256"), name, null);
      var body = json(exchange(Browser.query(redirect).get("code"), pkce));
      assertThat(body.get("patient").asText()).isEqualTo(own.getIdPart());
      // user/*.rs would reach every record: a patient user is never granted it.
      assertThat(body.get("scope").asText().split(" "))
          .containsExactlyInAnyOrder("launch/patient", "openid", "fhirUser", "patient/*.rs");
      assertThat(claims(body.get("access_token").asText()).get("scope").asText()).doesNotContain("user/");

      var token = "Bearer " + body.get("access_token").asText();
      assertThat(get("/Patient/" + own.getIdPart(), "Authorization", token).statusCode()).isEqualTo(200);
      assertThat(get("/Patient/" + other.getIdPart(), "Authorization", token).statusCode()).isEqualTo(403);
      assertThat(get("/Observation/" + otherObservation, "Authorization", token).statusCode()).isEqualTo(403);
      var search = get("/Observation?patient=Patient/" + other.getIdPart(), "Authorization", token);
      assertThat(search.statusCode()).isEqualTo(403);
    }
  }

  /** Refresh, introspection and revocation, for a confidential app a practitioner launched. */
  @Nested
  class AfterTheLaunch {

    record Launched(String user, String patient, JsonNode tokens) {
      String access() {
        return tokens.get("access_token").asText();
      }

      String refresh() {
        return tokens.get("refresh_token").asText();
      }
    }

    private Launched launch() {
      var name = unique("dr");
      practitioner(name);
      var family = unique("Refreshed");
      var patient = patient(family, unique("mrn"));
      var pkce = Pkce.create();
      var redirect = launchToCode(new Browser(serverRoot()), authorizeUrl(CONFIDENTIAL, CONFIDENTIAL_REDIRECT,
          "launch/patient openid fhirUser offline_access patient/*.rs user/*.rs", "st", fhirBase(), pkce, "S256"),
          name, family);
      var response = exchangeConfidential(Browser.query(redirect).get("code"), pkce);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return new Launched(name, patient.getIdPart(), json(response));
    }

    @Test
    void aRefreshWithoutScopeKeepsTheScopesAndTheContext() {
      var launched = launch();
      var refreshed = tokenRequest("grant_type", "refresh_token", "refresh_token", launched.refresh());
      assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
      var body = json(refreshed);
      assertThat(body.get("scope").asText().split(" "))
          .containsExactlyInAnyOrder(launched.tokens().get("scope").asText().split(" "));
      assertThat(body.get("patient").asText()).isEqualTo(launched.patient());
      assertThat(body.get("refresh_token").asText()).isNotEqualTo(launched.refresh());
      assertThat(get("/Patient/" + launched.patient(), "Authorization", "Bearer " + body.get("access_token").asText())
          .statusCode()).isEqualTo(200);
    }

    @Test
    void aRefreshMayNarrowTheScopesButNeverWidenThem() {
      var launched = launch();
      var narrower = tokenRequest("grant_type", "refresh_token", "refresh_token", launched.refresh(),
          "scope", "patient/*.rs");
      assertThat(narrower.statusCode()).as(narrower.body()).isEqualTo(200);
      assertThat(json(narrower).get("scope").asText()).isEqualTo("patient/*.rs");

      var wider = tokenRequest("grant_type", "refresh_token", "refresh_token",
          json(narrower).get("refresh_token").asText(), "scope", "patient/*.rs system/*.rs");
      assertThat(wider.statusCode()).isEqualTo(400);
      assertThat(json(wider).get("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    void aDisabledUsersRefreshTokenIsRefused() {
      var launched = launch();
      users.disable(launched.user());
      var refused = tokenRequest("grant_type", "refresh_token", "refresh_token", launched.refresh());
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(json(refused).get("error").asText()).isEqualTo("invalid_grant");
      assertThat(json(refused).get("error_description").asText()).contains("disabled");
    }

    private JsonNode introspect(String token) {
      var response = send("POST", serverRoot() + "/oauth2/introspect", "application/x-www-form-urlencoded",
          "token=" + token, "Authorization", CONFIDENTIAL_BASIC);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return json(response);
    }

    @Test
    void introspectionDescribesAnActiveTokenAndCallsOthersInactive() {
      var launched = launch();
      var active = introspect(launched.access());
      assertThat(active.get("active").asBoolean()).isTrue();
      assertThat(active.get("client_id").asText()).isEqualTo(CONFIDENTIAL);
      assertThat(active.get("sub").asText()).isEqualTo(launched.user());
      assertThat(active.get("scope").asText()).contains("patient/*.rs");
      assertThat(active.get("exp").asLong()).isGreaterThan(System.currentTimeMillis() / 1000);
      assertThat(active.get("patient").asText()).isEqualTo(launched.patient());
      assertThat(active.get("fhirUser").asText()).startsWith("Practitioner/");

      assertThat(introspect("not-a-token-we-issued").get("active").asBoolean()).isFalse();
    }

    @Test
    void aRevokedAccessTokenIsRefusedByTheApiAndIntrospectedInactive() {
      var launched = launch();
      var bearer = "Bearer " + launched.access();
      assertThat(get("/Patient/" + launched.patient(), "Authorization", bearer).statusCode()).isEqualTo(200);
      var revoke = send("POST", serverRoot() + "/oauth2/revoke", "application/x-www-form-urlencoded",
          "token=" + launched.access() + "&token_type_hint=access_token", "Authorization", CONFIDENTIAL_BASIC);
      assertThat(revoke.statusCode()).isEqualTo(200);
      assertThat(get("/Patient/" + launched.patient(), "Authorization", bearer).statusCode()).isEqualTo(401);
      assertThat(introspect(launched.access()).get("active").asBoolean()).isFalse();
    }

    @Test
    void aRevokedRefreshTokenCanNoLongerBeUsed() {
      var launched = launch();
      var revoke = send("POST", serverRoot() + "/oauth2/revoke", "application/x-www-form-urlencoded",
          "token=" + launched.refresh() + "&token_type_hint=refresh_token", "Authorization", CONFIDENTIAL_BASIC);
      assertThat(revoke.statusCode()).isEqualTo(200);
      var refused = tokenRequest("grant_type", "refresh_token", "refresh_token", launched.refresh());
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(json(refused).get("error").asText()).isEqualTo("invalid_grant");
    }
  }

  /** SMART App Launch §"EHR launch": the EHR asks for a launch value, the app carries it to authorize. */
  @Nested
  class EhrLaunch {

    private JsonNode ehrLaunch(String patient, String encounter) {
      var ehrToken = send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
          "grant_type=client_credentials&scope=launch", "Authorization", "Basic " + Base64.getEncoder()
              .encodeToString("ehr-launcher:ehr-launcher-secret".getBytes(StandardCharsets.UTF_8)));
      assertThat(ehrToken.statusCode()).as(ehrToken.body()).isEqualTo(200);
      var response = send("POST", serverRoot() + "/launch", "application/x-www-form-urlencoded",
          "client_id=" + APP + "&patient=" + patient + "&encounter=" + encounter,
          "Authorization", "Bearer " + json(ehrToken).get("access_token").asText());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return json(response);
    }

    @Test
    void theLaunchContextReachesTheTokenOnceAndOnlyOnce() {
      var patient = patient(unique("Ehr"), unique("mrn"));
      var launched = ehrLaunch(patient.getIdPart(), "enc-1");
      var launch = launched.get("launch").asText();
      assertThat(launched.get("launch_url").asText())
          .isEqualTo("https://viewer.example.test/launch?iss=" + URLEncoder.encode(fhirBase(), StandardCharsets.UTF_8)
              .replace("%2F", "/").replace("%3A", ":") + "&launch=" + launch);

      var name = unique("dr");
      practitioner(name);
      var pkce = Pkce.create();
      var url = authorizeUrl(APP, REDIRECT, "launch openid fhirUser patient/*.rs", "e1", fhirBase(), pkce, "S256")
          + "&launch=" + launch;
      var redirect = launchToCode(new Browser(serverRoot()), url, name, null);
      var body = json(exchange(Browser.query(redirect).get("code"), pkce));
      assertThat(body.get("patient").asText()).isEqualTo(patient.getIdPart());
      assertThat(body.get("encounter").asText()).isEqualTo("enc-1");
      assertThat(get("/Patient/" + patient.getIdPart(), "Authorization", "Bearer " + body.get("access_token").asText())
          .statusCode()).isEqualTo(200);

      var again = new Browser(serverRoot()).get(authorizeUrl(APP, REDIRECT, "launch patient/*.rs", "e2", fhirBase(),
          Pkce.create(), "S256") + "&launch=" + launch);
      assertThat(Browser.query(Browser.location(again))).containsEntry("error", "invalid_request")
          .doesNotContainKey("code");
    }

    @Test
    void anUnknownLaunchValueIsRefused() {
      var response = new Browser(serverRoot()).get(authorizeUrl(APP, REDIRECT, "launch patient/*.rs", "e3",
          fhirBase(), Pkce.create(), "S256") + "&launch=made-up");
      var params = Browser.query(Browser.location(response));
      assertThat(params).containsEntry("error", "invalid_request").doesNotContainKey("code");
      assertThat(params.get("error_description")).contains("launch");
    }

    @Test
    void onlyAnEhrTokenWithTheLaunchScopeMayAskForALaunch() {
      var response = send("POST", serverRoot() + "/launch", "application/x-www-form-urlencoded",
          "client_id=" + APP + "&patient=p1");
      assertThat(response.statusCode()).isEqualTo(403);
    }
  }

  @Nested
  class Refusals {

    @Test
    void anUnregisteredRedirectUriGetsAnErrorPageNotARedirect() {
      var response = new Browser(serverRoot()).get(authorizeUrl(APP, "https://evil.example.test/cb", "patient/*.rs",
          "s", fhirBase(), Pkce.create(), "S256"));
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("Location")).isEmpty();
    }

    @Test
    void anUnknownClientGetsAnErrorPage() {
      var response = new Browser(serverRoot()).get(authorizeUrl("nobody", REDIRECT, "patient/*.rs", "s", fhirBase(),
          Pkce.create(), "S256"));
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("Location")).isEmpty();
    }

    /** Checked before anyone signs in: the app gets the error at its registered redirect URI. */
    private String refusedAt(String authorizeUrl) {
      var response = new Browser(serverRoot()).get(authorizeUrl);
      assertThat(response.statusCode()).isEqualTo(302);
      return Browser.location(response);
    }

    @Test
    void anAudThatIsNotThisFhirBaseIsRefusedWithoutACode() {
      var redirect = refusedAt(authorizeUrl(APP, REDIRECT, "patient/*.rs", "s1", "https://other.example.test/fhir",
          Pkce.create(), "S256"));
      var params = Browser.query(redirect);
      assertThat(redirect).startsWith(REDIRECT);
      assertThat(params).containsEntry("error", "invalid_request").containsEntry("state", "s1").doesNotContainKey("code");
      assertThat(params.get("error_description")).contains("aud");
    }

    @Test
    void aMissingOrPlainPkceChallengeIsRefused() {
      var missing = Browser.query(refusedAt(authorizeUrl(APP, REDIRECT, "patient/*.rs", "s2", fhirBase(), null, null)));
      assertThat(missing).containsEntry("error", "invalid_request").doesNotContainKey("code");
      var plain = Browser.query(refusedAt(authorizeUrl(APP, REDIRECT, "patient/*.rs", "s3", fhirBase(),
          Pkce.create(), "plain")));
      assertThat(plain).containsEntry("error", "invalid_request").doesNotContainKey("code");
    }

    @Test
    void scopesAllOutsideTheRegistrationAreRefusedWithInvalidScope() {
      var params = Browser.query(refusedAt(authorizeUrl(APP, REDIRECT, "system/*.cruds patient/*.cud", "s4",
          fhirBase(), Pkce.create(), "S256")));
      assertThat(params).containsEntry("error", "invalid_scope").doesNotContainKey("code");
    }

    @Test
    void aWrongOrBlankVerifierAndAReusedCodeGetNoToken() {
      var name = unique("pt");
      var own = patient(unique("Self"), unique("mrn"));
      users.add(name, "Patient/" + own.getIdPart(), PASSWORD.toCharArray());
      var pkce = Pkce.create();
      var redirect = launchToCode(new Browser(serverRoot()), authorizeUrl(APP, REDIRECT, "patient/*.rs", "s5",
          fhirBase(), pkce, "S256"), name, null);
      var code = Browser.query(redirect).get("code");

      var wrong = exchange(code, Pkce.create());
      assertThat(wrong.statusCode()).isEqualTo(400);
      assertThat(json(wrong).get("error").asText()).isEqualTo("invalid_grant");
      var blank = exchange(code, new Pkce("", ""));
      assertThat(blank.statusCode()).isIn(400, 401);

      var first = exchange(code, pkce);
      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      var token = "Bearer " + json(first).get("access_token").asText();
      assertThat(get("/Patient/" + own.getIdPart(), "Authorization", token).statusCode()).isEqualTo(200);

      var reused = exchange(code, pkce);
      assertThat(reused.statusCode()).isEqualTo(400);
      assertThat(json(reused).get("error").asText()).isEqualTo("invalid_grant");
      // RFC 6749 §4.1.2: what was issued with a code used twice is revoked.
      assertThat(get("/Patient/" + own.getIdPart(), "Authorization", token).statusCode()).isEqualTo(401);
    }

    @Test
    void aDisabledUserCannotSignIn() {
      var name = unique("dr");
      practitioner(name);
      users.disable(name);
      var response = signIn(new Browser(serverRoot()), authorizeUrl(APP, REDIRECT, "patient/*.rs", "s6", fhirBase(),
          Pkce.create(), "S256"), name, PASSWORD);
      assertThat(response.statusCode()).isEqualTo(302);
      assertThat(Browser.location(response)).endsWith("/auth/sign-in?error");
    }

    @Test
    void theSignInPageRefusesAPostWithoutItsCsrfToken() {
      var browser = new Browser(serverRoot());
      browser.get("/auth/sign-in");
      var response = browser.post("/auth/sign-in", List.of(new String[] {"username", "x"},
          new String[] {"password", "y"}));
      assertThat(response.statusCode()).isEqualTo(403);
    }
  }
}
