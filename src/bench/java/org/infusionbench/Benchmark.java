package org.infusionbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.infusionfhir.support.MllpClient;
import org.infusionfhir.support.Postgres;

/**
 * The benchmark harness of the performance issue: {@code mvn -B -Pbench verify} (arguments in
 * {@code -Dbench.args="..."}, see {@link #USAGE}).
 *
 * <p>For each database it starts {@code target/infusion-fhir.jar} in its own JVM with the JVM options of the
 * Docker image, on a fresh database, and measures with the client beside it on the same cores:
 * start-up to the first {@code /fhir/metadata} and RSS; single creates and transactions of 100
 * Observations by 4 client threads, cold (the first after start) and warm; HL7 v2 over MLLP on persistent
 * connections and JSON intake sessions; then, after storing the vital signs up to each level, the ingest
 * rate at that level and three EHR searches (4 threads); {@code $everything}, {@code $summary} and
 * {@code $export} of a full course; a system {@code $export} of everything stored; and the same rows
 * inserted with plain JDBC batches. Validation is measured by JMH ({@link ValidationBenchmark}).
 * Prints a table and writes {@code target/benchmark.json}.
 *
 * <p>What a change costs is measured by {@code --only} with {@code --compare}: for instance the audit trail
 * by {@code --only read,window,tx --compare "--infusion.audit.enabled=false"}.
 */
public final class Benchmark {

  static final String USAGE = """
      usage: Benchmark [--help] [--db stock,h2,postgres] [--levels 10000,100000] [--jvm "OPTIONS"] [--jar PATH]
                       [--compare "--spring.property=value ..."] [--stock-compare "--stock.property=value ..."]
                       [--vacuum] [--startup-only] [--validation-only] [--workspace-only [--runs 15]] [--replicas-only]
                       [--only read,window,revinclude,adverse,create,tx [--rounds 3]]
        --db      servers and databases to run on (default stock, h2, and postgres when 127.0.0.1:5432 answers):
                  stock = HAPI JPA as it comes on in-memory H2 (StockHapiServer), the same-run reference;
                  h2, postgres = this server; PostgreSQL: INFUSION_BENCH_POSTGRES_URL/_USER, default
                  jdbc:postgresql://127.0.0.1:5432/test as postgres; the run creates and drops database
                  infusion_bench there
        --levels  stored Observation counts at which ingest and searches are measured (default 10000,100000)
        --jvm     server JVM options (default those of the Docker image)
        --compare run each database a second time with these server properties, e.g. HAPI's own indexing:
                  "--infusion.indexing.disabled-search-parameters= --infusion.indexing.inline-resource-text-below=0"
        --stock-compare  run stock a second time with these properties; ratios stay against the first:
                  "--stock.search-reuse-millis=0" switches off HAPI's 60 s reuse of identical searches
        --vacuum  on PostgreSQL, VACUUM ANALYZE after storing each level and before its searches, as
                  autovacuum would have done in a database that was not just bulk-loaded
        --startup-only  only start-up: three alternating starts of the jar and of the Docker image's form
        --validation-only  only the JMH validation benchmarks (ValidationBenchmark); no server is started
        --safety-only  only the safety monitor: MLLP ingest with the monitor off and on, alert latency (SafetyBenchmark)
        --replicas-only  only replicas: MLLP ingest and searches on one replica and spread over two, on one fresh
                  PostgreSQL database (ReplicasBenchmark)
        --soak [--minutes 60] [--db h2|postgres] [--interval 60] [--export-every 5]  one server under a fixed mixed
                  load (MLLP, REST creates/updates/reads, paged searches, a system $export every few minutes), with
                  latency percentiles, RSS, heap after GC, threads, open files and database connections each
                  interval; flags figures that keep growing; writes target/soak.csv, target/soak.md (SoakBenchmark)
        --workspace-only  only the clinician workspace: overview and flowsheet times and request counts in
                  headless Chromium (WorkspaceBenchmark), --runs navigations each after a warm-up
        --only    only these workloads, after storing the first --levels count of vital signs: a warm-up
                  round, then --rounds rounds of each in turn (400 searches or creates, 20 transactions of
                  100), reporting the median server CPU per call; for comparing a change in alternating runs
      """;

