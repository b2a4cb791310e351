package org.infusionbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.infusionfhir.support.MllpClient;
import org.infusionfhir.support.Postgres;

/**
 * {@code --soak}: one server process under a modest, fixed mixed load for {@code --minutes}, sampled every
 * {@code --interval} seconds, to show that nothing keeps growing.
 *
 * <p>The load, each kind on its own schedule: HL7 v2 ORU^R01 over one persistent MLLP connection and now and
 * then on a connection of its own ({@code mllpNew}), REST creates,
 * updates and reads of Observations, vital-sign searches following up to three pages, and a system
 * {@code $export} of the last interval's changes every {@code --export-every} minutes (polled to completion,
 * every file downloaded). Per interval: latency p50/p95/p99 per kind, errors by kind and status, and from the
 * server process RSS, heap used after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}), live threads,
 * open files and the database connections (Hikari's gauges at {@code /actuator/prometheus}; on PostgreSQL
 * also {@code pg_stat_activity}). A figure whose last third of samples all lie above the first third by more
 * than its threshold is flagged as growing. Writes {@code target/soak.csv} and {@code target/soak.md}.
 */
final class SoakBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PATIENTS = 20;
  private static final String MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";
  private static final List<String> KINDS = List.of("mllp", "mllpNew", "create", "update", "read", "search", "page", "export");
  private static final Pattern HEAP_USED = Pattern.compile("(?:generation|heap)\\s+total \\d+K, used (\\d+)K");

  /** A resource figure, and how far its last third must lie above its first third to count as growing. */
  private record Figure(String name, double absoluteThreshold, double relativeThreshold) {}

  private static final List<Figure> FIGURES = List.of(
      new Figure("rssMb", 0, 0.10), new Figure("heapAfterGcMb", 0, 0.15), new Figure("threads", 3, 0),
      new Figure("openFiles", 5, 0), new Figure("dbActive", 2, 0), new Figure("dbTotal", 1, 0),
      new Figure("pgConnections", 1, 0));

  private record Options(Path jar, String db, int minutes, int intervalSeconds, int exportEveryMinutes, String jvm) {}

  private final ServerProcess server;
  private final BenchHttp http;
  private final String db;
  private final String pgDatabase;
  private final String run = Long.toString(System.currentTimeMillis(), 36);
  private final Map<String, ConcurrentLinkedQueue<Double>> latencies = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
  private final List<String> patientIds = new ArrayList<>();
  private final List<String> observationIds = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong counter = new AtomicLong();
  private MllpClient mllp;
  private double lastCpuMs;
  private long lastCpuAt;

  private SoakBenchmark(ServerProcess server, String db, String pgDatabase) {
    this.server = server;
    this.http = new BenchHttp(server.base(), server.token);
    this.db = db;
    this.pgDatabase = pgDatabase;
  }

  static void run(String[] args) throws Exception {
    var options = options(args);
    var jvm = Arrays.stream(options.jvm().split("\\s+")).filter(s -> !s.isBlank()).toList();
    var dataDir = Path.of("target/bench", "soak-" + options.db() + "-" + System.nanoTime());
    var properties = new ArrayList<String>(List.of("--logging.level.org.infusionfhir=warn"));
    String pgDatabase = null;
    if (options.db().equals("postgres")) {
      pgDatabase = "infusion_bench_soak";
      var url = Postgres.freshDatabase(pgDatabase);
      properties.addAll(List.of("--spring.profiles.active=postgres", "--spring.datasource.url=" + url,
          "--spring.datasource.username=" + Postgres.USER, "--spring.datasource.password=" + Postgres.PASSWORD));
    }
    System.out.printf("[soak] %s, %d minutes, a sample every %d s, an export every %d minutes; server log in %s%n",
        options.db(), options.minutes(), options.intervalSeconds(), options.exportEveryMinutes(), dataDir);
    try (var server = ServerProcess.start(options.jar(), dataDir, jvm, properties)) {
      System.out.printf("[soak] started in %.1f s, pid %d%n", server.startSeconds, server.process.pid());
      new SoakBenchmark(server, options.db(), pgDatabase).soak(options);
    }
  }

  private static Options options(String[] args) {
    var list = Arrays.asList(args);
    var jar = Path.of("target/infusion-fhir.jar");
    var db = "h2";
    int minutes = 60;
    int interval = 60;
    int exportEvery = 5;
    var jvm = Benchmark.DOCKER_JVM_OPTIONS;
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).equals("--soak")) {
        continue;
      }
      var value = i + 1 < list.size() ? list.get(i + 1) : null;
      switch (list.get(i)) {
        case "--db" -> db = value;
        case "--minutes" -> minutes = Integer.parseInt(value);
        case "--interval" -> interval = Integer.parseInt(value);
        case "--export-every" -> exportEvery = Integer.parseInt(value);
        case "--jar" -> jar = Path.of(value);
        case "--jvm" -> jvm = value;
        default -> throw new IllegalArgumentException("--soak: unknown argument " + list.get(i)
            + "; known: --db h2|postgres, --minutes, --interval (s), --export-every (min), --jar, --jvm");
      }
      i++;
    }
    if (!List.of("h2", "postgres").contains(db)) {
      throw new IllegalArgumentException("--soak --db: h2 or postgres");
    }
    return new Options(jar, db, minutes, interval, exportEvery, jvm);
  }

  private void soak(Options options) throws Exception {
    setUp();
    var samples = new ArrayList<Map<String, Double>>();
    var start = sampleResources();
    start.put("minute", 0.0);
    samples.add(start);
    printHeader();
    printRow(start, Map.of(), Map.of());
    var load = Executors.newScheduledThreadPool(6);
    long began = System.nanoTime();
    // Rates chosen to leave most of the two cores to other work: about 3 MLLP messages (21 Observations)
    // and one every 10 s on a connection of its own (as a monitor that reconnects), 1 create, 0.5 updates, 2 reads and 0.5 searches (up to 3 pages) a second.
    every(load, 333, "mllp", this::mllpMessage);
    every(load, 10_000, "mllpNew", this::mllpOnNewConnection);
    every(load, 1000, "create", this::create);
    every(load, 2000, "update", this::update);
    every(load, 500, "read", this::read);
    every(load, 2000, "search", this::search);
    var exportSince = new java.util.concurrent.atomic.AtomicReference<>(Instant.now());
    load.scheduleAtFixedRate(() -> {
      var since = exportSince.getAndSet(Instant.now().truncatedTo(ChronoUnit.SECONDS));
      timed("export", () -> export(since));
    }, options.exportEveryMinutes(), options.exportEveryMinutes(), TimeUnit.MINUTES);
    var markdownRows = new ArrayList<String>();
    var csv = new StringBuilder("minute," + String.join(",", start.keySet().stream().filter(k -> !k.equals("minute")).toList()));
    for (var kind : KINDS) {
      csv.append(",").append(kind).append("Count,").append(kind).append("P50,").append(kind).append("P95,")
          .append(kind).append("P99");
    }
    csv.append(",errors\n");
    appendCsv(csv, start, Map.of(), Map.of());
    int intervals = (int) Math.ceil(options.minutes() * 60.0 / options.intervalSeconds());
    for (int n = 1; n <= intervals; n++) {
      long due = began + TimeUnit.SECONDS.toNanos((long) n * options.intervalSeconds());
      Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
      if (n == intervals) {
        // The last sample after the load stops, so that the closing figures are not mid-export.
        load.shutdown();
        load.awaitTermination(5, TimeUnit.MINUTES);
      }
      var interval = drainLatencies();
      var intervalErrors = drainErrors();
      var sample = sampleResources();
      sample.put("minute", (System.nanoTime() - began) / 60e9);
      samples.add(sample);
      printRow(sample, interval, intervalErrors);
      appendCsv(csv, sample, interval, intervalErrors);
      markdownRows.add(markdownRow(sample, interval, intervalErrors));
      Files.writeString(Path.of("target/soak.csv"), csv);
    }
    mllp.close();
    var summary = summary(samples);
    System.out.println(summary);
    var markdown = new StringBuilder("# Soak: " + db + ", " + options.minutes() + " minutes, "
        + Runtime.getRuntime().availableProcessors() + " cores, " + OffsetDateTime.now(ZoneOffset.UTC) + "\n\n")
        .append("| minute | cpu % | RSS MB | heap after GC MB | threads | open files | db act/idle/total | ")
        .append(String.join(" | ", KINDS.stream().map(k -> k + " n p50/p95/p99 ms").toList()))
        .append(" | errors |\n|---").append("|---".repeat(KINDS.size() + 7)).append("|\n");
    markdownRows.forEach(markdown::append);
    markdown.append("\n").append(summary);
    Files.writeString(Path.of("target/soak.md"), markdown);
    System.out.println("[soak] written target/soak.csv and target/soak.md");
  }

  /** The patients the REST load writes for (MLLP finds or creates its own by MRN), and a first message. */
  private void setUp() throws Exception {
    for (int p = 0; p < PATIENTS; p++) {
      var patient = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + MRN_SYSTEM + "\",\"value\":\"SOAK-"
          + run + "-REST-" + p + "\"}],\"name\":[{\"family\":\"Soak\",\"given\":[\"R" + p + "\"]}],\"gender\":\"unknown\"}";
      patientIds.add(JSON.readTree(http.post("/Patient", patient)).path("id").asText());
    }
    mllp = new MllpClient(server.mllpPort);
    mllpMessage();
    create();
    drainLatencies();
  }

  private interface Work {
    void run() throws Exception;
  }

  /** Runs {@code work} every {@code millis}; a failure is counted, never stops the schedule. */
  private void every(ScheduledExecutorService load, long millis, String kind, Work work) {
    load.scheduleAtFixedRate(() -> timed(kind, work), millis, millis, TimeUnit.MILLISECONDS);
  }

  private void timed(String kind, Work work) {
    long t = System.nanoTime();
    try {
      work.run();
      record(kind, (System.nanoTime() - t) / 1e6);
    } catch (Failed failed) {
      errors.computeIfAbsent(kind + " " + failed.getMessage(), k -> new AtomicInteger()).incrementAndGet();
    } catch (Exception e) {
      errors.computeIfAbsent(kind + " " + e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
      if (kind.equals("mllp")) {
        try {
          reconnectMllp();
        } catch (RuntimeException down) {
          // Counted above; the next message tries again.
        }
      }
    }
  }

  private void record(String kind, double ms) {
    latencies.computeIfAbsent(kind, k -> new ConcurrentLinkedQueue<>()).add(ms);
  }

  /** An answer other than the expected one; its message is the status or ACK code counted. */
  private static final class Failed extends Exception {
    Failed(String what) {
      super(what, null, false, false);
    }
  }

  private synchronized void reconnectMllp() {
    try {
      mllp.close();
    } catch (RuntimeException ignored) {
      // The connection is being replaced because it failed.
    }
    mllp = new MllpClient(server.mllpPort);
  }

  private synchronized void mllpMessage() throws Exception {
    long i = counter.incrementAndGet();
    var ack = mllp.send(Pcd01Message.oru("SOAK-" + run + "-" + i, "SOAK-" + run + "-MRN-" + (i % PATIENTS),
        OffsetDateTime.now(ZoneOffset.UTC)));
    if (!"AA".equals(ack.code())) {
      throw new Failed("ACK " + ack.code());
    }
  }

  /** One message on a connection opened for it and closed after its ACK: a leaked socket or thread would show. */
  private void mllpOnNewConnection() throws Exception {
    long i = counter.incrementAndGet();
    try (var client = new MllpClient(server.mllpPort)) {
      var ack = client.send(Pcd01Message.oru("SOAK-" + run + "-" + i, "SOAK-" + run + "-MRN-" + (i % PATIENTS),
          OffsetDateTime.now(ZoneOffset.UTC)));
      if (!"AA".equals(ack.code())) {
        throw new Failed("ACK " + ack.code());
      }
    }
  }

  private String ok(java.net.http.HttpResponse<String> response) throws Failed {
    if (response.statusCode() >= 300) {
      throw new Failed(Integer.toString(response.statusCode()));
    }
    return response.body();
  }

  private void create() throws Exception {
    long i = counter.incrementAndGet();
    var patient = patientIds.get((int) (i % PATIENTS));
    var body = ok(http.exchange("POST", "/Observation", observation(null, patient, 60 + i % 40),
        "application/fhir+json"));
    observationIds.add(JSON.readTree(body).path("id").asText());
  }

  /** A new value for one of the Observations created so far. */
  private void update() throws Exception {
    long i = counter.incrementAndGet();
    var id = observationIds.get((int) (i % observationIds.size()));
    var current = JSON.readTree(ok(http.exchange("GET", "/Observation/" + id, null, null)));
    var patient = current.path("subject").path("reference").asText().substring("Patient/".length());
    ok(http.exchange("PUT", "/Observation/" + id, observation(id, patient, 60 + i % 40), "application/fhir+json"));
  }

  private void read() throws Exception {
    long i = counter.incrementAndGet();
    if (i % 2 == 0) {
      ok(http.exchange("GET", "/Patient/" + patientIds.get((int) (i % PATIENTS)), null, null));
    } else {
      var id = observationIds.get((int) (i % observationIds.size()));
      ok(http.exchange("GET", "/Observation/" + id, null, null));
    }
  }

  /** A patient's vital signs fed by MLLP, newest first, 20 a page, up to three pages (each page timed as well). */
  private void search() throws Exception {
    long i = counter.incrementAndGet();
    String url = "/Observation?category=vital-signs&subject:Patient.identifier=" + MRN_SYSTEM + "%7CSOAK-" + run
        + "-MRN-" + (i % PATIENTS) + "&_sort=-date&_count=20";
    for (int page = 0; page < 3 && url != null; page++) {
      long t = System.nanoTime();
      var bundle = JSON.readTree(ok(http.exchange("GET", url, null, null)));
      if (page > 0) {
        record("page", (System.nanoTime() - t) / 1e6);
      }
      url = null;
      for (var link : bundle.path("link")) {
        if (link.path("relation").asText().equals("next")) {
          url = link.path("url").asText();
        }
      }
    }
  }

  /** A system export of what changed since {@code since}: kick-off, polls each second, every file downloaded. */
  private void export(Instant since) throws Exception {
    var kickOff = http.exchange("GET", "/$export?_type=Patient,Observation&_since=" + since, null, null,
        "Prefer", "respond-async");
    if (kickOff.statusCode() != 202) {
      throw new Failed("kick-off " + kickOff.statusCode());
    }
    var status = kickOff.headers().firstValue("Content-Location").orElseThrow();
    var deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    java.net.http.HttpResponse<String> poll;
    do {
      Thread.sleep(1000);
      poll = http.exchange("GET", status, null, null);
    } while (poll.statusCode() == 202 && System.nanoTime() < deadline);
    if (poll.statusCode() != 200) {
      throw new Failed("status " + poll.statusCode());
    }
    for (var output : JSON.readTree(poll.body()).path("output")) {
      ok(http.exchange("GET", output.path("url").asText(), null, null));
    }
  }

  private static String observation(String id, String patient, double value) {
    return "{\"resourceType\":\"Observation\"," + (id == null ? "" : "\"id\":\"" + id + "\",")
        + "\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
        + "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":\"Heart rate\"}]},"
        + "\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"effectiveDateTime\":\""
        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\",\"valueQuantity\":{\"value\":" + value
        + ",\"unit\":\"/min\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}";
  }

  private Map<String, double[]> drainLatencies() {
    var drained = new TreeMap<String, double[]>();
    for (var kind : KINDS) {
      var queue = latencies.get(kind);
      var values = new ArrayList<Double>();
      if (queue != null) {
        for (Double v; (v = queue.poll()) != null; ) {
          values.add(v);
        }
      }
      var sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      drained.put(kind, sorted);
    }
    return drained;
  }

  private Map<String, Integer> drainErrors() {
    var drained = new TreeMap<String, Integer>();
    errors.forEach((what, count) -> {
      int n = count.getAndSet(0);
      if (n > 0) {
        drained.put(what, n);
      }
    });
    return drained;
  }

  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
  }

  /** The server process's figures now: a full GC first, so that the heap figure is what is live. */
  private Map<String, Double> sampleResources() throws Exception {
    var pid = Long.toString(server.process.pid());
    var sample = new LinkedHashMap<String, Double>();
    sample.put("minute", 0.0);
    // Server CPU (all cores, as a share of one) since the previous sample, before the forced GC adds its own.
    double cpu = server.cpuMillis();
    long now = System.nanoTime();
    sample.put("cpuPercent", lastCpuAt == 0 ? Double.NaN : 100 * (cpu - lastCpuMs) / ((now - lastCpuAt) / 1e6));
    jcmd(pid, "GC.run");
    sample.put("heapAfterGcMb", heapUsedKb(jcmd(pid, "GC.heap_info")) / 1024.0);
    sample.put("rssMb", ServerProcess.memoryKb(server.process, "VmRSS") / 1024.0);
    sample.put("threads", (double) ServerProcess.memoryKb(server.process, "Threads"));
    try (var fds = Files.list(Path.of("/proc", pid, "fd"))) {
      sample.put("openFiles", (double) fds.count());
    }
    var response = http.exchange("GET", "http://127.0.0.1:" + server.httpPort + "/actuator/prometheus", null, null);
    var prometheus = response.statusCode() == 200 ? response.body() : "";
    sample.put("dbActive", gauge(prometheus, "hikaricp_connections_active"));
    sample.put("dbIdle", gauge(prometheus, "hikaricp_connections_idle"));
    sample.put("dbTotal", gauge(prometheus, "hikaricp_connections"));
    sample.put("dbPending", gauge(prometheus, "hikaricp_connections_pending"));
    sample.put("pgConnections", pgDatabase == null ? Double.NaN : pgConnections());
    lastCpuMs = server.cpuMillis();
    lastCpuAt = System.nanoTime();
    return sample;
  }

  static double heapUsedKb(String heapInfo) {
    var matcher = HEAP_USED.matcher(heapInfo);
    double used = 0;
    boolean found = false;
    while (matcher.find()) {
      used += Double.parseDouble(matcher.group(1));
      found = true;
    }
    return found ? used : Double.NaN;
  }

  /** The sum over all pools of a Prometheus gauge's samples named exactly {@code name}. */
  static double gauge(String prometheus, String name) {
    double sum = 0;
    boolean found = false;
    for (var line : prometheus.lines().toList()) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    return found ? sum : Double.NaN;
  }

  private double pgConnections() throws Exception {
    try (var connection = DriverManager.getConnection(Postgres.URL, Postgres.USER, Postgres.PASSWORD);
        var result = connection.createStatement().executeQuery(
            "select count(*) from pg_stat_activity where datname = '" + pgDatabase + "'")) {
      result.next();
      return result.getDouble(1);
    }
  }

  private static String jcmd(String pid, String command) throws IOException, InterruptedException {
    var jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    var process = new ProcessBuilder(jcmd, pid, command).redirectErrorStream(true).start();
    var out = new String(process.getInputStream().readAllBytes());
    process.waitFor();
    return out;
  }

  private void printHeader() {
    System.out.printf("[soak] %6s %4s %7s %7s %5s %5s %3s/%3s/%3s | %s | errors%n", "minute", "cpu%", "RSS MB", "heap MB",
        "thr", "fds", "act", "idl", "tot", String.join(" | ", KINDS.stream()
            .map(k -> String.format("%-6s n p50/p95/p99", k)).toList()));
  }

  private void printRow(Map<String, Double> s, Map<String, double[]> interval, Map<String, Integer> errs) {
    var kinds = new ArrayList<String>();
    for (var kind : KINDS) {
      var values = interval.getOrDefault(kind, new double[0]);
      kinds.add(String.format("%-6s %d %s", kind, values.length, percentiles(values)));
    }
    var pg = Double.isNaN(s.get("pgConnections")) ? "" : String.format(" pg %.0f", s.get("pgConnections"));
    System.out.printf("[soak] %6.1f %4.0f %7.0f %7.0f %5.0f %5.0f %3.0f/%3.0f/%3.0f%s | %s | %s%n", s.get("minute"),
        s.get("cpuPercent"),
        s.get("rssMb"), s.get("heapAfterGcMb"), s.get("threads"), s.get("openFiles"), s.get("dbActive"),
        s.get("dbIdle"), s.get("dbTotal"), pg, String.join(" | ", kinds), errs.isEmpty() ? "none" : errs);
  }

  private static String percentiles(double[] sorted) {
    return sorted.length == 0 ? "-" : String.format("%.0f/%.0f/%.0f", percentile(sorted, 0.50),
        percentile(sorted, 0.95), percentile(sorted, 0.99));
  }

  private void appendCsv(StringBuilder csv, Map<String, Double> s, Map<String, double[]> interval,
      Map<String, Integer> errs) {
    csv.append(String.format("%.2f", s.get("minute")));
    s.forEach((k, v) -> {
      if (!k.equals("minute")) {
        csv.append(",").append(String.format("%.1f", v));
      }
    });
    for (var kind : KINDS) {
      var values = interval.getOrDefault(kind, new double[0]);
      csv.append(String.format(",%d,%.1f,%.1f,%.1f", values.length, percentile(values, 0.5),
          percentile(values, 0.95), percentile(values, 0.99)));
    }
    csv.append(",\"").append(errs.isEmpty() ? "" : errs.toString()).append("\"\n");
  }

  private String markdownRow(Map<String, Double> s, Map<String, double[]> interval, Map<String, Integer> errs) {
    var row = new StringBuilder(String.format("| %.1f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f/%.0f/%.0f |",
        s.get("minute"), s.get("cpuPercent"), s.get("rssMb"), s.get("heapAfterGcMb"), s.get("threads"),
        s.get("openFiles"), s.get("dbActive"), s.get("dbIdle"), s.get("dbTotal")));
    for (var kind : KINDS) {
      var values = interval.getOrDefault(kind, new double[0]);
      row.append(" ").append(values.length).append(" ").append(percentiles(values)).append(" |");
    }
    return row.append(" ").append(errs.isEmpty() ? "none" : errs).append(" |\n").toString();
  }

  /**
   * Start against end of each resource figure, and whether it grew steadily: the smallest of the last third of
   * the samples (the first, taken before any load, left out) above the largest of the first third by more
   * than the figure's threshold.
   */
  private String summary(List<Map<String, Double>> samples) {
    var out = new StringBuilder("| figure | start | end | growth | first third max | last third min | steady growth? |\n"
        + "|---|---|---|---|---|---|---|\n");
    var loaded = samples.subList(1, samples.size());
    int third = Math.max(1, loaded.size() / 3);
    for (var figure : FIGURES) {
      double start = samples.get(0).get(figure.name());
      double end = samples.get(samples.size() - 1).get(figure.name());
      if (Double.isNaN(start) && Double.isNaN(end)) {
        continue;
      }
      double firstMax = loaded.subList(0, third).stream().mapToDouble(s -> s.get(figure.name())).max().orElse(Double.NaN);
      double lastMin = loaded.subList(loaded.size() - third, loaded.size()).stream()
          .mapToDouble(s -> s.get(figure.name())).min().orElse(Double.NaN);
      double threshold = Math.max(figure.absoluteThreshold(), firstMax * figure.relativeThreshold());
      boolean growing = lastMin > firstMax + threshold;
      out.append(String.format("| %s | %.1f | %.1f | %+.1f | %.1f | %.1f | %s |%n", figure.name(), start, end,
          end - start, firstMax, lastMin, growing ? "**GROWING** (> +" + String.format("%.1f", threshold) + ")" : "no"));
    }
    return out.toString();
  }
}
