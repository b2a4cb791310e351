package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.hl7.fhir.r4.model.Bundle;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.infusionfhir.server.http.BufferedResponseFilter;

/** The FHIR server contract on embedded H2, plus the operational endpoints. */
@H2FhirServer
@ExtendWith(OutputCaptureExtension.class)
class H2FhirServerTest extends FhirServerContract {

  /**
   * BufferedResponseFilter: HAPI's JSON writer flushes after every decimal. A search answer of 40 vital
   * signs must still go out in container-buffer-sized chunks, not one or more per Observation.
   */
  @Test
  void aSearchAnswerIsSentInBufferSizedChunksNotOnePerDecimal() throws Exception {
    var patient = unique("chunks");
    var entries = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      entries.append(i == 0 ? "" : ",").append("""
          {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
           "subject":{"reference":"Patient/%s"},"effectiveDateTime":"2026-01-05T08:%02d:00Z",
           "valueQuantity":{"value":%d.5,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}},
           "request":{"method":"POST","url":"Observation"}}""".formatted(patient, i, 60 + i));
    }
    var stored = send("POST", "", JSON, """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"resource":{"resourceType":"Patient","id":"%s"},"request":{"method":"PUT","url":"Patient/%s"}},%s]}"""
        .formatted(patient, patient, entries));
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);

    try (var socket = new Socket("127.0.0.1", port)) {
      var out = socket.getOutputStream();
      out.write(("GET /fhir/Observation?subject=Patient/" + patient + "&_count=100 HTTP/1.1\r\nHost: localhost\r\n"
          + "Authorization: Bearer " + systemToken + "\r\nAccept: application/fhir+json\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      var in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      assertThat(line(in)).startsWith("HTTP/1.1 200");
      boolean chunked = false;
      for (String header; !(header = line(in)).isEmpty(); ) {
        chunked |= header.equalsIgnoreCase("Transfer-Encoding: chunked");
      }
      assertThat(chunked).as("a 40-Observation answer is larger than the container's buffer").isTrue();
      var body = new ByteArrayOutputStream();
      int chunks = 0;
      for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; chunks++) {
        body.write(in.readNBytes(size));
        line(in);
      }
      var bundle = FHIR.newJsonParser().parseResource(Bundle.class, body.toString(StandardCharsets.UTF_8));
      assertThat(bundle.getEntry()).hasSize(40);
      assertThat(chunks).as("chunks for %d bytes", body.size()).isLessThanOrEqualTo(body.size() / 8192 + 2);
    }
  }

  private static String line(DataInputStream in) throws IOException {
    var line = new StringBuilder();
    for (int c; (c = in.read()) != '\n' && c >= 0; ) {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Test
  void healthReportsLivenessAndReadinessWithTheDatabase() {
    var health = get(serverRoot() + "/actuator/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\":\"UP\"");
    assertThat(get(serverRoot() + "/actuator/health/liveness").body()).contains("\"status\":\"UP\"");
    var readiness = get(serverRoot() + "/actuator/health/readiness");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"db\"").contains("\"status\":\"UP\"");
  }

  @Test
  void prometheusMetricsIncludeRequestsAndConnectionPool() {
    get("/metadata");
    var metrics = get(serverRoot() + "/actuator/prometheus");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("http_server_requests_seconds_count").contains("hikaricp_connections");
  }

  @Test
  void everyRequestIsLoggedOnceWithItsIdMethodPathStatusAndDuration(CapturedOutput output) {
    // The server logs at INFO. The command tests (token, load) run their commands in this JVM, and a
    // command turns the JVM's one logback context down to WARN until the next server starts.
    var logging = LoggingSystem.get(getClass().getClassLoader());
    logging.setLogLevel("infusion.request", LogLevel.INFO);
    try {
      assertRequestsAreLogged(output);
    } finally {
      logging.setLogLevel("infusion.request", null);
    }
  }

  private void assertRequestsAreLogged(CapturedOutput output) {
    var response = get("/Patient/no-such-patient-for-log", "X-Request-Id", "trace-4711");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("X-Request-Id")).hasValue("trace-4711");
    // The line is written when the filter returns, which can be just after the client has the response.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(output.getOut().lines()
            .filter(l -> l.contains("infusion.request"))
            .filter(l -> l.matches(".*trace-4711 GET /fhir/Patient/no-such-patient-for-log 404 \\d+ms.*")))
        .hasSize(1));

    var generated = get("/metadata", "X-Request-Id", "not a safe id!");
    var generatedId = generated.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(generatedId).matches("[0-9a-f]{32}");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(output.getOut()).contains(generatedId + " GET /fhir/metadata 200"));
  }
}