  /** {@code --db stock}: {@link StockHapiServer}, HAPI JPA as it comes, measured in the same run. */
  static final String STOCK = "stock";
  static final String DOCKER_JVM_OPTIONS = "-XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError";
  private static final int CLIENTS = 4;
  private static final int COLD_CREATES = 200;
  private static final int COLD_TRANSACTIONS = 8;
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    if (Arrays.asList(args).contains("--safety-only")) {
      // The safety monitor's cost on ingest and its alert latency (SafetyBenchmark); other options do not apply.
      var list = Arrays.asList(args);
      var jar = list.contains("--jar") ? Path.of(list.get(list.indexOf("--jar") + 1)) : Path.of("target/infusion-fhir.jar");
      SafetyBenchmark.run(jar, DOCKER_JVM_OPTIONS);
      System.exit(0);
    }
    if (Arrays.asList(args).contains("--replicas-only")) {
      // Two replicas against one on a fresh PostgreSQL database (ReplicasBenchmark); other options do not apply.
      var list = Arrays.asList(args);
      var jar = list.contains("--jar") ? Path.of(list.get(list.indexOf("--jar") + 1)) : Path.of("target/infusion-fhir.jar");
      ReplicasBenchmark.run(jar, DOCKER_JVM_OPTIONS);
      System.exit(0);
    }
    if (Arrays.asList(args).contains("--soak")) {
      // One server under an hour's mixed load, sampled each minute (SoakBenchmark); other options do not apply.
      SoakBenchmark.run(args);
      System.exit(0);
    }
    if (Arrays.asList(args).contains("--workspace-only")) {
      // The clinician workspace in headless Chromium against this server started in-process (WorkspaceBenchmark).
      WorkspaceBenchmark.main(args);
      System.exit(0);
    }
    var options = options(args);
    if (options.validationOnly()) {
      var figures = validation();
      Files.writeString(Path.of("target/benchmark-validation.json"), JSON.valueToTree(figures).toPrettyString());
      System.out.println("[bench] written target/benchmark-validation.json");
      System.exit(0);
    }
    var report = JSON.createObjectNode();
    report.put("date", LocalDate.now().toString()).put("cores", Runtime.getRuntime().availableProcessors())
        .put("java", System.getProperty("java.version")).put("serverJvmOptions", options.jvm());
    var results = new LinkedHashMap<String, Map<String, Double>>();
    boolean fullRun = !options.startupOnly() && options.only().isEmpty();
    var validation = fullRun ? validation() : Map.<String, Double>of();
    var image = options.only().isEmpty() && options.databases().stream().anyMatch(db -> !db.equals(STOCK))
        ? ImageForm.prepare(options.jar()) : null;
    var stockLibraries = options.databases().contains(STOCK) ? ImageForm.libraries(options.jar()) : null;
    for (var db : options.databases()) {
      System.out.println("[bench] " + db + ": starting");
      if (db.equals(STOCK)) {
        results.put(db, runStock(stockLibraries, options, List.of()));
        if (!options.stockCompare().isEmpty()) {
          System.out.println("[bench] stock with " + options.stockCompare() + ": starting");
          results.put(db + " (compared)", runStock(stockLibraries, options, options.stockCompare()));
        }
        continue;
      }
      results.put(db, run(db, options, image, List.of()));
      if (!options.compare().isEmpty()) {
        System.out.println("[bench] " + db + " with " + options.compare() + ": starting");
        results.put(db + " (compared)", run(db, options, image, options.compare()));
      }
    }
    print(results, validation, options);
    var ratios = ratiosToStock(results, options);
    printRatios(ratios);
    results.forEach((db, figures) -> {
      var node = report.putObject(db);
      figures.forEach(node::put);
    });
    if (!ratios.isEmpty()) {
      var node = report.putObject("oursPerStock");
      ratios.forEach((db, figures) -> {
        var ofDb = node.putObject(db);
        figures.forEach((name, ratio) -> ofDb.put(name, ratio.value()));
      });
    }
    var v = report.putObject("validation");
    validation.forEach(v::put);
    Files.writeString(Path.of("target/benchmark.json"), report.toPrettyString());
    System.out.println("[bench] written target/benchmark.json");
    System.exit(0);
  }

  record Options(List<String> databases, List<Integer> levels, String jvm, Path jar, List<String> compare,
      List<String> stockCompare, boolean vacuum, boolean startupOnly, List<String> only, int rounds,
      boolean validationOnly) {}

  private static Options options(String[] args) {
    var list = Arrays.asList(args);
    String db = null;
    var levels = List.of(10_000, 100_000);
    var jvm = DOCKER_JVM_OPTIONS;
    var jar = Path.of("target/infusion-fhir.jar");
    List<String> compare = List.of();
    List<String> stockCompare = List.of();
    boolean vacuum = false;
    boolean startupOnly = false;
    boolean validationOnly = false;
    List<String> only = List.of();
    int rounds = 3;
    for (int i = 0; i < list.size(); i++) {
      // Flags take no value.
      if (list.get(i).equals("--vacuum")) {
        vacuum = true;
        continue;
      }
      if (list.get(i).equals("--startup-only")) {
        startupOnly = true;
        continue;
      }
      if (list.get(i).equals("--help")) {
        System.out.println(USAGE);
        System.exit(0);
      }
      if (list.get(i).equals("--validation-only")) {
        validationOnly = true;
        continue;
      }
      var value = i + 1 < list.size() ? list.get(i + 1) : null;
      switch (list.get(i)) {
        case "--db" -> db = value;
        case "--levels" -> levels = Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).toList();
        case "--jvm" -> jvm = value;
        case "--jar" -> jar = Path.of(value);
        case "--compare" -> compare = Arrays.stream(value.split("\\s+")).filter(p -> !p.isBlank()).toList();
        case "--stock-compare" -> stockCompare = Arrays.stream(value.split("\\s+")).filter(p -> !p.isBlank()).toList();
        case "--only" -> only = WorkloadRounds.names(value);
        case "--rounds" -> rounds = Integer.parseInt(value);
        default -> {
          System.err.println(USAGE);
          throw new IllegalArgumentException("unknown argument " + list.get(i));
        }
      }
      i++;
    }
    long coldWrites = COLD_CREATES + (long) COLD_TRANSACTIONS * BenchVitals.PER_SESSION;
    if (!startupOnly && !validationOnly && only.isEmpty() && levels.stream().anyMatch(level -> level <= coldWrites)) {
      // Each level is measured by the transactions that store up to it, after the cold writes.
      throw new IllegalArgumentException("--levels: each level must be above the " + coldWrites
          + " Observations the cold writes store first");
    }
    List<String> databases;
    if (db != null) {
      databases = Arrays.stream(db.split(",")).map(String::trim).toList();
    } else if (PostgresTarget.reachable()) {
      databases = List.of(STOCK, "h2", "postgres");
    } else {
      System.out.println("[bench] PostgreSQL not reachable at " + PostgresTarget.URL + ": stock HAPI and H2 only");
      databases = List.of(STOCK, "h2");
    }
    for (var name : databases) {
      if (!List.of(STOCK, "h2", "postgres").contains(name)) {
        throw new IllegalArgumentException("--db: unknown '" + name + "'; known: stock, h2, postgres");
      }
    }
    return new Options(databases, levels, jvm, jar, compare, stockCompare, vacuum, startupOnly, only, rounds,
        validationOnly);
  }

  /** Where one server start stores its data, with the properties that point it there. */
  record Target(Path dataDir, List<String> properties, String jdbcUrl, String jdbcUser) {

    /** A fresh data folder, and on PostgreSQL a fresh database. */
    static Target fresh(String db, List<String> extra) throws Exception {
      var dataDir = Path.of("target/bench", db + "-" + System.nanoTime());
      var properties = new ArrayList<String>(List.of("--logging.level.org.infusionfhir=warn"));
      properties.addAll(extra);
      if (db.equals("postgres")) {
        var url = PostgresTarget.freshDatabase();
        properties.addAll(List.of("--spring.profiles.active=postgres", "--spring.datasource.url=" + url,
            "--spring.datasource.username=" + PostgresTarget.USER));
        return new Target(dataDir, properties, url, PostgresTarget.USER);
      }
      return new Target(dataDir, properties, "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("jdbc-baseline/db"), "sa");
    }
  }

  private static Map<String, Double> run(String db, Options options, ImageForm image, List<String> extra)
      throws Exception {
    var figures = new LinkedHashMap<String, Double>();
    var jvm = Arrays.stream(options.jvm().split("\\s+")).filter(s -> !s.isBlank()).toList();
    if (options.startupOnly()) {
      startups(db, options, image, jvm, extra, 3, figures);
      return figures;
    }
    var fresh = Target.fresh(db, extra);
    if (!options.only().isEmpty()) {
      try (var server = ServerProcess.start(options.jar(), fresh.dataDir(), jvm, fresh.properties())) {
        return rounds(db, server, options);
      }
    }
    var jdbcUrl = fresh.jdbcUrl();
    try (var server = ServerProcess.start(options.jar(), fresh.dataDir(), jvm, fresh.properties())) {
      figures.put("startSeconds", server.startSeconds);
      figures.put("rssAtStartMb", server.rssAtStartKb / 1024.0);
      System.out.printf("[bench] %s: started in %.1f s, RSS %.0f MB%n", db, server.startSeconds, server.rssAtStartKb / 1024.0);
      BenchHttp.serverCpu = server::cpuMillis;
      var http = new BenchHttp(server.base(), server.token);
      ingestAndSearches(db, http, options, figures, jdbcUrl, () -> {
        adapters(server, http, figures);
        fullCourse(http, figures);
      });
      systemExport(http, figures);
      if (db.equals("postgres")) {
        figures.putAll(PostgresTarget.rowsPerObservation(jdbcUrl));
      }
      figures.put("peakRssMb", server.peakRssKb() / 1024.0);
    } finally {
      BenchHttp.serverCpu = null;
    }
    var jdbc = JdbcBaseline.run(jdbcUrl, fresh.jdbcUser(), "", CLIENTS, 200);
    put(figures, "jdbcBaseline", jdbc);
    System.out.printf("[bench] %s: plain JDBC %.0f rows/s%n", db, jdbc.perSecond());
    startups(db, options, image, jvm, extra, 1, figures);
    return figures;
  }

  /**
   * Cold single creates and transactions (the first writes after start), then for each level: transactions
   * storing vital signs up to it, single creates, and the three searches. {@code afterFirstLevel} runs once,
   * after the first level's searches; on PostgreSQL with {@code --vacuum}, {@code jdbcUrl} is analysed before
   * each level's searches.
   */
  private static void ingestAndSearches(String db, BenchHttp http, Options options, Map<String, Double> figures,
      String jdbcUrl, Run afterFirstLevel) throws Exception {
    http.post("", BenchVitals.setupTransaction(0, 0, true));
    var stored = new long[] {0};
    var sessions = new int[] {0};

    // Cold: the first writes after start, before anything has warmed the server up.
    var cold = singleCreates(http, stored, sessions, COLD_CREATES);
    put(figures, "singleCreateCold", cold);
    var coldTx = transactions(http, stored, sessions, COLD_TRANSACTIONS);
    put(figures, "transactionCold", coldTx);
    System.out.printf("[bench] %s: cold %.0f creates/s, %.0f transaction resources/s%n", db, cold.perSecond(),
        coldTx.perSecond());

    int level = 0;
    for (int target : options.levels()) {
      int bundles = (int) Math.max(0, (target - stored[0]) / BenchVitals.PER_SESSION);
      var ingest = transactions(http, stored, sessions, bundles);
      put(figures, "transactionTo" + target, ingest);
      var creates = singleCreates(http, stored, sessions, 1000);
      put(figures, "singleCreateAt" + target, creates);
      System.out.printf("[bench] %s: %d Observations stored; transactions %.0f resources/s, creates %.0f/s%n", db,
          stored[0], ingest.perSecond(), creates.perSecond());
      if (options.vacuum() && db.equals("postgres")) {
        double seconds = PostgresTarget.vacuumAnalyze(jdbcUrl);
        figures.put("vacuumAnalyzeSecondsAt" + target, seconds);
        System.out.printf("[bench]   VACUUM ANALYZE at %d took %.1f s%n", target, seconds);
      }
      searches(http, sessions[0], target, figures);
      if (level++ == 0 && afterFirstLevel != null) {
        afterFirstLevel.run();
      }
    }
    figures.put("storedObservations", (double) stored[0]);
  }

  /**
   * The same-run reference, {@link StockHapiServer}: start-up and memory, then the same ingest and searches
   * as {@link #run} on the same data, with the same JVM options. The adapters, {@code $export} and the JDBC
   * baseline are ours alone and are not run.
   */
  private static Map<String, Double> runStock(Path libraries, Options options, List<String> properties)
      throws Exception {
    var figures = new LinkedHashMap<String, Double>();
    var jvm = Arrays.stream(options.jvm().split("\\s+")).filter(s -> !s.isBlank()).toList();
    if (options.startupOnly()) {
      var seconds = new double[3];
      for (int i = 0; i < seconds.length; i++) {
        try (var server = ServerProcess.startStock(libraries, Target.fresh(STOCK, List.of()).dataDir(), jvm, properties)) {
          seconds[i] = server.startSeconds;
          figures.put("rssAtStartJarMb", server.rssAtStartKb / 1024.0);
          System.out.printf("[bench] stock: start-up %.1f s%n", seconds[i]);
        }
      }
      Arrays.sort(seconds);
      figures.put("startSecondsJar", seconds[1]);
      return figures;
    }
    try (var server = ServerProcess.startStock(libraries, Target.fresh(STOCK, List.of()).dataDir(), jvm, properties)) {
      figures.put("startSeconds", server.startSeconds);
      figures.put("rssAtStartMb", server.rssAtStartKb / 1024.0);
      System.out.printf("[bench] stock: started in %.1f s, RSS %.0f MB%n", server.startSeconds, server.rssAtStartKb / 1024.0);
      if (!options.only().isEmpty()) {
        figures.putAll(rounds(STOCK, server, options));
        return figures;
      }
      BenchHttp.serverCpu = server::cpuMillis;
      ingestAndSearches(STOCK, new BenchHttp(server.base(), server.token), options, figures, null, null);
      figures.put("peakRssMb", server.peakRssKb() / 1024.0);
    } finally {
      BenchHttp.serverCpu = null;
    }
    return figures;
  }

  /** {@code --only}: the chosen workloads in rounds against a started server ({@link WorkloadRounds}). */
  private static Map<String, Double> rounds(String db, ServerProcess server, Options options) throws Exception {
    BenchHttp.serverCpu = server::cpuMillis;
    try {
      return WorkloadRounds.run(db, new BenchHttp(server.base(), server.token), server::compilerCpuMillis,
          options.levels().get(0), options.only(), options.rounds());
    } finally {
      BenchHttp.serverCpu = null;
    }
  }

  /**
   * Start-up of the jar and of the Docker image's form, alternating, each on a fresh database: the
   * medians of {@code rounds} as {@code startSecondsJar} and {@code startSecondsImage} (with RSS).
   */
  private static void startups(String db, Options options, ImageForm image, List<String> jvm, List<String> extra,
      int rounds, Map<String, Double> figures) throws Exception {
    var jar = new double[rounds];
    var inImage = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      var plain = Target.fresh(db, extra);
      try (var server = ServerProcess.start(options.jar(), plain.dataDir(), jvm, plain.properties())) {
        jar[i] = server.startSeconds;
        figures.put("rssAtStartJarMb", server.rssAtStartKb / 1024.0);
      }
      var imaged = Target.fresh(db, extra);
      try (var server = ServerProcess.start(image.jar, imaged.dataDir(), image.jvmOptions(jvm), imaged.properties())) {
        inImage[i] = server.startSeconds;
        figures.put("rssAtStartImageMb", server.rssAtStartKb / 1024.0);
      }
      System.out.printf("[bench] %s: start-up, jar %.1f s, as in the Docker image %.1f s%n", db, jar[i], inImage[i]);
    }
    Arrays.sort(jar);
    Arrays.sort(inImage);
    figures.put("startSecondsJar", jar[rounds / 2]);
    figures.put("startSecondsImage", inImage[rounds / 2]);
  }

  private static void put(Map<String, Double> figures, String name, BenchHttp.Measured measured) {
    figures.put(name + "PerSecond", measured.perSecond());
    figures.put(name + "P50Ms", measured.p50());
    figures.put(name + "P95Ms", measured.p95());
    if (!Double.isNaN(measured.serverCpuMs())) {
      figures.put(name + "ServerCpuMsPerItem", measured.serverCpuMsPerItem());
    }
  }

  /** Single Observation creates by the client threads, into the sessions already stored. */
  static BenchHttp.Measured singleCreates(BenchHttp http, long[] stored, int[] sessions, int count)
      throws Exception {
    ensureSessions(http, sessions, (int) ((stored[0] + count) / BenchVitals.PER_SESSION) + 1);
    long first = stored[0];
    var measured = BenchHttp.concurrently(CLIENTS, count,
        i -> http.post("/Observation", BenchVitals.row(first + i).json()));
    stored[0] += count;
    return measured;
  }

  /** Transactions of {@value BenchVitals#PER_SESSION} Observations; resources per second. */
  static BenchHttp.Measured transactions(BenchHttp http, long[] stored, int[] sessions, int bundles)
      throws Exception {
    // Align to a session boundary so that each bundle is one session's vitals.
    long first = (stored[0] + BenchVitals.PER_SESSION - 1) / BenchVitals.PER_SESSION * BenchVitals.PER_SESSION;
    ensureSessions(http, sessions, (int) (first / BenchVitals.PER_SESSION) + bundles + 1);
    var progress = Math.max(1, bundles / 10);
    var measured = BenchHttp.concurrently(CLIENTS, bundles, i -> {
      http.post("", BenchVitals.observations(first + (long) i * BenchVitals.PER_SESSION, BenchVitals.PER_SESSION));
      if (bundles >= 100 && i % progress == 0) {
        System.out.printf("[bench]   storing: %d of %d bundles%n", i, bundles);
      }
    });
    stored[0] = first + (long) bundles * BenchVitals.PER_SESSION;
    return new BenchHttp.Measured(bundles * BenchVitals.PER_SESSION, measured.seconds(), measured.p50(),
        measured.p95(), measured.serverCpuMs());
  }

  /** Stores the Procedures (and AdverseEvents) of sessions up to {@code upTo}. */
  static void ensureSessions(BenchHttp http, int[] sessions, int upTo) throws Exception {
    for (int from = sessions[0]; from < upTo; from += 500) {
      http.post("", BenchVitals.setupTransaction(from, Math.min(upTo, from + 500), false));
    }
    sessions[0] = Math.max(sessions[0], upTo);
  }

  /** The three EHR searches, 400 of each by the client threads, on sessions picked at random. */
  private static void searches(BenchHttp http, int sessions, int level, Map<String, Double> figures)
      throws Exception {
    var random = new SplittableRandom(level);
    int stored = Math.max(1, sessions - 2);
    var picks = random.ints(400, 0, stored).toArray();
    var window = vitalsWindow(http, picks);
    var revinclude = revinclude(http, picks);
    var adverse = adverseEvents(http, picks);
    put(figures, "searchVitalsWindowAt" + level, window);
    put(figures, "searchRevincludeAt" + level, revinclude);
    put(figures, "searchAdverseEventsAt" + level, adverse);
    System.out.printf("[bench]   searches at %d: window p50 %.1f / p95 %.1f ms; _revinclude %.1f / %.1f; "
        + "AdverseEvent %.1f / %.1f%n", level, window.p50(), window.p95(), revinclude.p50(), revinclude.p95(),
        adverse.p50(), adverse.p95());
  }

  /** One patient's vitals in a 10-minute window of each picked session, by the client threads. */
  static BenchHttp.Measured vitalsWindow(BenchHttp http, int[] picks) throws Exception {
    return BenchHttp.concurrently(CLIENTS, picks.length, i -> {
      int s = picks[i];
      Instant start = BenchVitals.sessionStart(s);
      var body = http.get("/Observation?subject=Patient/" + BenchVitals.patientId(BenchVitals.patientOfSession(s))
          + "&category=vital-signs&date=ge" + start + "&date=lt" + start.plus(10, ChronoUnit.MINUTES) + "&_count=100");
      expectEntries(body, 1);
    });
  }

  /** A read by id of each picked session's Procedure. */
  static BenchHttp.Measured reads(BenchHttp http, int[] picks) throws Exception {
    return BenchHttp.concurrently(CLIENTS, picks.length, i -> http.get("/Procedure/" + BenchVitals.sessionId(picks[i])));
  }

  /** Each picked session's Procedure with {@code _revinclude} of its vitals. */
  static BenchHttp.Measured revinclude(BenchHttp http, int[] picks) throws Exception {
    return BenchHttp.concurrently(CLIENTS, picks.length, i -> expectEntries(
        http.get("/Procedure?_id=" + BenchVitals.sessionId(picks[i]) + "&_revinclude=Observation:part-of&_count=200"), 1));
  }

  /** The AdverseEvents of each picked session's patient. */
  static BenchHttp.Measured adverseEvents(BenchHttp http, int[] picks) throws Exception {
    return BenchHttp.concurrently(CLIENTS, picks.length, i -> http.get("/AdverseEvent?subject=Patient/"
        + BenchVitals.patientId(BenchVitals.patientOfSession(picks[i]))));
  }

  private static void expectEntries(String body, int atLeast) throws Exception {
    if (JSON.readTree(body).path("entry").size() < atLeast) {
      throw new IllegalStateException("a search found nothing: " + body.substring(0, Math.min(300, body.length())));
    }
  }

  /** HL7 v2 over MLLP (4 persistent connections) and JSON intake sessions (4 clients), after a warm-up. */
  private static void adapters(ServerProcess server, BenchHttp http, Map<String, Double> figures) throws Exception {
    var run = Long.toString(System.currentTimeMillis(), 36);
    var now = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
    var messages = 1000;
    BenchHttp.Call mllpWarm = i -> mllpSend(server.mllpPort, "W" + run + "-" + i, now.minusSeconds(10_000 + i));
    BenchHttp.concurrently(CLIENTS, 100, mllpWarm);
    var mllp = BenchHttp.concurrently(CLIENTS, messages,
        i -> mllpSend(server.mllpPort, run + "-" + i, now.minusSeconds(i)));
    put(figures, "mllpMessages", mllp);
    var template = (ObjectNode) JSON.readTree(Path.of("fixtures/intake/session-trd-s7.json").toFile());
    BenchHttp.Call intake = i -> {
      var copy = template.deepCopy();
      copy.put("sessionId", "BENCH-" + run + "-" + i);
      ((ObjectNode) copy.get("patient")).put("mrn", "BENCH-MRN-" + (Math.abs(i) % 50));
      http.send("POST", "http://127.0.0.1:" + server.httpPort + "/intake/sessions", copy.toString(), "application/json");
    };
    BenchHttp.concurrently(CLIENTS, 8, i -> intake.call(-1 - i));
    var sessions = BenchHttp.concurrently(CLIENTS, 60, intake);
    put(figures, "intakeSessions", sessions);
    System.out.printf("[bench]   MLLP %.0f messages/s (p95 %.0f ms), intake %.1f sessions/s (p95 %.0f ms)%n",
        mllp.perSecond(), mllp.p95(), sessions.perSecond(), sessions.p95());
  }

  /** One message per connection-thread at a time; each client thread keeps its connection open. */
  private static final ThreadLocal<MllpClient> MLLP = new ThreadLocal<>();

  private static void mllpSend(int port, String controlId, java.time.OffsetDateTime time) {
    var client = MLLP.get();
    if (client == null) {
      client = new MllpClient(port);
      MLLP.set(client);
    }
    var mrn = "BENCH-MRN-" + Math.abs(controlId.hashCode() % 50);
    var ack = client.send(Pcd01Message.oru("BENCH-" + controlId, mrn, time));
    if (!"AA".equals(ack.code())) {
      throw new IllegalStateException("message " + controlId + " was not accepted: " + ack.text());
    }
  }

  /**
   * The TRD demo course (500 resources) of one patient among the stored ones: {@code $everything} (every
   * page), {@code $summary} and {@code Patient/[id]/$export} (kick-off to the last file read); medians.
   */
  private static void fullCourse(BenchHttp http, Map<String, Double> figures) throws Exception {
    http.post("", Files.readString(Path.of("fixtures/bundles/trd-ketamine-course.json")));
    figures.put("everythingFullCourseMs", median(5, () -> {
      int resources = readAllPages("/Patient/trd-patient/$everything?_count=500", http::get);
      if (resources < 500) {
        throw new IllegalStateException("$everything returned " + resources + " resources");
      }
    }));
    figures.put("summaryFullCourseMs", median(5, () -> http.get("/Patient/trd-patient/$summary")));
    figures.put("exportFullCourseMs", median(3, () -> export(http, "/Patient/trd-patient/$export")));
    System.out.printf("[bench]   full course: $everything %.0f ms, $summary %.0f ms, $export %.0f ms%n",
        figures.get("everythingFullCourseMs"), figures.get("summaryFullCourseMs"), figures.get("exportFullCourseMs"));
  }

  /**
   * A system {@code $export} of the clinical types, after every level is stored: milliseconds from
   * kick-off to the last file read, and resources per second of it.
   */
  private static void systemExport(BenchHttp http, Map<String, Double> figures) throws Exception {
    long start = System.nanoTime();
    long resources = export(http, "/$export?_type=Patient,Procedure,Observation,AdverseEvent");
    double ms = (System.nanoTime() - start) / 1e6;
    figures.put("systemExportMs", ms);
    figures.put("systemExportResourcesPerSecond", resources / (ms / 1000));
    System.out.printf("[bench]   system $export: %d resources in %.1f s%n", resources, ms / 1000);
  }

  /** A bulk export from kick-off until every file is read; the NDJSON lines (resources) read. */
  private static long export(BenchHttp http, String kickOffPath) throws Exception {
    var kickOff = http.exchange("GET", kickOffPath, null, null, "Prefer", "respond-async");
    if (kickOff.statusCode() != 202) {
      throw new IllegalStateException(kickOffPath + ": " + kickOff.statusCode() + " " + kickOff.body());
    }
    var status = kickOff.headers().firstValue("Content-Location").orElseThrow();
    java.net.http.HttpResponse<String> poll;
    do {
      // A short poll interval: the time to the manifest is what is measured.
      Thread.sleep(20);
      poll = http.exchange("GET", status, null, null);
    } while (poll.statusCode() == 202);
    if (poll.statusCode() != 200) {
      throw new IllegalStateException(kickOffPath + " ended with " + poll.statusCode() + " " + poll.body());
    }
    long lines = 0;
    for (var output : JSON.readTree(poll.body()).path("output")) {
      lines += http.get(output.path("url").asText()).lines().count();
    }
    return lines;
  }

  /** A page source: the body of one GET. */
  interface Pages {
    String get(String url) throws Exception;
  }

  /** Follows a searchset's {@code next} links from {@code url}; the number of entries read. */
  static int readAllPages(String url, Pages pages) throws Exception {
    int resources = 0;
    while (url != null) {
      var page = JSON.readTree(pages.get(url));
      resources += page.path("entry").size();
      url = null;
      for (var link : page.path("link")) {
        if (link.path("relation").asText().equals("next")) {
          url = link.path("url").asText();
        }
      }
    }
    return resources;
  }

  interface Run {
    void run() throws Exception;
  }

  static double median(int runs, Run run) throws Exception {
    run.run();
    var times = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      run.run();
      times[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(times);
    return times[runs / 2];
  }

  private static Map<String, Double> validation() throws Exception {
    var figures = ValidationBenchmark.measure();
    System.out.printf("[bench] validation: cold %.0f ms, warm median %.2f ms%n", figures.get("coldMs"),
        figures.get("warmMedianMs"));
    return figures;
  }

  /** The stock HAPI JPA starter 8.8.0 on in-memory H2, as DESIGN.md gives it for this kind of machine. */
  private static final Map<String, String> STARTER = Map.ofEntries(
      Map.entry("start", "~35 s"), Map.entry("rss", "~1,300 MB"), Map.entry("createCold", "~150/s"),
      Map.entry("createWarm", "~300/s"), Map.entry("txCold", "~270/s"), Map.entry("txWarm", "~1,100/s"),
      Map.entry("search", "p50 19-24, p95 32-68 ms"));

  static void print(Map<String, Map<String, Double>> results, Map<String, Double> validation, Options options) {
    var dbs = new ArrayList<>(results.keySet());
    var out = new StringBuilder();
    out.append(String.format("%nBenchmark, %d cores, %s, server JVM options \"%s\", client beside the server%n",
        Runtime.getRuntime().availableProcessors(), LocalDate.now(), options.jvm()));
    out.append("[n]: milliseconds of server CPU (all its threads) per call, or per resource of a transaction\n");
    out.append(String.format("%-46s", "workload"));
    dbs.forEach(db -> out.append(String.format("%36s", db)));
    out.append(String.format("   %s%n", "stock starter (DESIGN.md)"));
    if (!options.only().isEmpty()) {
      for (var name : options.only()) {
        row(out, results, name + ", median of " + options.rounds() + " rounds", f -> String.format(
            "p50 %.1f, p95 %.1f ms [%.2f]", f.get(name + "P50Ms"), f.get(name + "P95Ms"), f.get(name + "ServerCpuMsPerItem")), "");
      }
      System.out.println(out);
      return;
    }
    if (options.startupOnly()) {
      row(out, results, "start-up to first /fhir/metadata, jar (median of 3)",
          f -> String.format("%.1f s, %.0f MB", f.get("startSecondsJar"), f.get("rssAtStartJarMb")), STARTER.get("start"));
      row(out, results, "  as in the Docker image (CDS), median of 3",
          f -> String.format("%.1f s, %.0f MB", f.get("startSecondsImage"), f.get("rssAtStartImageMb")), "");
      System.out.println(out);
      return;
    }
    row(out, results, "start-up to first /fhir/metadata", f -> String.format("%.1f s", f.get("startSeconds")), STARTER.get("start"));
    row(out, results, "  start-up again after the run, jar", f -> String.format("%.1f s", f.get("startSecondsJar")), "");
    row(out, results, "  the same as in the Docker image (CDS)", f -> String.format("%.1f s, %.0f MB", f.get("startSecondsImage"), f.get("rssAtStartImageMb")), "");
    row(out, results, "RSS at start / peak", f -> String.format("%.0f / %.0f MB", f.get("rssAtStartMb"), f.get("peakRssMb")), STARTER.get("rss"));
    row(out, results, "single creates, cold (4 threads)", f -> rate(f, "singleCreateCold", "/s"), STARTER.get("createCold"));
    row(out, results, "transactions of 100, cold (4 threads)", f -> rate(f, "transactionCold", " res/s"), STARTER.get("txCold"));
    for (int level : options.levels()) {
      row(out, results, "transactions of 100, storing up to " + level, f -> rate(f, "transactionTo" + level, " res/s"), STARTER.get("txWarm"));
      row(out, results, "single creates at " + level, f -> rate(f, "singleCreateAt" + level, "/s"), STARTER.get("createWarm"));
      row(out, results, "  vitals in a window at " + level, f -> latency(f, "searchVitalsWindowAt" + level), STARTER.get("search"));
      row(out, results, "  _revinclude of an infusion at " + level, f -> latency(f, "searchRevincludeAt" + level), "");
      row(out, results, "  AdverseEvents of a patient at " + level, f -> latency(f, "searchAdverseEventsAt" + level), "");
    }
    row(out, results, "HL7 v2 over MLLP (4 connections)", f -> rate(f, "mllpMessages", " msg/s"), "");
    row(out, results, "JSON intake sessions (4 clients)", f -> String.format("%.1f/s", f.get("intakeSessionsPerSecond")), "");
    row(out, results, "$everything, full course (500 res.)", f -> String.format("%.0f ms", f.get("everythingFullCourseMs")), "");
    row(out, results, "$summary, full course", f -> String.format("%.0f ms", f.get("summaryFullCourseMs")), "");
    row(out, results, "Patient $export, full course", f -> String.format("%.0f ms", f.get("exportFullCourseMs")), "");
    row(out, results, "system $export of all stored", f -> String.format("%.1f s, %.0f res/s",
        f.get("systemExportMs") / 1000, f.get("systemExportResourcesPerSecond")), "");
    row(out, results, "rows per Observation, index and version (PG)", f -> String.format("%.1f", f.get("rowsPerObservation").doubleValue()), "");
    row(out, results, "database size (PG)", f -> String.format("%.0f MB", f.get("databaseMb").doubleValue()), "");
    row(out, results, "plain JDBC batches of 100 (4 threads)", f -> rate(f, "jdbcBaseline", " rows/s"), "");
    row(out, results, "  JDBC rows/s per transaction resource/s", f -> {
      var last = options.levels().get(options.levels().size() - 1);
      return String.format("%.0f x", f.get("jdbcBaselinePerSecond") / f.get("transactionTo" + last + "PerSecond"));
    }, "goal: 3 x or less");
    if (!validation.isEmpty()) {
      out.append(String.format("validation of a vital sign (this JVM): cold %.0f ms, warm median %.2f ms, p95 %.2f ms%n",
          validation.get("coldMs"), validation.get("warmMedianMs"), validation.get("warmP95Ms")));
    }
    System.out.println(out);
  }

  /** One figure of ours divided by the stock server's, and the goal for it. */
  record Ratio(double value, String goal) {}

  private static final String AT_LEAST_TWICE = ">= 2";
  private static final String AT_MOST_HALF = "<= 0.5";

  /** Our figure's name, the stock server's figure it is divided by, and the goal ("" for none). */
  private record Compared(String ours, String stock, String goal) {
    static Compared same(String name, String goal) {
      return new Compared(name, name, goal);
    }
  }

  /**
   * Our figures divided by those of {@link StockHapiServer} measured in the same run, per server, with the
   * issue's goals: throughput at least 2, search p95, start-up and memory at most 0.5. Server CPU per call is
   * given too: below 1 is less work than stock's for the same answer.
   */
  static Map<String, Map<String, Ratio>> ratiosToStock(Map<String, Map<String, Double>> results, Options options) {
    var stock = results.get(STOCK);
    var ratios = new LinkedHashMap<String, Map<String, Ratio>>();
    if (stock == null) {
      return ratios;
    }
    var pairs = new ArrayList<Compared>();
    if (options.startupOnly()) {
      pairs.add(Compared.same("startSecondsJar", AT_MOST_HALF));
      pairs.add(new Compared("startSecondsImage", "startSecondsJar", AT_MOST_HALF));
      pairs.add(Compared.same("rssAtStartJarMb", AT_MOST_HALF));
    } else if (!options.only().isEmpty()) {
      for (var w : options.only()) {
        pairs.add(Compared.same(w + "ServerCpuMsPerItem", ""));
        pairs.add(Compared.same(w + "ServerCpuLessJitMsPerItem", ""));
        pairs.add(Compared.same(w + "P95Ms", w.equals("window") ? AT_MOST_HALF : ""));
      }
    } else {
      pairs.add(Compared.same("startSeconds", AT_MOST_HALF));
      pairs.add(new Compared("startSecondsImage", "startSeconds", AT_MOST_HALF));
      pairs.add(Compared.same("rssAtStartMb", AT_MOST_HALF));
      pairs.add(Compared.same("peakRssMb", AT_MOST_HALF));
      pairs.add(Compared.same("singleCreateColdPerSecond", AT_LEAST_TWICE));
      pairs.add(Compared.same("transactionColdPerSecond", AT_LEAST_TWICE));
      for (int level : options.levels()) {
        for (var name : List.of("transactionTo", "singleCreateAt")) {
          pairs.add(Compared.same(name + level + "PerSecond", AT_LEAST_TWICE));
          pairs.add(Compared.same(name + level + "ServerCpuMsPerItem", ""));
        }
        for (var name : List.of("searchVitalsWindowAt", "searchRevincludeAt", "searchAdverseEventsAt")) {
          pairs.add(Compared.same(name + level + "P95Ms", name.equals("searchVitalsWindowAt") ? AT_MOST_HALF : ""));
          pairs.add(Compared.same(name + level + "ServerCpuMsPerItem", ""));
        }
      }
    }
    results.forEach((db, figures) -> {
      if (db.startsWith(STOCK)) {
        return;
      }
      var ofDb = new LinkedHashMap<String, Ratio>();
      for (var pair : pairs) {
        var ours = figures.get(pair.ours());
        var theirs = stock.get(pair.stock());
        if (ours != null && theirs != null && theirs > 0) {
          ofDb.put(pair.ours(), new Ratio(ours / theirs, pair.goal()));
        }
      }
      ratios.put(db, ofDb);
    });
    return ratios;
  }

  private static void printRatios(Map<String, Map<String, Ratio>> ratios) {
    if (ratios.isEmpty()) {
      return;
    }
    var out = new StringBuilder("Ours / stock HAPI (StockHapiServer), same run:\n");
    ratios.forEach((db, figures) -> figures.forEach((name, ratio) -> out.append(String.format(
        "  %-14s %-40s %6.2f%s%n", db, name, ratio.value(), ratio.goal().isEmpty() ? ""
            : "   goal " + ratio.goal() + (met(ratio) ? ": met" : ": not met")))));
    System.out.println(out);
  }

  static boolean met(Ratio ratio) {
    return ratio.goal().startsWith(">=") ? ratio.value() >= Double.parseDouble(ratio.goal().substring(3))
        : ratio.value() <= Double.parseDouble(ratio.goal().substring(3));
  }

  /**
   * {@code figures}, read so that a figure this server did not measure (the stock server has no MLLP, no
   * export) throws rather than printing as {@code null} cut to the format's precision.
   */
  private static Map<String, Double> measuredOnly(Map<String, Double> figures) {
    return new java.util.AbstractMap<>() {
      @Override
      public Set<Entry<String, Double>> entrySet() {
        return figures.entrySet();
      }

      @Override
      public Double get(Object name) {
        var value = figures.get(name);
        if (value == null) {
          throw new NullPointerException(name + " was not measured");
        }
        return value;
      }
    };
  }

  private static String rate(Map<String, Double> f, String name, String unit) {
    return String.format("%.0f%s", f.get(name + "PerSecond"), unit) + cpu(f, name);
  }

  private static String latency(Map<String, Double> f, String name) {
    return String.format("p50 %.1f, p95 %.1f ms", f.get(name + "P50Ms"), f.get(name + "P95Ms")) + cpu(f, name);
  }

  /** The server's CPU per call or resource, the figure least moved by a busy machine. */
  private static String cpu(Map<String, Double> f, String name) {
    // Not every rate has a server CPU figure (the JDBC baseline has none): absent is not "not measured".
    return f.containsKey(name + "ServerCpuMsPerItem") ? String.format(" [%.1f]", f.get(name + "ServerCpuMsPerItem")) : "";
  }

  private static void row(StringBuilder out, Map<String, Map<String, Double>> results, String name,
      java.util.function.Function<Map<String, Double>, String> cell, String starter) {
    out.append(String.format("%-46s", name));
    results.values().forEach(f -> {
      String value;
      try {
        value = cell.apply(measuredOnly(f));
      } catch (NullPointerException notMeasured) {
        value = "-";
      }
      out.append(String.format("%36s", value));
    });
    out.append(String.format("   %s%n", starter));
  }

  /** The PostgreSQL the benchmark runs on: a database of its own, made fresh for each run. */
  static final class PostgresTarget {
    static final String URL = Postgres.env("INFUSION_BENCH_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = Postgres.env("INFUSION_BENCH_POSTGRES_USER", "postgres");

    static boolean reachable() {
      try (var connection = DriverManager.getConnection(URL + "?connectTimeout=3", USER, "")) {
        return connection.isValid(3);
      } catch (Exception e) {
        return false;
      }
    }

    static String freshDatabase() throws Exception {
      try (var connection = DriverManager.getConnection(URL, USER, "")) {
        connection.createStatement().execute("drop database if exists infusion_bench");
        connection.createStatement().execute("create database infusion_bench");
      }
      return URL.substring(0, URL.lastIndexOf('/') + 1) + "infusion_bench";
    }

    /** Index and version rows per stored Observation, table by table, read from the database itself. */
    static Map<String, Double> rowsPerObservation(String url) throws Exception {
      var figures = new LinkedHashMap<String, Double>();
      try (var connection = DriverManager.getConnection(url, USER, "")) {
        var statement = connection.createStatement();
        double observations = count(statement, "select count(*) from hfj_resource where res_type = 'Observation'");
        double total = 0;
        for (var table : List.of("hfj_res_ver", "hfj_spidx_token", "hfj_spidx_string", "hfj_spidx_quantity",
            "hfj_spidx_date", "hfj_spidx_uri", "hfj_res_link")) {
          var idColumn = table.equals("hfj_res_link") ? "src_resource_id" : "res_id";
          double rows = count(statement, "select count(*) from " + table + " t join hfj_resource r on r.res_id = t."
              + idColumn + " where r.res_type = 'Observation'");
          figures.put("rowsPerObservation." + table, rows / observations);
          total += rows / observations;
        }
        figures.put("rowsPerObservation", total + 1);
        figures.put("databaseMb", count(statement, "select pg_database_size(current_database())") / 1e6);
      }
      return figures;
    }

    /** {@code VACUUM ANALYZE} of the whole database; seconds taken. */
    static double vacuumAnalyze(String url) throws Exception {
      long start = System.nanoTime();
      try (var connection = DriverManager.getConnection(url, USER, "")) {
        connection.setAutoCommit(true);
        connection.createStatement().execute("vacuum analyze");
      }
      return (System.nanoTime() - start) / 1e9;
    }

    private static double count(java.sql.Statement statement, String sql) throws Exception {
      try (var result = statement.executeQuery(sql)) {
        result.next();
        return result.getDouble(1);
      }
    }

  }

  private Benchmark() {}
}
