package org.infusionfhir.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.infusionfhir.Application;
import org.infusionfhir.hl7v2.MllpListener;
import org.infusionfhir.support.MllpClient;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.context.WebServerApplicationContext;

/**
 * Adapter ingest speed, apart from the tests:
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.infusionfhir.bench.AdapterBenchmark [-Dexec.args="MESSAGES SESSIONS CLIENTS DB_URL"]}.
 *
 * <p>Starts the server in-process (H2 in memory unless a JDBC URL is given), then measures HL7 v2 ORU^R01
 * over MLLP on persistent connections (a full PCD-01 panel: five vital signs and a blood-pressure panel
 * per message) and JSON intake sessions (the TRD maintenance session: 49 resources each), with CLIENTS
 * sending at once. A warm-up round of each runs first. Prints a table and writes
 * {@code target/adapter-benchmark.json}.
 */
public final class AdapterBenchmark {

  /** A system token from the server's embedded issuer: the benchmark measures with authorization on. */
  private static String auth;

  private static final DateTimeFormatter HL7_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmssxx");

  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int clients = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    var dbUrl = args.length > 3 ? args[3] : "jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1";
    var app = new SpringApplication(Application.class);
    var arguments = new String[] {
        "--spring.datasource.url=" + dbUrl,
        "--server.port=0",
        "--infusion.hl7v2.mllp.port=0",
        "--logging.level.org.infusionfhir=warn",
        "--logging.level.org.infusionfhir.adapter.AdapterStorage=debug"};
    long startedAt = System.nanoTime();
    try (var context = app.run(arguments)) {
      auth = "Bearer " + new org.infusionfhir.security.LocalTokens(
          context.getBean(org.infusionfhir.security.SecurityProperties.class)).issue("benchmark", "system/*.*", null);
      double startSeconds = (System.nanoTime() - startedAt) / 1e9;
      int mllpPort = context.getBean(MllpListener.class).port();
      int httpPort = ((WebServerApplicationContext) context).getWebServer().getPort();

      var run = System.currentTimeMillis();
      IntFunction<String> message = i -> pcd01Message("BENCH-" + run + "-" + i, "BENCH-MRN-" + (i % 50),
          OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(i));
      mllp(mllpPort, clients, Math.max(200, messages / 10), i -> message.apply(-1 - i));
      var hl7 = mllp(mllpPort, clients, messages, message);

      var template = (ObjectNode) new ObjectMapper().readTree(Path.of("fixtures/intake/session-trd-s7.json").toFile());
      IntFunction<String> session = i -> {
        var copy = template.deepCopy();
        copy.put("sessionId", "BENCH-" + run + "-" + i);
        ((ObjectNode) copy.get("patient")).put("mrn", "BENCH-MRN-" + (i % 50));
        return copy.toString();
      };
      var rest = restTransactions(httpPort, 20);
      intake(httpPort, clients, Math.max(20, sessions / 10), i -> session.apply(-1 - i));
      var json = intake(httpPort, clients, sessions, session);

      var rows = List.of(
          String.format("%-44s %10.0f messages/s  (%d messages, %d connections; %.0f observations/s)", "HL7 v2 ORU^R01 over MLLP",
              hl7.perSecond(), messages, clients, hl7.perSecond() * 6),
          String.format("%-44s %10.1f ms p50  %6.1f ms p95", "  latency per message (ACK)", hl7.p50(), hl7.p95()),
          String.format("%-44s %10.1f sessions/s  (%d sessions, %d clients; %.0f resources/s)", "JSON intake sessions",
              json.perSecond(), sessions, clients, json.perSecond() * 49),
          String.format("%-44s %10.1f ms p50  %6.1f ms p95", "  latency per session", json.p50(), json.p95()),
          String.format("%-44s %10.0f resources/s", "REST transaction, 100 Observations (1 client)", rest),
          String.format("%-44s %10.1f s", "server start (in-process, before the runs)", startSeconds));
      System.out.println();
      System.out.println("Adapter benchmark, " + Runtime.getRuntime().availableProcessors() + " cores, " + dbUrl);
      rows.forEach(System.out::println);
      var report = new ObjectMapper().createObjectNode()
          .put("database", dbUrl).put("cores", Runtime.getRuntime().availableProcessors()).put("clients", clients)
          .put("mllpMessagesPerSecond", hl7.perSecond()).put("mllpP50Ms", hl7.p50()).put("mllpP95Ms", hl7.p95())
          .put("intakeSessionsPerSecond", json.perSecond()).put("intakeP50Ms", json.p50()).put("intakeP95Ms", json.p95());
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target/adapter-benchmark.json"), report.toPrettyString());
    }
    // exec:java would otherwise wait for lingering pool threads of the closed server.
    System.exit(0);
  }

  record Result(double perSecond, double p50, double p95) {}

  /** The same kind of write through the REST API, for comparison: transactions of 100 heart rates. */
  private static double restTransactions(int port, int count) throws Exception {
    var http = HttpClient.newHttpClient();
    var fhir = ca.uhn.fhir.context.FhirContext.forR4Cached();
    var patient = new org.hl7.fhir.r4.model.Patient().addIdentifier(
        new org.hl7.fhir.r4.model.Identifier().setSystem("urn:bench").setValue("rest"));
    var created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fhir/Patient")).header("Authorization", auth)
        .header("Content-Type", "application/fhir+json")
        .POST(HttpRequest.BodyPublishers.ofString(fhir.newJsonParser().encodeResourceToString(patient))).build(),
        HttpResponse.BodyHandlers.ofString());
    var patientId = fhir.newJsonParser().parseResource(org.hl7.fhir.r4.model.Patient.class, created.body())
        .getIdElement().toUnqualifiedVersionless().getValue();
    double seconds = 0;
    for (int round = -3; round < count; round++) {
      var bundle = new org.hl7.fhir.r4.model.Bundle().setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
      for (int i = 0; i < 100; i++) {
        var observation = new org.hl7.fhir.r4.model.Observation();
        observation.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
        observation.addCategory().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
            .setCode("vital-signs");
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
        observation.setSubject(new org.hl7.fhir.r4.model.Reference(patientId));
        observation.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new java.util.Date()));
        observation.setValue(new org.hl7.fhir.r4.model.Quantity(60 + i % 40).setSystem("http://unitsofmeasure.org")
            .setCode("/min"));
        bundle.addEntry().setResource(observation).getRequest()
            .setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Observation");
      }
      var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fhir")).header("Authorization", auth)
          .header("Content-Type", "application/fhir+json")
          .POST(HttpRequest.BodyPublishers.ofString(fhir.newJsonParser().encodeResourceToString(bundle))).build();
      long t = System.nanoTime();
      var response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (round >= 0) {
        seconds += (System.nanoTime() - t) / 1e9;
      }
      if (response.statusCode() != 200) {
        throw new IllegalStateException("REST transaction: " + response.statusCode() + " " + response.body());
      }
    }
    return count * 100 / seconds;
  }

  private static Result mllp(int port, int clients, int count, IntFunction<String> message) throws Exception {
    var next = new AtomicInteger();
    return timed(clients, count, () -> {
      var latencies = new ArrayList<Double>();
      try (var client = new MllpClient(port)) {
        for (int i; (i = next.getAndIncrement()) < count; ) {
          long t = System.nanoTime();
          var ack = client.send(message.apply(i));
          latencies.add((System.nanoTime() - t) / 1e6);
          if (!"AA".equals(ack.code())) {
            throw new IllegalStateException("message " + i + " was not accepted: " + ack.text());
          }
        }
      }
      return latencies;
    });
  }

  private static Result intake(int port, int clients, int count, IntFunction<String> body) throws Exception {
    var next = new AtomicInteger();
    var http = HttpClient.newHttpClient();
    return timed(clients, count, () -> {
      var latencies = new ArrayList<Double>();
      for (int i; (i = next.getAndIncrement()) < count; ) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/intake/sessions")).header("Authorization", auth)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.apply(i))).build();
        long t = System.nanoTime();
        var response = http.send(request, HttpResponse.BodyHandlers.ofString());
        latencies.add((System.nanoTime() - t) / 1e6);
        if (response.statusCode() >= 300) {
          throw new IllegalStateException("session " + i + ": " + response.statusCode() + " " + response.body());
        }
      }
      return latencies;
    });
  }

  private static Result timed(int clients, int count, Callable<List<Double>> worker) throws Exception {
    var pool = Executors.newFixedThreadPool(clients);
    try {
      long start = System.nanoTime();
      var futures = new ArrayList<java.util.concurrent.Future<List<Double>>>();
      for (int c = 0; c < clients; c++) {
        futures.add(pool.submit(worker));
      }
      var all = new ArrayList<Double>();
      for (var future : futures) {
        all.addAll(future.get());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      var sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return new Result(count / seconds, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.95)]);
    } finally {
      pool.shutdownNow();
    }
  }

  static String pcd01Message(String controlId, String mrn, OffsetDateTime time) {
    var t = time.format(HL7_TIME);
    var eui = "0123456789ABCD" + String.format("%02d", Math.abs(mrn.hashCode()) % 100);
    var obx = "||||" + eui + "^^" + eui + "^EUI-64";
    return String.join("\r",
        "MSH|^~\\&|BENCH_MONITOR^" + eui + "^EUI-64|RIVERSIDE_INFUSION|INFUSION-FHIR|INFUSION-FHIR|" + t
            + "||ORU^R01^ORU_R01|" + controlId + "|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        "PID|1||" + mrn + "^^^CLINIC^MR||Bench^Patient||19800101|F",
        "OBR|1||" + controlId + "|182777000^monitoring of patient^SCT|||" + t,
        "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||" + t + obx,
        "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|78|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||" + t + obx,
        "OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||R|||" + t + obx,
        "OBX|4|NM|151562^MDC_RESP_RATE^MDC|1.3.1.1|14|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||" + t + obx,
        "OBX|5|NM|150364^MDC_TEMP_BODY^MDC|1.4.1.1|36.8|268192^MDC_DIM_DEGC^MDC|||||R|||" + t + obx,
        "OBX|6|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.5.1.1|128|266016^MDC_DIM_MMHG^MDC|||||R|||" + t + obx,
        "OBX|7|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.5.1.2|82|266016^MDC_DIM_MMHG^MDC|||||R|||" + t + obx,
        "OBX|8|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.2|77|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||" + t + obx);
  }
}
