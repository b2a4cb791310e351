package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The FHIR server contract on embedded H2, plus the operational endpoints. */
@H2FhirServer
@ExtendWith(OutputCaptureExtension.class)
class H2FhirServerTest extends FhirServerContract {

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
