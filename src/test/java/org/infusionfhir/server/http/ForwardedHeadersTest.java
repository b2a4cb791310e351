package org.infusionfhir.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.Application;
import org.infusionfhir.security.LocalTokens;
import org.infusionfhir.security.SecurityProperties;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;

/**
 * Forwarded headers are believed from a proxy the operator names, and from no one else: by default, a client
 * that sends {@code X-Forwarded-Proto/Host/Port/For} changes no link, no issuer check and no audited address.
 * Each case is a server of its own, spoken to over HTTP from loopback.
 */
class ForwardedHeadersTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String ATTACKER = "https://attacker.example";
  private static final String[] FORGED = {"X-Forwarded-Proto", "https", "X-Forwarded-Host", "attacker.example",
      "X-Forwarded-Port", "443", "X-Forwarded-For", "198.51.100.7, 203.0.113.9"};

  @Test
  void byDefaultNoForwardedHeaderIsBelieved(@TempDir Path dataDir) throws Exception {
    try (var server = start(dataDir)) {
      assertForgedHeadersChangeNothing(server);
    }
  }

  @Test
  void withNativeHandlingFromAPeerThatIsNotANamedProxyNoForwardedHeaderIsBelieved(@TempDir Path dataDir)
      throws Exception {
    // 192.0.2.1 (TEST-NET-1) is the only proxy; the test's requests come from loopback, which Tomcat's own
    // default list of internal proxies would have trusted.
    try (var server = start(dataDir, "server.forward-headers-strategy=native",
        "server.tomcat.remoteip.internal-proxies=192\\.0\\.2\\.1")) {
      assertForgedHeadersChangeNothing(server);
    }
  }

  @Test
  void withNativeHandlingFromANamedProxyTheForwardedHeadersAreBelieved(@TempDir Path dataDir) throws Exception {
    try (var server = start(dataDir, "server.forward-headers-strategy=native",
        "server.tomcat.remoteip.internal-proxies=" + H2FhirServer.LOOPBACK_PROXY)) {
      var seen = observe(server);
      assertThat(seen.location()).startsWith(ATTACKER + "/fhir/Patient/");
      assertThat(seen.selfLink()).startsWith(ATTACKER + "/fhir/Patient");
      assertThat(seen.tokenEndpoint()).isEqualTo(ATTACKER + "/oauth2/token");
      assertThat(seen.tokenNamingTheForwardedAddress()).isEqualTo(200);
      // The last X-Forwarded-For entry, added by the trusted proxy; the one before is the client's own say.
      assertThat(seen.auditedAddresses()).containsExactly("203.0.113.9");
    }
  }

  @Test
  void theRemovedSwitchStopsStartUpNamingItsReplacement(@TempDir Path dataDir) {
    assertThatThrownBy(() -> start(dataDir, "infusion.fhir.trust-forwarded-headers=true").close())
        .hasMessageContaining("infusion.fhir.trust-forwarded-headers was removed")
        .hasMessageContaining("server.forward-headers-strategy=native")
        .hasMessageContaining("server.tomcat.remoteip.internal-proxies");
    assertThatThrownBy(() -> start(dataDir, "server.forward-headers-strategy=framework").close())
        .hasMessageContaining("any client")
        .hasMessageContaining("server.forward-headers-strategy=native");
  }

  private static void assertForgedHeadersChangeNothing(ServletWebServerApplicationContext server) throws Exception {
    var direct = root(server);
    var seen = observe(server);
    assertThat(seen.location()).startsWith(direct + "/fhir/Patient/");
    assertThat(seen.selfLink()).startsWith(direct + "/fhir/Patient");
    assertThat(seen.tokenEndpoint()).isEqualTo(direct + "/oauth2/token");
    assertThat(seen.tokenNamingTheForwardedAddress()).isEqualTo(401);
    assertThat(seen.auditedAddresses()).containsExactly("127.0.0.1");
  }

  /** What a client sending {@link #FORGED} headers gets from {@code server}. */
  private record Seen(String location, String selfLink, String tokenEndpoint, int tokenNamingTheForwardedAddress,
      List<String> auditedAddresses) {}

  private static Seen observe(ServletWebServerApplicationContext server) throws Exception {
    var tokens = new LocalTokens(server.getBean(SecurityProperties.class));
    var token = tokens.issue("forwarded-test", "system/*.*", null);

    var created = send(server, "POST", "/fhir/Patient", token,
        FHIR.newJsonParser().encodeResourceToString(new Patient().setActive(true)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    var location = created.headers().firstValue("Location").orElseThrow();
    var id = location.replaceAll(".*/Patient/([^/]+)/_history/.*", "$1");

    var search = send(server, "GET", "/fhir/Patient?_id=" + id, token, null);
    assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
    var selfLink = FHIR.newJsonParser().parseResource(Bundle.class, search.body()).getLink(Bundle.LINK_SELF).getUrl();

    var smart = send(server, "GET", "/fhir/.well-known/smart-configuration", null, null);
    var tokenEndpoint = new ObjectMapper().readTree(smart.body()).path("token_endpoint").asText();

    // With no issuer configured, a token must name the address the request reached.
    var forgedIssuer = tokens.sign(tokens.claims("forged-issuer", "system/*.*", null).issuer(ATTACKER).build());
    var read = send(server, "GET", "/fhir/Patient/" + id, forgedIssuer, null);

    // Read once more with the suite's own token: the audit of that read names the client's address.
    assertThat(send(server, "GET", "/fhir/Patient/" + id, token, null).statusCode()).isEqualTo(200);
    var audits = HTTP.send(HttpRequest.newBuilder(URI.create(root(server)
            + "/fhir/AuditEvent?entity=Patient/" + id + "&subtype=read&_count=100"))
        .header("Authorization", "Bearer " + token).build(), BodyHandlers.ofString());
    assertThat(audits.statusCode()).as(audits.body()).isEqualTo(200);
    var addresses = FHIR.newJsonParser().parseResource(Bundle.class, audits.body()).getEntry().stream()
        .map(entry -> (AuditEvent) entry.getResource())
        .filter(event -> event.getAgent().stream().anyMatch(agent -> "forwarded-test".equals(agent.getName())))
        .flatMap(event -> event.getAgent().stream())
        .filter(agent -> agent.getRequestor())
        .map(agent -> agent.getNetwork().getAddress())
        .toList();
    return new Seen(location, selfLink, tokenEndpoint, read.statusCode(), addresses);
  }

  private static HttpResponse<String> send(ServletWebServerApplicationContext server, String method, String path,
      String token, String body) throws Exception {
    var builder = HttpRequest.newBuilder(URI.create(root(server) + path))
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
        .headers(FORGED);
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      builder.header("Content-Type", "application/fhir+json");
    }
    return HTTP.send(builder.build(), BodyHandlers.ofString());
  }

  /** The address the test reaches the server at: loopback by number, so that Tomcat's peer is 127.0.0.1. */
  private static String root(ServletWebServerApplicationContext server) {
    return "http://127.0.0.1:" + server.getWebServer().getPort();
  }

  private static ServletWebServerApplicationContext start(Path dataDir, String... properties) {
    var arguments = new ArrayList<>(List.of("--server.port=0", "--infusion.data-dir=" + dataDir.toAbsolutePath()));
    for (var property : properties) {
      arguments.add("--" + property);
    }
    return (ServletWebServerApplicationContext) new SpringApplicationBuilder(Application.class)
        .run(arguments.toArray(String[]::new));
  }
}
