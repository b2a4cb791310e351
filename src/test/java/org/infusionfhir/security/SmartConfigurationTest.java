package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.UriType;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;

/**
 * SMART App Launch 2.x discovery for backend services: {@code .well-known/smart-configuration} without a
 * token, and the SMART block of the CapabilityStatement, both naming the token endpoint at the address the
 * client used.
 */
@H2FhirServer
class SmartConfigurationTest extends FhirServerTestBase {

  static final String PATH = "/.well-known/smart-configuration";
  static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
  final ObjectMapper json = new ObjectMapper();

  @Test
  void isPublishedWithoutATokenAsJsonNamingOnlyWhatTheEmbeddedServerOffers() throws Exception {
    var response = get(PATH, "Authorization", ANONYMOUS);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");

    var smart = json.readTree(response.body());
    // No issuer is configured for the H2 family: the issuer is the address the client used.
    assertThat(smart.path("issuer").asText()).isEqualTo(serverRoot());
    assertThat(smart.path("token_endpoint").asText()).isEqualTo(serverRoot() + "/oauth2/token");
    assertThat(smart.path("jwks_uri").asText()).isEqualTo(serverRoot() + "/oauth2/jwks");
    assertThat(strings(smart, "grant_types_supported"))
        .containsExactlyInAnyOrder("authorization_code", "refresh_token", "client_credentials");
    assertThat(strings(smart, "token_endpoint_auth_methods_supported"))
        .containsExactlyInAnyOrder("private_key_jwt", "client_secret_basic", "client_secret_post");
    assertThat(strings(smart, "token_endpoint_auth_signing_alg_values_supported")).contains("RS384", "ES384");
    assertThat(strings(smart, "capabilities")).containsExactlyInAnyOrder("client-confidential-asymmetric",
        "client-confidential-symmetric", "permission-v1", "permission-v2", "permission-patient",
        "permission-user", "launch-standalone", "launch-ehr", "client-public", "context-standalone-patient",
        "context-ehr-patient", "context-ehr-encounter", "sso-openid-connect", "permission-offline",
        "permission-online", "authorize-post");
    assertThat(strings(smart, "scopes_supported")).contains("system/*.read", "system/*.rs", "patient/*.rs",
        "openid", "fhirUser", "launch/patient", "offline_access");
    assertThat(smart.path("authorization_endpoint").asText()).isEqualTo(serverRoot() + "/oauth2/authorize");
    assertThat(smart.path("introspection_endpoint").asText()).isEqualTo(serverRoot() + "/oauth2/introspect");
    assertThat(smart.path("revocation_endpoint").asText()).isEqualTo(serverRoot() + "/oauth2/revoke");
    assertThat(strings(smart, "code_challenge_methods_supported")).containsExactly("S256");
    assertThat(strings(smart, "response_types_supported")).containsExactly("code");
  }

  @Test
  void namesTheTokenEndpointAtTheAddressTheClientUsedBehindAProxy() throws Exception {
    var response = get(PATH, "Authorization", ANONYMOUS, "X-Forwarded-Proto", "https",
        "X-Forwarded-Host", "fhir.clinic.example", "X-Forwarded-Port", "443");
    var smart = json.readTree(response.body());
    assertThat(smart.path("issuer").asText()).isEqualTo("https://fhir.clinic.example");
    assertThat(smart.path("token_endpoint").asText()).isEqualTo("https://fhir.clinic.example/oauth2/token");
    assertThat(smart.path("jwks_uri").asText()).isEqualTo("https://fhir.clinic.example/oauth2/jwks");
  }

  @Test
  void theAdvertisedTokenEndpointIssuesATokenTheApiAccepts() throws Exception {
    var tokenEndpoint = json.readTree(get(PATH, "Authorization", ANONYMOUS).body()).path("token_endpoint").asText();
    var basic = Base64.getEncoder().encodeToString("charting-app:charting-test-secret".getBytes(StandardCharsets.UTF_8));
    var tokenResponse = http.send(HttpRequest.newBuilder(URI.create(tokenEndpoint))
        .header("Authorization", "Basic " + basic)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(BodyPublishers.ofString("grant_type=client_credentials&scope=system%2F*.read")).build(),
        BodyHandlers.ofString());
    assertThat(tokenResponse.statusCode()).as(tokenResponse.body()).isEqualTo(200);
    var accessToken = json.readTree(tokenResponse.body()).path("access_token").asText();

    assertThat(get("/Patient?_count=1", "Authorization", "Bearer " + accessToken).statusCode()).isEqualTo(200);
  }

  @Test
  void answersOnlyGetAndRefusesOtherMethodsWithAnOperationOutcome() {
    assertOperationOutcome(send("POST", PATH, "application/json", "{}", "Authorization", ANONYMOUS), 405, "GET");
  }

  @Test
  void theCapabilityStatementDeclaresSmartOnFhirWithItsEndpoints() {
    var statement = metadata();
    var security = statement.getRestFirstRep().getSecurity();
    assertThat(security.getService()).singleElement().satisfies(service ->
        assertThat(service.getCodingFirstRep().getSystem() + "#" + service.getCodingFirstRep().getCode())
            .isEqualTo("http://terminology.hl7.org/CodeSystem/restful-security-service#SMART-on-FHIR"));
    // The H2 family's server allows one origin (H2FhirServer); with none configured the flag is false.
    assertThat(security.getCors()).isTrue();

    var oauthUris = security.getExtensionByUrl(OAUTH_URIS);
    assertThat(oauthUris).isNotNull();
    assertThat(oauthUris.getExtensionByUrl("token").getValue()).isInstanceOfSatisfying(UriType.class,
        token -> assertThat(token.getValue()).isEqualTo(serverRoot() + "/oauth2/token"));
    assertThat(oauthUris.getExtensionByUrl("authorize").getValue().primitiveValue())
        .isEqualTo(serverRoot() + "/oauth2/authorize");
  }

  @Test
  void theCapabilityStatementNamesEachCallersOwnAddressThoughHapiCachesIt() {
    metadata();
    var viaProxy = FHIR.newJsonParser().parseResource(CapabilityStatement.class, get("/metadata",
        "Authorization", ANONYMOUS, "X-Forwarded-Proto", "https", "X-Forwarded-Host", "fhir.clinic.example",
        "X-Forwarded-Port", "443").body());
    var oauthUris = viaProxy.getRestFirstRep().getSecurity().getExtensionByUrl(OAUTH_URIS);
    assertThat(oauthUris.getExtensionByUrl("token").getValue().primitiveValue())
        .isEqualTo("https://fhir.clinic.example/oauth2/token");
    assertThat(metadata().getRestFirstRep().getSecurity().getExtensionByUrl(OAUTH_URIS)
        .getExtensionByUrl("token").getValue().primitiveValue()).isEqualTo(serverRoot() + "/oauth2/token");
  }

  private CapabilityStatement metadata() {
    var response = get("/metadata", "Authorization", ANONYMOUS);
    assertThat(response.statusCode()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(CapabilityStatement.class, response.body());
  }

  private static List<String> strings(JsonNode node, String field) {
    var values = new ArrayList<String>();
    node.path(field).forEach(value -> values.add(value.asText()));
    return values;
  }
}
