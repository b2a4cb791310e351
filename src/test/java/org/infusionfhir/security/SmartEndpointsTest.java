package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * With an external issuer the token endpoint comes from configuration, else from the issuer's own
 * metadata, read once at the first request (no Spring context: an issuer is served from a loopback port).
 */
class SmartEndpointsTest {

  HttpServer issuerServer;
  String issuer;
  final Map<String, String> documents = new HashMap<>();
  final AtomicInteger requests = new AtomicInteger();
  final SteppedClock clock = new SteppedClock();

  @BeforeEach
  void startIssuer() throws IOException {
    issuerServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    issuer = "http://127.0.0.1:" + issuerServer.getAddress().getPort() + "/realms/clinic";
    issuerServer.createContext("/", exchange -> {
      requests.incrementAndGet();
      var body = documents.get(exchange.getRequestURI().getPath());
      var bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : bytes.length);
      if (body != null) {
        exchange.getResponseBody().write(bytes);
      }
      exchange.close();
    });
    issuerServer.start();
  }

  @AfterEach
  void stopIssuer() {
    issuerServer.stop(0);
  }

  @Test
  void theEmbeddedIssuerLivesAtTheAddressTheClientUsed() {
    var endpoints = endpoints(Map.of()).forClientAt("https://fhir.clinic.example/records/fhir");
    assertThat(endpoints.tokenEndpoint()).isEqualTo("https://fhir.clinic.example/records/oauth2/token");
    assertThat(endpoints.jwksUri()).isEqualTo("https://fhir.clinic.example/records/oauth2/jwks");
    assertThat(requests).hasValue(0);
  }

  @Test
  void configuredEndpointsOfAnExternalIssuerAreUsedWithoutAskingIt() {
    var endpoints = endpoints(Map.of("infusion.security.issuer-uri", issuer,
        "infusion.security.token-endpoint", "https://keycloak.example/token",
        "infusion.security.jwk-set-uri", "https://keycloak.example/certs")).forClientAt("http://x/fhir");
    assertThat(endpoints.tokenEndpoint()).isEqualTo("https://keycloak.example/token");
    assertThat(endpoints.jwksUri()).isEqualTo("https://keycloak.example/certs");
    assertThat(requests).hasValue(0);
  }

  @Test
  void otherwiseTheyAreReadOnceFromTheIssuersOpenIdConfiguration() {
    documents.put("/realms/clinic/.well-known/openid-configuration", """
        {"issuer":"%s","token_endpoint":"%s/protocol/openid-connect/token","jwks_uri":"%s/certs",
         "token_endpoint_auth_methods_supported":["private_key_jwt","client_secret_basic"]}
        """.formatted(issuer, issuer, issuer));
    var smart = endpoints(Map.of("infusion.security.issuer-uri", issuer));

    var first = smart.forClientAt("http://x/fhir");
    var second = smart.forClientAt("http://y/fhir");

    assertThat(first.tokenEndpoint()).isEqualTo(issuer + "/protocol/openid-connect/token");
    assertThat(first.authMethods()).containsExactly("private_key_jwt", "client_secret_basic");
    assertThat(second).isEqualTo(first);
    assertThat(requests).hasValue(1);
  }

  @Test
  void anIssuerWithoutOpenIdConnectIsReadFromItsRfc8414Metadata() {
    documents.put("/.well-known/oauth-authorization-server/realms/clinic", """
        {"issuer":"%s","token_endpoint":"%s/token"}
        """.formatted(issuer, issuer));
    assertThat(endpoints(Map.of("infusion.security.issuer-uri", issuer)).forClientAt("http://x/fhir").tokenEndpoint())
        .isEqualTo(issuer + "/token");
  }

  @Test
  void metadataNamingAnotherIssuerIsNotBelieved() {
    documents.put("/realms/clinic/.well-known/openid-configuration", """
        {"issuer":"https://impostor.example","token_endpoint":"https://impostor.example/token"}
        """);
    assertThatThrownBy(() -> endpoints(Map.of("infusion.security.issuer-uri", issuer)).forClientAt("http://x/fhir"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("impostor").hasMessageContaining("infusion.security.token-endpoint");
  }

  @Test
  void anUnreadableIssuerIsAskedAgainOnlyAfterAPause() {
    var smart = endpoints(Map.of("infusion.security.issuer-uri", issuer));
    assertThatThrownBy(() -> smart.forClientAt("http://x/fhir")).hasMessageContaining("404");
    var asked = requests.get();

    documents.put("/realms/clinic/.well-known/openid-configuration", """
        {"issuer":"%s","token_endpoint":"%s/token"}
        """.formatted(issuer, issuer));
    assertThatThrownBy(() -> smart.forClientAt("http://x/fhir")).hasMessageContaining("404");
    assertThat(requests).hasValue(asked);

    clock.advance(IssuerMetadata.RETRY_AFTER);
    assertThat(smart.forClientAt("http://x/fhir").tokenEndpoint()).isEqualTo(issuer + "/token");
  }

  private SmartEndpoints endpoints(Map<String, String> properties) {
    var props = new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("infusion.security", SecurityProperties.class);
    return new SmartEndpoints(props, clock);
  }

  /** A clock the test moves on, instead of waiting. */
  static final class SteppedClock extends Clock {
    private Instant now = Instant.parse("2026-11-26T08:00:00Z");

    void advance(Duration step) {
      now = now.plus(step);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
