package org.infusionfhir.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.nio.charset.StandardCharsets;
import javax.sql.DataSource;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The parts of SMART App Launch STU 2.2 beyond the basic launch: the authorization endpoint by POST
 * ("authorize-post"), refresh tokens for public apps and for {@code online_access} ("permission-online"),
 * and the refusals that need time to pass (an expired code, an expired launch), which the test brings about
 * by moving the stored expiry into the past rather than by waiting.
 */
@H2FhirServer
class AppLaunchFlowsTest extends AppLaunchTestBase {

  @Autowired DataSource dataSource;

  private String patientUser() {
    var own = patient(unique("Online"), unique("mrn"));
    var name = unique("pt");
    users.add(name, "Patient/" + own.getIdPart(), PASSWORD.toCharArray());
    return name;
  }

  private HttpResponseFields publicLaunch(String scope) {
    var name = patientUser();
    var pkce = Pkce.create();
    var redirect = launchToCode(new Browser(serverRoot()), authorizeUrl(APP, REDIRECT, scope, "o1", fhirBase(), pkce,
        "S256"), name, null);
    var response = exchange(Browser.query(redirect).get("code"), pkce);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new HttpResponseFields(name, json(response));
  }

  record HttpResponseFields(String user, com.fasterxml.jackson.databind.JsonNode body) {
    String get(String field) {
      return body.has(field) ? body.get(field).asText() : null;
    }
  }

