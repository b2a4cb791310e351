package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code token} run beside a server that was given its issuer on its own command line: the command signs
 * for the issuer the running server publishes, or says which issuer it used and how to choose another.
 */
@H2FhirServer
class TokenCommandIssuerTest extends FhirServerTestBase {

  @TempDir java.nio.file.Path keys;

  private record Run(int exit, String out, String err) {
    String token() {
      var lines = out.strip().lines().toList();
      return lines.get(lines.size() - 1);
    }

    String issuer() throws Exception {
      var payload = new String(Base64.getUrlDecoder().decode(token().split("\\.")[1]), StandardCharsets.UTF_8);
      return new ObjectMapper().readTree(payload).get("iss").asText();
    }
  }

  private Run token(String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int exit = new TokenCommand(new PrintStream(out, true), new PrintStream(err, true)).run(List.of(args));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void itSignsForTheIssuerTheRunningServerPublishes() throws Exception {
    var discovery = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    discovery.createContext("/fhir/.well-known/smart-configuration", exchange -> {
      var body = "{\"issuer\":\"https://fhir.clinic.example\",\"token_endpoint\":\"https://fhir.clinic.example/oauth2/token\"}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    discovery.start();
    try {
      var run = token("--scope", "system/*.read", "--server", "http://127.0.0.1:" + discovery.getAddress().getPort(),
          "--infusion.security.embedded.key-file=" + keys.resolve("key.json"));

      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.issuer()).isEqualTo("https://fhir.clinic.example");
      assertThat(run.out()).contains("issuer https://fhir.clinic.example");
    } finally {
      discovery.stop(0);
    }
  }

  @Test
  void aTokenForTheServerAtServerIsAcceptedByIt() throws Exception {
    var run = token("--scope", "system/Patient.read", "--server", serverRoot(),
        "--infusion.security.embedded.key-file=" + securityProperties.embedded().keyFile());

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    var published = new ObjectMapper().readTree(get("/.well-known/smart-configuration", "Authorization", ANONYMOUS)
        .body()).get("issuer").asText();
    assertThat(run.issuer()).isEqualTo(published);
    assertThat(get("/Patient?_count=1", "Authorization", "Bearer " + run.token()).statusCode()).isEqualTo(200);
  }

  @Test
  void withNoServerAnsweringItSaysWhichIssuerItUsedAndHowToSetIt() throws Exception {
    int closedPort;
    try (var socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    var run = token("--scope", "system/*.read", "--server", "http://127.0.0.1:" + closedPort,
        "--infusion.security.embedded.key-file=" + keys.resolve("key.json"),
        "--infusion.security.embedded.issuer=https://configured.example");
    assertThat(run.exit()).isZero();
    assertThat(run.issuer()).as("an issuer given here is used as it is").isEqualTo("https://configured.example");

    var guessed = token("--scope", "system/*.read", "--server", "http://127.0.0.1:" + closedPort,
        "--infusion.security.embedded.key-file=" + keys.resolve("key.json"));
    assertThat(guessed.exit()).isZero();
    assertThat(guessed.err()).contains("no server answered at http://127.0.0.1:" + closedPort)
        .contains("signing for the configured issuer " + guessed.issuer())
        .contains("--server URL").contains("--infusion.security.embedded.issuer=");
  }
}
