package org.infusionbench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.infusionfhir.security.LocalTokens;
import org.infusionfhir.security.SecurityProperties;

/**
 * The server as users run it: {@code java -jar target/infusion-fhir.jar} in its own JVM, with the
 * benchmark's client beside it on the same cores. Measures the time from launching the JVM to the first
 * {@code 200} of {@code /fhir/metadata}, and the process's resident memory. The same-run reference,
 * {@link StockHapiServer}, is started and measured the same way ({@link #startStock}).
 */
final class ServerProcess implements AutoCloseable {

  /** Issuer and lifetime the server is started with, so the client can sign its own system token. */
  private static final String ISSUER = "http://localhost:8080";
  private static final Duration TOKEN_LIFETIME = Duration.ofHours(12);

  final Process process;
  final int httpPort;
  final int mllpPort;
  final double startSeconds;
  final long rssAtStartKb;
  final String token;

  private ServerProcess(Process process, int httpPort, int mllpPort, double startSeconds, long rssAtStartKb,
      String token) {
    this.process = process;
    this.httpPort = httpPort;
    this.mllpPort = mllpPort;
    this.startSeconds = startSeconds;
    this.rssAtStartKb = rssAtStartKb;
    this.token = token;
  }

  String base() {
    return "http://127.0.0.1:" + httpPort + "/fhir";
  }

  /**
   * Starts the jar with {@code jvmOptions} on a fresh data folder and waits for {@code /fhir/metadata}.
   * {@code properties} are Spring properties for the database and anything the run changes.
   */
  static ServerProcess start(Path jar, Path dataDir, List<String> jvmOptions, List<String> properties)
      throws Exception {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it first (mvn -Pbench verify does)");
    }
    int httpPort = freePort();
    int mllpPort = freePort();
    var command = new ArrayList<String>();
    command.add(java());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString(),
        "--server.port=" + httpPort, "--infusion.hl7v2.mllp.port=" + mllpPort,
        "--infusion.data-dir=" + dataDir.toAbsolutePath(),
        "--infusion.security.embedded.issuer=" + ISSUER,
        "--infusion.security.embedded.token-lifetime=" + TOKEN_LIFETIME.toHours() + "h",
        // An export is three job steps, each started on the next check: 1 s keeps its latency about the work.
        "--infusion.batch.check-interval=1s",
        // The demo clinic's authority, which Pcd01Message names (as the server's demo profile maps it).
        "--infusion.patients.authorities.CLINIC=http://infusion-fhir.org/fhir/fixtures/mrn",
        "--infusion.patients.default-authority=CLINIC"));
    command.addAll(properties);
    var started = launch(command, dataDir, httpPort);
    var security = new SecurityProperties(true, "infusion-fhir", Duration.ofSeconds(30), null, null, null,
        new SecurityProperties.Embedded(ISSUER, dataDir.resolve("issuer-key.json").toAbsolutePath(),
            Path.of("config/clients.json"), TOKEN_LIFETIME),
        List.of());
    var token = new LocalTokens(security).issue("benchmark", "system/*.*", null);
    return new ServerProcess(started.process(), httpPort, mllpPort, started.seconds(), started.rssKb(), token);
  }

  /**
   * Starts {@link StockHapiServer}, the same-run reference, on {@code libraries} (the unpacked jar's
   * {@code lib} folder: HAPI and Spring in the versions the server ships with) and this project's test classes,
   * and waits for {@code /fhir/metadata}; {@code properties} are its Spring properties. It has no MLLP listener
   * and ignores the Authorization header.
   */
  static ServerProcess startStock(Path libraries, Path dataDir, List<String> jvmOptions, List<String> properties)
      throws Exception {
    var testClasses = Path.of("target/test-classes");
    if (!Files.isDirectory(libraries) || !Files.isDirectory(testClasses)) {
      throw new IllegalStateException(libraries + " or " + testClasses + " is missing: mvn -Pbench verify makes both");
    }
    int httpPort = freePort();
    var command = new ArrayList<String>();
    command.add(java());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", libraries.toAbsolutePath() + "/*" + java.io.File.pathSeparator
        + testClasses.toAbsolutePath(), StockHapiServer.class.getName(), "--server.port=" + httpPort));
    command.addAll(properties);
    var started = launch(command, dataDir, httpPort);
    return new ServerProcess(started.process(), httpPort, -1, started.seconds(), started.rssKb(), "unused");
  }

  private record Launched(Process process, double seconds, long rssKb) {}

  /** Runs {@code command} with its output in {@code dataDir/server.log} until {@code /fhir/metadata} answers 200. */
  private static Launched launch(List<String> command, Path dataDir, int httpPort) throws Exception {
    Files.createDirectories(dataDir);
    var log = dataDir.resolve("server.log");
    long launched = System.nanoTime();
    var process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    var metadata = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/fhir/metadata"))
        .timeout(Duration.ofSeconds(60)).build();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the server exited with " + process.exitValue() + "; see " + log);
      }
      try {
        if (http.send(metadata, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          break;
        }
      } catch (IOException notYetListening) {
        // polled again below
      }
      if (System.nanoTime() - launched > Duration.ofMinutes(5).toNanos()) {
        process.destroyForcibly();
        throw new IllegalStateException("no /fhir/metadata after 5 minutes; see " + log);
      }
      Thread.sleep(50);
    }
    double seconds = (System.nanoTime() - launched) / 1e9;
    return new Launched(process, seconds, memoryKb(process, "VmRSS"));
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** A line of {@code /proc/PID/status} in kB: VmRSS now, VmHWM the peak so far. */
  static long memoryKb(Process process, String field) throws IOException {
    for (var line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /**
   * CPU time of the server process so far, user and system, from {@code /proc/PID/stat} (fields 14 and 15,
   * in clock ticks of 1/100 s, Linux's USER_HZ on x86 and ARM).
   */
  double cpuMillis() {
    try {
      return statCpuMillis(Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat")));
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  /**
   * CPU milliseconds of the server's JIT compiler threads ({@code C1 CompilerThre…}, {@code C2 CompilerThre…}
   * in {@code /proc/PID/task/TID/comm}). A compiler thread the JVM has stopped takes its time with it, so this
   * can fall short of the truth, never exceed it.
   */
  double compilerCpuMillis() {
    var total = 0.0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
      for (var task : (Iterable<Path>) tasks::iterator) {
        try {
          var name = Files.readString(task.resolve("comm")).strip();
          if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
            total += statCpuMillis(Files.readString(task.resolve("stat")));
          }
        } catch (IOException ended) {
          // The thread ended between listing and reading.
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    }
    return total;
  }

  /**
   * utime + stime of a {@code stat} line in milliseconds (clock ticks of 10 ms); the command name (field 2) is
   * in parentheses and may hold spaces.
   */
  private static double statCpuMillis(String stat) {
    var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10.0;
  }

  long peakRssKb() throws IOException {
    return memoryKb(process, "VmHWM");
  }

  private static int freePort() throws IOException {
    return org.infusionfhir.support.ServerNode.freePort();
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
