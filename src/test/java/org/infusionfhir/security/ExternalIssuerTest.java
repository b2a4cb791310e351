package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.support.FhirServerTestBase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Issue 21 point 13, the resource server's side of an external issuer (Keycloak in production, which
 * cannot run here): the test runs an issuer of its own, with its own key, OpenID metadata and JWK set, and
 * the server, configured with {@code infusion.security.issuer-uri} only, discovers it, accepts its tokens
 * with SMART's claims ({@code scope}, {@code patient}, {@code fhirUser}) and refuses every other token.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "infusion.security.embedded.key-file=target/test-data/issuer-key.json",
    "infusion.auth.admin-secret-file=target/test-data/external-issuer-admin-secret",
    "spring.datasource.url=jdbc:h2:mem:external-issuer;DB_CLOSE_DELAY=-1"})
class ExternalIssuerTest extends FhirServerTestBase {

  private static final RSAKey KEY = newKey();
  private static final RSAKey FORGER = newKey();
  private static final AtomicInteger METADATA_READS = new AtomicInteger();
  private static final HttpServer ISSUER = startIssuer();
  private static final String ISSUER_URL = "http://127.0.0.1:" + ISSUER.getAddress().getPort() + "/realms/clinic";

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("infusion.security.issuer-uri", () -> ISSUER_URL);
  }

  @AfterAll
  static void stopIssuer() {
    ISSUER.stop(0);
  }

  private static RSAKey newKey() {
    try {
      return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** OpenID discovery and the JWK set at Keycloak's paths. */
  private static HttpServer startIssuer() {
    try {
      var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        var base = "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/clinic";
        String body;
        if (exchange.getRequestURI().getPath().equals("/realms/clinic/.well-known/openid-configuration")) {
          METADATA_READS.incrementAndGet();
          body = new ObjectMapper().writeValueAsString(Map.of("issuer", base,
              "authorization_endpoint", base + "/protocol/openid-connect/auth",
              "token_endpoint", base + "/protocol/openid-connect/token",
              "jwks_uri", base + "/protocol/openid-connect/certs",
              "response_types_supported", new String[] {"code"},
              "subject_types_supported", new String[] {"public"},
              "id_token_signing_alg_values_supported", new String[] {"RS256"}));
        } else if (exchange.getRequestURI().getPath().equals("/realms/clinic/protocol/openid-connect/certs")) {
          body = new JWKSet(KEY.toPublicJWK()).toString();
        } else {
          exchange.sendResponseHeaders(404, -1);
          exchange.close();
          return;
        }
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token as Keycloak with SMART mappers would issue it. */
  private static String token(RSAKey key, String issuer, String audience, String scope, String patient,
      String fhirUser, Instant expires) {
    var claims = new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject(UUID.randomUUID().toString())
        .jwtID(UUID.randomUUID().toString()).issueTime(new Date()).expirationTime(Date.from(expires))
        .claim("scope", scope).claim("azp", "clinic-app");
    if (patient != null) {
      claims.claim("patient", patient);
    }
    if (fhirUser != null) {
      claims.claim("fhirUser", fhirUser);
    }
    try {
      var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String valid(String scope, String patient, String fhirUser) {
    return token(KEY, ISSUER_URL, "infusion-fhir", scope, patient, fhirUser, Instant.now().plusSeconds(300));
  }

  @Override
  @BeforeEach
  protected void connectClient() {
    FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    systemToken = valid("system/*.cruds", null, null);
    client = FHIR.newRestfulGenericClient(fhirBase());
    client.registerInterceptor(new BearerTokenAuthInterceptor(systemToken));
  }

  private int status(String path, String token) {
    return get(path, "Authorization", "Bearer " + token).statusCode();
  }

  @Test
  void itsTokensAreAcceptedWithTheirSmartClaimsAndAPatientTokenStaysInItsCompartment() {
    var own = client.create().resource(new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily(unique("Ext"))))
        .execute().getId().getIdPart();
    var other = client.create().resource(new Patient()).execute().getId().getIdPart();
    var observation = new Observation().setStatus(Observation.ObservationStatus.FINAL)
        .setSubject(new Reference("Patient/" + other));
    observation.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
    var otherObservation = client.create().resource(observation).execute().getId().getIdPart();
    var practitioner = client.create().resource(new Practitioner()).execute().getId().getIdPart();

    var clinician = valid("openid fhirUser user/*.rs", null, "Practitioner/" + practitioner);
    assertThat(status("/Patient/" + own, clinician)).isEqualTo(200);
    assertThat(status("/Observation/" + otherObservation, clinician)).isEqualTo(200);
    assertThat(status("/Practitioner/" + practitioner, clinician)).isEqualTo(200);
    // user/*.rs reads; it does not write.
    var write = send("POST", fhirBase() + "/Patient", JSON, "{\"resourceType\":\"Patient\"}",
        "Authorization", "Bearer " + clinician);
    assertThat(write.statusCode()).isEqualTo(403);

    var patientApp = valid("launch/patient patient/*.rs", own, "Patient/" + own);
    assertThat(status("/Patient/" + own, patientApp)).isEqualTo(200);
    assertThat(status("/Patient/" + other, patientApp)).isEqualTo(403);
    assertThat(status("/Observation/" + otherObservation, patientApp)).isEqualTo(403);
    assertThat(METADATA_READS.get()).as("the issuer was discovered through its metadata").isPositive();
  }

  @Test
  void everyOtherTokenIsRefused() {
    var in5 = Instant.now().plusSeconds(300);
    var patient = client.create().resource(new Patient()).execute().getId().getIdPart();
    var path = "/Patient/" + patient;
    assertThat(status(path, valid("system/*.rs", null, null))).isEqualTo(200);
    // Same claims, another key that claims the issuer's key id.
    var forged = token(new RSAKey.Builder(FORGER).keyID(KEY.getKeyID()).build(), ISSUER_URL, "infusion-fhir",
        "system/*.rs", null, null, in5);
    assertThat(status(path, forged)).isEqualTo(401);
    assertThat(status(path, token(KEY, "http://127.0.0.1:1/realms/other", "infusion-fhir", "system/*.rs", null,
        null, in5))).isEqualTo(401);
    assertThat(status(path, token(KEY, ISSUER_URL, "another-api", "system/*.rs", null, null, in5))).isEqualTo(401);
    assertThat(status(path, token(KEY, ISSUER_URL, "infusion-fhir", "system/*.rs", null, null,
        Instant.now().minusSeconds(600)))).isEqualTo(401);
    // The embedded issuer is off: its key signs nothing this server accepts, and it serves no tokens.
    var embedded = new LocalTokens(securityProperties).issue("test-suite", "system/*.*", null);
    assertThat(status(path, embedded)).isEqualTo(401);
    var tokenEndpoint = send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
        "grant_type=client_credentials", "Authorization", ANONYMOUS);
    assertThat(tokenEndpoint.statusCode()).isIn(401, 404);
  }

  @Test
  void smartDiscoveryPointsAppsAtTheExternalIssuer() throws Exception {
    var response = get("/.well-known/smart-configuration", "Authorization", ANONYMOUS);
    assertThat(response.statusCode()).isEqualTo(200);
    var smart = new ObjectMapper().readTree(response.body());
    assertThat(smart.get("issuer").asText()).isEqualTo(ISSUER_URL);
    assertThat(smart.get("token_endpoint").asText()).isEqualTo(ISSUER_URL + "/protocol/openid-connect/token");
    assertThat(smart.get("authorization_endpoint").asText()).isEqualTo(ISSUER_URL + "/protocol/openid-connect/auth");
  }
}