  private java.net.http.HttpResponse<String> publicRefresh(String clientId, String refreshToken) {
    return send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
        "grant_type=refresh_token&refresh_token=" + refreshToken + "&client_id=" + clientId,
        "Authorization", ANONYMOUS);
  }

  @Test
  void aPublicAppWithOnlineAccessRefreshesWithItsClientIdAloneAndEachRefreshTokenWorksOnce() {
    var launched = publicLaunch("launch/patient openid fhirUser online_access patient/*.rs");
    var refreshToken = launched.get("refresh_token");
    assertThat(refreshToken).isNotBlank();
    var patient = launched.get("patient");

    var refreshed = publicRefresh(APP, refreshToken);
    assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
    var body = json(refreshed);
    assertThat(body.get("patient").asText()).isEqualTo(patient);
    assertThat(body.get("scope").asText().split(" "))
        .containsExactlyInAnyOrder("launch/patient", "openid", "fhirUser", "online_access", "patient/*.rs");
    assertThat(get("/Patient/" + patient, "Authorization", "Bearer " + body.get("access_token").asText())
        .statusCode()).isEqualTo(200);
    assertThat(body.get("refresh_token").asText()).isNotEqualTo(refreshToken);

    // Rotation: the refresh token just used is spent.
    var again = publicRefresh(APP, refreshToken);
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(json(again).get("error").asText()).isEqualTo("invalid_grant");
    // A confidential app cannot use the public path: it must authenticate.
    var confidential = publicRefresh(CONFIDENTIAL, body.get("refresh_token").asText());
    assertThat(confidential.statusCode()).isEqualTo(401);
    assertThat(json(confidential).get("error").asText()).isEqualTo("invalid_client");
    // Another app's refresh token is no use to this one.
    var unknown = publicRefresh("nobody-registered", body.get("refresh_token").asText());
    assertThat(unknown.statusCode()).isEqualTo(401);
  }

  @Test
  void anOnlineRefreshTokenLivesShorterThanAnOfflineOne() {
    var online = publicLaunch("launch/patient online_access patient/*.rs").get("refresh_token");
    var offline = publicLaunch("launch/patient offline_access patient/*.rs").get("refresh_token");
    var jdbc = new JdbcTemplate(dataSource);
    var sql = "SELECT refresh_token_expires_at FROM oauth2_authorization WHERE refresh_token_value = ?";
    var onlineExpiry = jdbc.queryForObject(sql, Timestamp.class, online.getBytes(StandardCharsets.UTF_8)).toInstant();
    var offlineExpiry = jdbc.queryForObject(sql, Timestamp.class, offline.getBytes(StandardCharsets.UTF_8)).toInstant();
    // Defaults: 30 minutes for online_access, 8 hours for offline_access.
    assertThat(onlineExpiry).isBetween(Instant.now().plusSeconds(25 * 60), Instant.now().plusSeconds(31 * 60));
    assertThat(offlineExpiry).isBetween(Instant.now().plusSeconds(7 * 3600), Instant.now().plusSeconds(8 * 3600 + 60));
  }

  @Test
  void withoutOfflineOrOnlineAccessNoRefreshTokenIsIssued() {
    var launched = publicLaunch("launch/patient openid fhirUser patient/*.rs");
    assertThat(launched.get("access_token")).isNotBlank();
    assertThat(launched.body().has("refresh_token")).isFalse();
  }

  @Test
  void theAuthorizationEndpointTakesAFormPost() {
    var name = patientUser();
    var pkce = Pkce.create();
    var browser = new Browser(serverRoot());
    var fields = new ArrayList<String[]>();
    for (var pair : new String[][] {{"response_type", "code"}, {"client_id", APP}, {"redirect_uri", REDIRECT},
        {"scope", "launch/patient patient/*.rs"}, {"state", "post-1"}, {"aud", fhirBase()},
        {"code_challenge", pkce.challenge()}, {"code_challenge_method", "S256"}}) {
      fields.add(pair);
    }
    var toSignIn = browser.post("/oauth2/authorize", fields);
    assertThat(toSignIn.statusCode()).as(toSignIn.body()).isEqualTo(302);
    assertThat(Browser.location(toSignIn)).endsWith("/auth/sign-in");
    var page = browser.get(Browser.location(toSignIn));
    var credentials = new ArrayList<>(Browser.hiddenFields(page.body(), "/auth/sign-in"));
    credentials.add(new String[] {"username", name});
    credentials.add(new String[] {"password", PASSWORD});
    var redirect = consentToCode(browser, browser.post("/auth/sign-in", credentials), null);
    var params = Browser.query(redirect);
    assertThat(redirect).startsWith(REDIRECT);
    assertThat(params).containsEntry("state", "post-1");
    var token = exchange(params.get("code"), pkce);
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    assertThat(json(token).get("scope").asText().split(" ")).containsExactlyInAnyOrder("launch/patient", "patient/*.rs");
  }

  @Test
  void anExpiredCodeGetsNoToken() {
    var name = patientUser();
    var pkce = Pkce.create();
    var redirect = launchToCode(new Browser(serverRoot()), authorizeUrl(APP, REDIRECT, "patient/*.rs", "x1",
        fhirBase(), pkce, "S256"), name, null);
    var code = Browser.query(redirect).get("code");
    var expired = new JdbcTemplate(dataSource).update(
        "UPDATE oauth2_authorization SET authorization_code_issued_at = ?, authorization_code_expires_at = ? "
            + "WHERE principal_name = ?",
        Timestamp.from(Instant.now().minusSeconds(120)), Timestamp.from(Instant.now().minusSeconds(60)), name);
    assertThat(expired).isEqualTo(1);
    var response = exchange(code, pkce);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
    assertThat(json(response).has("access_token")).isFalse();
  }

  @Test
  void aMissingVerifierIsAnUnauthenticatedPublicClientAndABlankOneAWrongGrant() {
    var name = patientUser();
    var pkce = Pkce.create();
    var redirect = launchToCode(new Browser(serverRoot()), authorizeUrl(APP, REDIRECT, "patient/*.rs", "v1",
        fhirBase(), pkce, "S256"), name, null);
    var code = Browser.query(redirect).get("code");
    var missing = send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
        "grant_type=authorization_code&code=" + code + "&redirect_uri=" + REDIRECT + "&client_id=" + APP,
        "Authorization", ANONYMOUS);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(json(missing).get("error").asText()).isEqualTo("invalid_client");
    var blank = exchange(code, new Pkce("", ""));
    assertThat(blank.statusCode()).as(blank.body()).isEqualTo(400);
    assertThat(json(blank).get("error").asText()).isEqualTo("invalid_grant");
  }

  @Test
  void anExpiredLaunchIsRefused() {
    var patient = patient(unique("Late"), unique("mrn"));
    var ehrToken = send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
        "grant_type=client_credentials&scope=launch", "Authorization", "Basic " + Base64.getEncoder()
            .encodeToString("ehr-launcher:ehr-launcher-secret".getBytes(StandardCharsets.UTF_8)));
    var launched = send("POST", serverRoot() + "/launch", "application/x-www-form-urlencoded",
        "client_id=" + APP + "&patient=" + patient.getIdPart(),
        "Authorization", "Bearer " + json(ehrToken).get("access_token").asText());
    var launch = json(launched).get("launch").asText();
    var expired = new JdbcTemplate(dataSource).update("UPDATE auth_launch SET expires_at = ? WHERE launch = ?",
        Timestamp.from(Instant.now().minusSeconds(1)), launch);
    assertThat(expired).isEqualTo(1);
    var response = new Browser(serverRoot()).get(authorizeUrl(APP, REDIRECT, "launch patient/*.rs", "l1",
        fhirBase(), Pkce.create(), "S256") + "&launch=" + launch);
    var params = Browser.query(Browser.location(response));
    assertThat(params).containsEntry("error", "invalid_request").doesNotContainKey("code");
    assertThat(params.get("error_description")).contains("launch");
  }

}
