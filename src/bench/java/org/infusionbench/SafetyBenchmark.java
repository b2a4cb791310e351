package org.infusionbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.infusionfhir.support.MllpClient;

/**
 * {@code --safety-only}: what the safety monitor costs and how fast it alerts, in one run on H2.
 *
 * <ul>
 *   <li>Ingest: HL7 v2 ORU^R01 over 4 persistent MLLP connections (the harness's PCD-01 message, readings within
 *       every limit), with the monitor off ({@code infusion.safety.enabled=false}) and on, alternately in two
 *       rounds each, a fresh server each time; medians of the rounds.
 *   <li>Alert latency: with the monitor on, a rest-hook Subscription on {@code DetectedIssue} to a receiver on
 *       loopback; for each of 60 patients in an infusion in progress, one message with a systolic pressure beyond
 *       the limit; the time from its ACK to the alert's arrival at the receiver, p50 and p95.
 * </ul>
 */
final class SafetyBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CONNECTIONS = 4;
  private static final int MESSAGES = 1500;
  private static final int ALERTS = 60;
  private static final String MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";

  private SafetyBenchmark() {}

  static void run(Path jar, String jvm) throws Exception {
    var jvmOptions = Arrays.stream(jvm.split("\\s+")).filter(s -> !s.isBlank()).toList();
    var off = new ArrayList<Double>();
    var on = new ArrayList<Double>();
    var latencies = new ArrayList<Double>();
    for (int round = 1; round <= 2; round++) {
      for (boolean monitor : new boolean[] {false, true}) {
        var dataDir = Path.of("target/bench", "safety-" + (monitor ? "on" : "off") + "-" + System.nanoTime());
        var properties = new ArrayList<>(List.of("--infusion.subscriptions.allowed-endpoints=http://127.0.0.1:"));
        if (!monitor) {
          properties.add("--infusion.safety.enabled=false");
        }
        try (var server = ServerProcess.start(jar, dataDir, jvmOptions, properties)) {
          var rate = ingest(server, round);
          (monitor ? on : off).add(rate);
          System.out.printf("[bench] safety round %d, monitor %s: MLLP %.0f messages/s%n", round, monitor ? "on" : "off",
              rate);
          if (monitor && round == 2) {
            latencies.addAll(alertLatencies(server));
          }
        }
      }
    }
    var sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    var figures = new LinkedHashMap<String, Double>();
    figures.put("mllpMessagesPerSecondMonitorOff", median(off));
    figures.put("mllpMessagesPerSecondMonitorOn", median(on));
    figures.put("monitorCostPercent", 100 * (1 - median(on) / median(off)));
    figures.put("alertLatencyP50Ms", sorted[sorted.length / 2]);
    figures.put("alertLatencyP95Ms", sorted[(int) Math.ceil(sorted.length * 0.95) - 1]);
    figures.put("alertLatencyMaxMs", sorted[sorted.length - 1]);
    figures.put("alerts", (double) sorted.length);
    System.out.println();
    System.out.printf("| MLLP ingest, monitor off (median of 2) | %.0f msg/s |%n", figures.get("mllpMessagesPerSecondMonitorOff"));
    System.out.printf("| MLLP ingest, monitor on (median of 2)  | %.0f msg/s (%.1f %% less) |%n",
        figures.get("mllpMessagesPerSecondMonitorOn"), figures.get("monitorCostPercent"));
    System.out.printf("| alert latency, ACK to rest-hook (%d)    | p50 %.0f ms, p95 %.0f ms, max %.0f ms |%n",
        sorted.length, figures.get("alertLatencyP50Ms"), figures.get("alertLatencyP95Ms"), figures.get("alertLatencyMaxMs"));
    Files.writeString(Path.of("target/benchmark-safety.json"), JSON.valueToTree(figures).toPrettyString());
    System.out.println("[bench] written target/benchmark-safety.json");
  }

  private static double ingest(ServerProcess server, int round) throws Exception {
    var run = "S" + round + Long.toString(System.currentTimeMillis(), 36);
    var now = OffsetDateTime.now(ZoneOffset.UTC);
    var clients = new ConcurrentHashMap<Long, MllpClient>();
    BenchHttp.Call send = i -> {
      var client = clients.computeIfAbsent(Thread.currentThread().getId(), t -> new MllpClient(server.mllpPort));
      var controlId = run + "-" + i;
      var ack = client.send(Pcd01Message.oru("BENCH-" + controlId, "BENCH-MRN-" + Math.abs(i % 50),
          now.minusSeconds(MESSAGES + 200 - Math.abs(i))));
      if (!"AA".equals(ack.code())) {
        throw new IllegalStateException(controlId + ": " + ack.text());
      }
    };
    BenchHttp.concurrently(CONNECTIONS, 200, i -> send.call(-1 - i));
    var measured = BenchHttp.concurrently(CONNECTIONS, MESSAGES, send);
    clients.values().forEach(MllpClient::close);
    return measured.perSecond();
  }

  private static List<Double> alertLatencies(ServerProcess server) throws Exception {
    var http = new BenchHttp(server.base(), server.token);
    var arrived = new ConcurrentHashMap<String, Long>();
    var receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      long now = System.nanoTime();
      var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
      if (!body.isBlank()) {
        arrived.putIfAbsent(JSON.readTree(body).path("patient").path("reference").asText(), now);
      }
    });
    receiver.start();
    try {
      var subscription = JSON.createObjectNode().put("resourceType", "Subscription").put("status", "requested")
          .put("reason", "safety benchmark").put("criteria", "DetectedIssue?");
      subscription.putObject("channel").put("type", "rest-hook").put("payload", "application/fhir+json")
          .put("endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts");
      var id = JSON.readTree(http.post("/Subscription", subscription.toString())).path("id").asText();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!"active".equals(JSON.readTree(http.get("/Subscription/" + id)).path("status").asText())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the Subscription did not become active");
        }
        Thread.sleep(100);
      }
      var run = Long.toString(System.currentTimeMillis(), 36);
      var start = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(10);
      var patients = new ArrayList<String>();
      for (int i = 0; i < ALERTS; i++) {
        var mrn = "ALERT-" + run + "-" + i;
        var patient = JSON.createObjectNode().put("resourceType", "Patient");
        patient.putArray("identifier").addObject().put("system", MRN_SYSTEM).put("value", mrn);
        var patientId = "Patient/" + JSON.readTree(http.post("/Patient", patient.toString())).path("id").asText();
        var procedure = JSON.createObjectNode().put("resourceType", "Procedure").put("status", "in-progress");
        procedure.putObject("subject").put("reference", patientId);
        procedure.putObject("performedPeriod").put("start", start.toString());
        http.post("/Procedure", procedure.toString());
        patients.add(patientId);
      }
      var latencies = new ArrayList<Double>();
      try (var mllp = new MllpClient(server.mllpPort)) {
        for (int i = 0; i < ALERTS; i++) {
          var message = Pcd01Message.oru("ALERT-" + run + "-" + i, "ALERT-" + run + "-" + i,
              OffsetDateTime.now(ZoneOffset.UTC)).replace("|128|266016", "|192|266016");
          var ack = mllp.send(message);
          long acked = System.nanoTime();
          if (!"AA".equals(ack.code())) {
            throw new IllegalStateException(ack.text());
          }
          long waitUntil = acked + 30_000_000_000L;
          Long got;
          while ((got = arrived.get(patients.get(i))) == null && System.nanoTime() < waitUntil) {
            Thread.sleep(1);
          }
          if (got == null) {
            throw new IllegalStateException("no alert for " + patients.get(i) + " within 30 s");
          }
          latencies.add((got - acked) / 1e6);
        }
      }
      http.send("DELETE", "/Subscription/" + id, null, "application/fhir+json");
      return latencies;
    } finally {
      receiver.stop(0);
    }
  }

  private static double median(List<Double> values) {
    var sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }
}
