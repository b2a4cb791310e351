package org.infusionbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.infusionfhir.support.MllpClient;
import org.infusionfhir.support.Postgres;

/**
 * {@code --replicas-only}: the throughput of two replicas against one, on one PostgreSQL database, in one run.
 *
 * <p>Replica A migrates a fresh database and starts; B starts beside it on the same database. Then, in two
 * rounds (one then two, two then one), the same client load is sent to A alone and spread over A and B: {@value #CLIENTS} client
 * threads, half of them on each replica when there are two. Two workloads: HL7 v2 ORU^R01 ingest over
 * persistent MLLP connections ({@value #MESSAGES} messages), and FHIR searches of one patient's vital signs
 * ({@value #SEARCHES} searches). Medians of the rounds, and the ratio two/one.
 */
final class ReplicasBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLIENTS = 8;
  private static final int MESSAGES = 1200;
  private static final int SEARCHES = 1600;

  private ReplicasBenchmark() {}

  static void run(Path jar, String jvm) throws Exception {
    var jvmOptions = Arrays.stream(jvm.split("\\s+")).filter(s -> !s.isBlank()).toList();
    var url = Postgres.freshDatabase("infusion_bench_replicas");
    var properties = List.of("--spring.profiles.active=postgres", "--spring.datasource.url=" + url,
        "--spring.datasource.username=" + Postgres.USER, "--spring.datasource.password=" + Postgres.PASSWORD,
        "--infusion.database.schema-action=migrate");
    var run = Long.toString(System.currentTimeMillis(), 36);
    try (var a = ServerProcess.start(jar, Path.of("target/bench/replica-a-" + run), jvmOptions, properties);
        var b = ServerProcess.start(jar, Path.of("target/bench/replica-b-" + run), jvmOptions, properties)) {
      // Warm-up of both, and the patients the searches read.
      for (var server : List.of(a, b)) {
        ingest(List.of(server), 200, "W" + server.httpPort);
        search(List.of(server), 200);
      }
      var figures = new LinkedHashMap<String, List<Double>>();
      for (int round = 1; round <= 2; round++) {
        // One, two, then two, one: the patients gain observations every round, so searches slow down as the
        // run goes on; the mirrored order gives both the same share of early and late rounds.
        var order = round == 1 ? List.of(List.of(a), List.of(a, b)) : List.of(List.of(a, b), List.of(a));
        for (var servers : order) {
          var label = servers.size() == 1 ? "one" : "two";
          var ingest = ingest(servers, MESSAGES, "R" + round + label);
          var search = search(servers, SEARCHES);
          figures.computeIfAbsent("mllpMessagesPerSecond_" + label, k -> new ArrayList<>()).add(ingest);
          figures.computeIfAbsent("searchesPerSecond_" + label, k -> new ArrayList<>()).add(search);
          System.out.printf("[bench] replicas round %d, %s: MLLP %.0f messages/s, searches %.0f/s%n", round, label,
              ingest, search);
        }
      }
      var result = new LinkedHashMap<String, Double>();
      figures.forEach((name, values) -> result.put(name, median(values)));
      result.put("mllpTwoOverOne", result.get("mllpMessagesPerSecond_two") / result.get("mllpMessagesPerSecond_one"));
      result.put("searchTwoOverOne", result.get("searchesPerSecond_two") / result.get("searchesPerSecond_one"));
      result.put("cores", (double) Runtime.getRuntime().availableProcessors());
      System.out.println();
      System.out.printf("| MLLP ingest (%d clients)     | one replica %.0f msg/s | two replicas %.0f msg/s | %.2f x |%n",
          CLIENTS, result.get("mllpMessagesPerSecond_one"), result.get("mllpMessagesPerSecond_two"),
          result.get("mllpTwoOverOne"));
      System.out.printf("| vital-sign search (%d clients) | one replica %.0f /s | two replicas %.0f /s | %.2f x |%n",
          CLIENTS, result.get("searchesPerSecond_one"), result.get("searchesPerSecond_two"),
          result.get("searchTwoOverOne"));
      Files.writeString(Path.of("target/benchmark-replicas.json"), JSON.valueToTree(result).toPrettyString());
      System.out.println("[bench] written target/benchmark-replicas.json");
    }
  }

  /** {@code count} ORU^R01 messages over {@link #CLIENTS} MLLP connections spread evenly over {@code servers}. */
  private static double ingest(List<ServerProcess> servers, int count, String run) throws Exception {
    var now = OffsetDateTime.now(ZoneOffset.UTC);
    var clients = new ConcurrentHashMap<Long, MllpClient>();
    var next = new java.util.concurrent.atomic.AtomicInteger();
    BenchHttp.Call send = i -> {
      var client = clients.computeIfAbsent(Thread.currentThread().getId(),
          t -> new MllpClient(servers.get(next.getAndIncrement() % servers.size()).mllpPort));
      var controlId = run + "-" + i;
      var ack = client.send(Pcd01Message.oru("BENCH-" + controlId, "BENCH-MRN-" + (i % 50),
          now.minusSeconds(count + 200 - i)));
      if (!"AA".equals(ack.code())) {
        throw new IllegalStateException(controlId + ": " + ack.text());
      }
    };
    try {
      return BenchHttp.concurrently(CLIENTS, count, send).perSecond();
    } finally {
      clients.values().forEach(MllpClient::close);
    }
  }

  /** {@code count} searches of one patient's latest vital signs, the client threads spread over {@code servers}. */
  private static double search(List<ServerProcess> servers, int count) throws Exception {
    var clients = new ConcurrentHashMap<Long, BenchHttp>();
    var next = new java.util.concurrent.atomic.AtomicInteger();
    BenchHttp.Call call = i -> {
      var http = clients.computeIfAbsent(Thread.currentThread().getId(), t -> {
        var server = servers.get(next.getAndIncrement() % servers.size());
        return new BenchHttp(server.base(), server.token);
      });
      http.get("/Observation?category=vital-signs&subject:Patient.identifier=http://infusion-fhir.org/fhir/fixtures/mrn%7CBENCH-MRN-"
          + (i % 50) + "&_sort=-date&_count=20");
    };
    return BenchHttp.concurrently(CLIENTS, count, call).perSecond();
  }

  private static double median(List<Double> values) {
    var sorted = values.stream().sorted().toList();
    return sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
        : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
  }
}
