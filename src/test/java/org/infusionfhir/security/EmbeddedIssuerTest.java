package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The embedded authorization server and the token command: from nothing to an authorized request. */
@H2FhirServer
class EmbeddedIssuerTest extends FhirServerTestBase {

  static final ObjectMapper JSON_MAPPER = new ObjectMapper();

  private java.net.http.HttpResponse<String> tokenRequest(String form, String... headers) {
    var all = new java.util.ArrayList<>(List.of(headers));
    all.addAll(List.of("Authorization", ANONYMOUS));
    return send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded", form,
        all.toArray(String[]::new));
  }

  private static String basic(String client, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static String form(String... pairs) {
    var out = new StringBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      out.append(out.isEmpty() ? "" : "&").append(pairs[i]).append('=')
          .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  private static JsonNode json(java.net.http.HttpResponse<String> response) {
    try {
      return JSON_MAPPER.readTree(response.body());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Nested
  class ClientSecret {

    @Test
    void aRegisteredClientGetsATokenThatTheApiAccepts() {
      var response = tokenRequest(form("grant_type", "client_credentials", "scope", "system/*.read"),
          "Authorization", basic("charting-app", "charting-test-secret"));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var body = json(response);
      assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
      assertThat(body.get("scope").asText()).isEqualTo("system/*.read");
      // SMART App Launch 2.x: access tokens live at most five minutes; ours by default exactly that.
      assertThat(body.get("expires_in").asInt()).isBetween(299, 300);
      var token = "Bearer " + body.get("access_token").asText();

      assertThat(get("/Patient?_count=1", "Authorization", token).statusCode()).isEqualTo(200);
      // Only read was asked for, so the token does not write, although the client could have asked.
      assertThat(send("POST", "/Patient", JSON, "{\"resourceType\":\"Patient\"}", "Authorization", token)
          .statusCode()).isEqualTo(403);
    }

    @Test
    void aWrongSecretOrAnUnknownClientGetsInvalidClient() {
      var wrong = tokenRequest(form("grant_type", "client_credentials"),
          "Authorization", basic("charting-app", "not-the-secret"));
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(json(wrong).get("error").asText()).isEqualTo("invalid_client");
      var unknown = tokenRequest(form("grant_type", "client_credentials"),
          "Authorization", basic("nobody", "x"));
      assertThat(unknown.statusCode()).isEqualTo(401);
    }

    @Test
    void aRequestWhoseScopesAreAllOutsideTheRegistrationIsRefusedWithInvalidScopeSayingWhy() {
      var response = tokenRequest(form("grant_type", "client_credentials", "scope", "patient/*.rs user/Patient.rs"),
          "Authorization", basic("charting-app", "charting-test-secret"));
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(json(response).get("error").asText()).isEqualTo("invalid_scope");
      assertThat(json(response).get("error_description").asText())
          .contains("patient/*.rs user/Patient.rs").contains("charting-app").contains("system/*.read");
    }

    @Test
    void aWrongSecretIsRefusedWithADescription() {
      var wrong = tokenRequest(form("grant_type", "client_credentials", "scope", "system/*.read"),
          "Authorization", basic("charting-app", "not-the-secret"));
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(json(wrong).get("error_description").asText()).isNotBlank();
    }

    @Test
    void aPatientFacingClientsTokensAreHeldToItsPatient() {
      var response = tokenRequest(form("grant_type", "client_credentials", "client_id", "patient-portal",
          "client_secret", "portal-test-secret", "scope", "patient/*.read"));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var token = json(response).get("access_token").asText();
      var claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
      assertThat(claims).contains("\"patient\":\"trd-patient\"").contains("\"aud\":\"infusion-fhir\"")
          .contains("\"scope\":\"patient/*.read\"");
    }
  }

  /** Issue 20 point 2: scopes equal to or narrower than the registration are granted as asked. */
  @Nested
  class ScopesAsked {

    private JsonNode grant(String client, String secret, String scope) {
      var response = tokenRequest(form("grant_type", "client_credentials", "scope", scope),
          "Authorization", basic(client, secret));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return json(response);
    }

    private String chartingScope(String asked) {
      return grant("charting-app", "charting-test-secret", asked).get("scope").asText();
    }

    @Test
    void theV2FormOfARegisteredV1ScopeIsGrantedAsAsked() {
      assertThat(chartingScope("system/*.rs")).isEqualTo("system/*.rs");
    }

    @Test
    void oneTypeOfARegisteredWildcardIsGrantedAsAsked() {
      assertThat(chartingScope("system/Patient.read")).isEqualTo("system/Patient.read");
    }

    @Test
    void v2ScopesWithinRegisteredReadAndWriteAreGrantedAsAsked() {
      // RFC 6749 §3.3: scope is a set; the server need not keep the order asked.
      assertThat(chartingScope("system/Patient.rs system/Observation.cruds").split(" "))
          .containsExactlyInAnyOrder("system/Patient.rs", "system/Observation.cruds");
    }

    @Test
    void aScopeTheClientMayNotHaveIsDroppedAndTheRestGranted() {
      assertThat(chartingScope("system/*.read launch")).isEqualTo("system/*.read");
      assertThat(chartingScope("system/Patient.rs patient/*.rs")).isEqualTo("system/Patient.rs");
    }

    @Test
    void aScopeOnlyPartlyAllowedIsGrantedWithTheAllowedPermissions() {
      var granted = grant("patient-portal", "portal-test-secret", "patient/Observation.cruds");
      assertThat(granted.get("scope").asText()).isEqualTo("patient/Observation.rs");
    }

    @Test
    void theTokenCarriesOnlyWhatWasGranted() {
      var token = "Bearer " + grant("charting-app", "charting-test-secret", "system/Patient.rs")
          .get("access_token").asText();
      assertThat(get("/Patient?_count=1", "Authorization", token).statusCode()).isEqualTo(200);
      assertThat(get("/Observation?_count=1", "Authorization", token).statusCode()).isEqualTo(403);
    }
  }

  @Nested
  class BackendServices {

    private String assertion(String audience, String jti) throws Exception {
      var key = RSAKey.parse(Files.readString(Path.of("src/test/resources/security/backend-client-key.json")));
      var claims = new JWTClaimsSet.Builder().issuer("ehr-bulk-sync").subject("ehr-bulk-sync")
          .audience(audience).jwtID(jti).expirationTime(new Date(System.currentTimeMillis() + 240_000)).build();
      var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(key.getKeyID()).build(), claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    }

    /** The token endpoint as discovery publishes it for a client reaching the server directly. */
    private String tokenEndpoint() {
      return serverRoot() + "/oauth2/token";
    }

    private String tokenForm(String assertion) {
      return form("grant_type", "client_credentials", "scope", "system/*.read",
          "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          "client_assertion", assertion);
    }

    @Test
    void aSignedClientAssertionGetsATokenForBulkExport() throws Exception {
      var response = tokenRequest(tokenForm(assertion(tokenEndpoint(), UUID.randomUUID().toString())));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var token = "Bearer " + json(response).get("access_token").asText();
      var kickOff = send("GET", "/$export?_type=Patient", null, (String) null, "Authorization", token,
          "Prefer", "respond-async");
      assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
      // The kick-off proves the token; cancel the export so that no job of this class runs on after it.
      var status = kickOff.headers().firstValue("Content-Location").orElseThrow();
      send("DELETE", status, null, (String) null, "Authorization", token);
      assertThat(get(status, "Authorization", token).statusCode()).isEqualTo(404);
    }

    @Test
    void aReplayedAssertionIsRefused() throws Exception {
      var once = assertion(tokenEndpoint(), UUID.randomUUID().toString());
      assertThat(tokenRequest(tokenForm(once)).statusCode()).isEqualTo(200);
      var replay = tokenRequest(tokenForm(once));
      assertThat(replay.statusCode()).isEqualTo(401);
      assertThat(json(replay).get("error").asText()).isEqualTo("invalid_client");
    }

    @Test
    void anAssertionForAnotherAudienceIsRefusedSayingTheAudIsWrong() throws Exception {
      var response = tokenRequest(tokenForm(assertion("https://elsewhere.example.test/token",
          UUID.randomUUID().toString())));
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(json(response).get("error").asText()).isEqualTo("invalid_client");
      assertThat(json(response).get("error_description").asText()).contains("aud must be this server's token endpoint");
    }

    /** SMART Backend Services from discovery alone: the token endpoint it publishes is the aud it accepts. */
    private void backendServicesFlowFromDiscovery(String... proxyHeaders) throws Exception {
      var discoveryHeaders = new java.util.ArrayList<>(List.of("Authorization", ANONYMOUS));
      discoveryHeaders.addAll(List.of(proxyHeaders));
      var discovery = json(send("GET", "/.well-known/smart-configuration", null, (String) null,
          discoveryHeaders.toArray(String[]::new)));
      var tokenEndpoint = discovery.get("token_endpoint").asText();
      assertThat(discovery.get("issuer").asText() + "/oauth2/token").isEqualTo(tokenEndpoint);

      var tokenHeaders = new java.util.ArrayList<>(List.of(proxyHeaders));
      var response = tokenRequest(tokenForm(assertion(tokenEndpoint, UUID.randomUUID().toString())),
          tokenHeaders.toArray(String[]::new));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(json(response).get("scope").asText()).isEqualTo("system/*.read");
      var patient = client.create().resource(new org.hl7.fhir.r4.model.Patient().setActive(true)).execute();
      // The token names the issuer the client reached, so it is used through the same address.
      var readHeaders = new java.util.ArrayList<>(List.of(proxyHeaders));
      readHeaders.addAll(List.of("Authorization", "Bearer " + json(response).get("access_token").asText()));
      var read = get("/Patient/" + patient.getId().getIdPart(), readHeaders.toArray(String[]::new));
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      assertThat(claimsOf(json(response).get("access_token").asText()).get("iss").asText())
          .isEqualTo(discovery.get("issuer").asText());
    }

    private JsonNode claimsOf(String jwt) throws Exception {
      return JSON_MAPPER.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    @Test
    void aClientUsingOnlyDiscoveryGetsATokenOnAServerWithNoIssuerConfigured() throws Exception {
      assertThat(securityProperties.embedded().configuredIssuer()).isNull();
      backendServicesFlowFromDiscovery();
    }

    @Test
    void aClientUsingOnlyDiscoveryGetsATokenBehindATrustedProxy() throws Exception {
      backendServicesFlowFromDiscovery("X-Forwarded-Proto", "https", "X-Forwarded-Host", "fhir.clinic.example",
          "X-Forwarded-Port", "443");
    }

    @Test
    void behindTheProxyTheDirectAddressIsNotTheAcceptedAudience() throws Exception {
      var response = tokenRequest(tokenForm(assertion(tokenEndpoint(), UUID.randomUUID().toString())),
          "X-Forwarded-Proto", "https", "X-Forwarded-Host", "fhir.clinic.example", "X-Forwarded-Port", "443");
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(json(response).get("error_description").asText()).contains("aud");
    }
  }

  @Nested
  class TokenCommandLine {

    private int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
      return new TokenCommand(new PrintStream(out, true), new PrintStream(err, true)).run(List.of(args));
    }

    @Test
    void theLastLineIsATokenTheServerAccepts() {
      var out = new ByteArrayOutputStream();
      var err = new ByteArrayOutputStream();
      int exit = run(out, err, "--scope", "patient/*.read", "--patient", "cmd-patient",
          "--infusion.security.embedded.key-file=" + securityProperties.embedded().keyFile());
      assertThat(exit).as(err.toString()).isZero();
      var lines = out.toString(StandardCharsets.UTF_8).strip().lines().toList();
      var token = lines.get(lines.size() - 1);
      assertThat(token.split("\\.")).hasSize(3);

      client.update().resource(new org.hl7.fhir.r4.model.Patient().setActive(true).setId("cmd-patient")).execute();
      var other = client.create().resource(new org.hl7.fhir.r4.model.Patient().setActive(true)).execute();
      assertThat(get("/Patient/cmd-patient", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
      assertThat(get("/Patient/" + other.getId().getIdPart(), "Authorization", "Bearer " + token).statusCode())
          .isEqualTo(403);
    }

    @Test
    void usageErrorsExitWith2() {
      var err = new ByteArrayOutputStream();
      assertThat(run(new ByteArrayOutputStream(), err)).isEqualTo(2);
      assertThat(err.toString()).contains("--scope is required");
      assertThat(run(new ByteArrayOutputStream(), err, "--scope", "patient/*.read")).isEqualTo(2);
      assertThat(err.toString()).contains("--patient");
      assertThat(run(new ByteArrayOutputStream(), err, "--scope", "everything")).isEqualTo(2);
      assertThat(err.toString()).contains("is not a SMART scope");
    }
  }
}
