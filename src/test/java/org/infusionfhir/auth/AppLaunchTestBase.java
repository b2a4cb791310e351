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
import org.infusionfhir.support.FhirServerTestBase;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What the App Launch tests share: the apps registered for them in the test clients file, PKCE, and the
 * steps a browser and an app take (sign-in, consent, code, token) over real HTTP with cookies.
 */
abstract class AppLaunchTestBase extends FhirServerTestBase {

  static final String APP = "launch-app";
  static final String REDIRECT = "https://viewer.example.test/callback";
  /** A confidential app: Spring Authorization Server gives refresh tokens to confidential clients only. */
  static final String CONFIDENTIAL = "confidential-launch-app";
  static final String CONFIDENTIAL_REDIRECT = "https://planner.example.test/callback";
  static final String CONFIDENTIAL_BASIC = "Basic " + Base64.getEncoder().encodeToString(
      "confidential-launch-app:planner-test-secret".getBytes(StandardCharsets.UTF_8));
  static final String PASSWORD = "correct horse battery staple";
  static final ObjectMapper JSON_MAPPER = new ObjectMapper();

  @Autowired UserAccounts users;

  /** One launch's PKCE pair (RFC 7636 S256). */
  record Pkce(String verifier, String challenge) {
    static Pkce create() {
      var bytes = new byte[32];
      new SecureRandom().nextBytes(bytes);
      var verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      try {
        var hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return new Pkce(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(hash));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  String authorizeUrl(String client, String redirect, String scope, String state, String aud, Pkce pkce,
      String method) {
    var url = new StringBuilder("/oauth2/authorize?response_type=code");
    add(url, "client_id", client);
    add(url, "redirect_uri", redirect);
    add(url, "scope", scope);
    add(url, "state", state);
    if (aud != null) {
      add(url, "aud", aud);
    }
    if (pkce != null) {
      add(url, "code_challenge", method.equals("plain") ? pkce.verifier() : pkce.challenge());
      add(url, "code_challenge_method", method);
    }
    return url.toString();
  }

  static void add(StringBuilder url, String name, String value) {
    url.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  String practitioner(String name) {
    var id = client.create().resource(new Practitioner().addName(new org.hl7.fhir.r4.model.HumanName().setFamily(name)))
        .execute().getId().getIdPart();
    users.add(name, "Practitioner/" + id, PASSWORD.toCharArray());
    return id;
  }

  Patient patient(String family, String mrn) {
    var p = new Patient();
    p.addName().setFamily(family).addGiven("Ada");
    p.addIdentifier().setSystem("http://infusion-fhir.org/fhir/fixtures/mrn").setValue(mrn);
    p.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1961-04-12"));
    var id = client.create().resource(p).execute().getId().getIdPart();
    p.setId(id);
    return p;
  }

  String observationOf(String patientId) {
    var o = new Observation();
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
    o.setSubject(new Reference("Patient/" + patientId));
    return client.create().resource(o).execute().getId().getIdPart();
  }

  /** Signs in on the page the authorization request led to; answers the redirect that follows. */
  HttpResponse<String> signIn(Browser browser, String authorizeUrl, String user, String password) {
    var toSignIn = browser.get(authorizeUrl);
    assertThat(toSignIn.statusCode()).as(toSignIn.body()).isEqualTo(302);
    assertThat(Browser.location(toSignIn)).endsWith("/auth/sign-in");
    var page = browser.get(Browser.location(toSignIn));
    assertThat(page.statusCode()).isEqualTo(200);
    var fields = new ArrayList<>(Browser.hiddenFields(page.body(), "/auth/sign-in"));
    assertThat(fields).extracting(f -> f[0]).contains("_csrf");
    fields.add(new String[] {"username", user});
    fields.add(new String[] {"password", password});
    return browser.post("/auth/sign-in", fields);
  }

  /** From the authorization request to the redirect back to the app, allowing; the app's redirect. */
  String launchToCode(Browser browser, String authorizeUrl, String user, String patientSearch) {
    return consentToCode(browser, signIn(browser, authorizeUrl, user, PASSWORD), patientSearch);
  }

  /** From the sign-in page's answer through consent (allowing) to the redirect back to the app. */
  String consentToCode(Browser browser, HttpResponse<String> afterSignIn, String patientSearch) {
    assertThat(afterSignIn.statusCode()).isEqualTo(302);
    var toConsent = browser.get(Browser.location(afterSignIn));
    assertThat(toConsent.statusCode()).as(toConsent.body()).isEqualTo(302);
    var consentUrl = Browser.location(toConsent);
    assertThat(consentUrl).contains("/auth/consent");
    var consent = browser.get(patientSearch == null ? consentUrl : consentUrl + "&name=" + patientSearch);
    assertThat(consent.statusCode()).isEqualTo(200);
    assertThat(consent.headers().firstValue("X-Frame-Options")).contains("DENY");
    assertThat(consent.body()).containsAnyOf("Infusion Chart Viewer", "Dose Planner");
    var fields = new ArrayList<>(Browser.hiddenFields(consent.body(), "/oauth2/authorize"));
    if (patientSearch != null) {
      var choices = Browser.patientChoices(consent.body());
      assertThat(choices).hasSize(1);
      fields.add(new String[] {"patient", choices.get(0)});
    }
    fields.add(new String[] {"allow", "1"});
    var redirect = browser.post("/oauth2/authorize", fields);
    assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(302);
    return Browser.location(redirect);
  }

  HttpResponse<String> exchangeConfidential(String code, Pkce pkce) {
    return send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
        Browser.form(List.of(new String[] {"grant_type", "authorization_code"}, new String[] {"code", code},
            new String[] {"redirect_uri", CONFIDENTIAL_REDIRECT}, new String[] {"code_verifier", pkce.verifier()})),
        "Authorization", CONFIDENTIAL_BASIC);
  }

  HttpResponse<String> tokenRequest(String... pairs) {
    var fields = new ArrayList<String[]>();
    for (int i = 0; i < pairs.length; i += 2) {
      fields.add(new String[] {pairs[i], pairs[i + 1]});
    }
    return send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded", Browser.form(fields),
        "Authorization", CONFIDENTIAL_BASIC);
  }

  HttpResponse<String> exchange(String code, Pkce pkce) {
    return send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
        Browser.form(List.of(new String[] {"grant_type", "authorization_code"}, new String[] {"code", code},
            new String[] {"redirect_uri", REDIRECT}, new String[] {"client_id", APP},
            new String[] {"code_verifier", pkce.verifier()})), "Authorization", ANONYMOUS);
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON_MAPPER.readTree(response.body());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static JsonNode claims(String jwt) {
    try {
      return JSON_MAPPER.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

}
