package org.infusionfhir.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One server process, started as operators start it ({@code org.infusionfhir.Application} in a JVM of its own,
 * with Spring properties on the command line), on free HTTP and MLLP ports, its output in
 * {@code dataDir/server.log}. Tests of several replicas start two or three on one database; {@link #kill} is
 * {@code kill -9}.
 */
public final class ServerNode implements AutoCloseable {

  /** Small heaps and the quick compiler: the nodes share the test machine's two cores with the test JVM. */
  private static final List<String> JVM_OPTIONS = List.of("-Xmx640m", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Path dataDir;
  private final List<String> properties;
  private final int httpPort;
  private final int mllpPort;
  private Process process;
  private long fileSizeLimitKb;

  private ServerNode(String name, Path dataDir, List<String> properties, int httpPort, int mllpPort) {
    this.name = name;
    this.dataDir = dataDir;
    this.properties = List.copyOf(properties);
    this.httpPort = httpPort;
    this.mllpPort = mllpPort;
  }

  /** Launches a node without waiting for it: see {@link #awaitReady}. */
  public static ServerNode launch(String name, Path dataDir, List<String> properties) {
    try {
      var node = new ServerNode(name, dataDir, properties, freePort(), freePort());
      node.start();
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void start() throws IOException {
    Files.createDirectories(dataDir);
    var command = new ArrayList<String>();
    if (fileSizeLimitKb > 0) {
      // As an operator's ulimit would: no file the process writes may grow past the limit (a full disk to it).
      command.addAll(List.of("bash", "-c", "ulimit -S -f " + fileSizeLimitKb + " && exec \"$@\"", "bash"));
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", classPath(), "org.infusionfhir.Application",
        "--server.port=" + httpPort, "--infusion.hl7v2.mllp.port=" + mllpPort,
        "--infusion.data-dir=" + dataDir.toAbsolutePath(),
        // The demo clinic's authority, which the tests' monitor messages name (as application-demo.yaml maps it).
        "--infusion.patients.authorities.CLINIC=" + Hl7v2Messages.DEMO_MRN_SYSTEM,
        "--infusion.patients.default-authority=CLINIC"));
    command.addAll(properties.stream().map(p -> "--" + p).toList());
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
  }

  /** The test JVM's own class path (Surefire names it apart when it starts tests from a manifest-only jar). */
  private static String classPath() {
    var surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  /**
   * Waits until {@code /actuator/health/readiness} answers 200 (start-up work done, database reachable), polling
   * every 100 ms; fails with the end of the node's log if the process exits or {@code limit} passes.
   */
  public ServerNode awaitReady(Duration limit) {
    var deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
      }
      if (readiness() == 200) {
        return this;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " not ready after " + limit + ":\n" + logTail());
      }
      try {
        process.waitFor(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** The status of {@code /actuator/health/readiness} (200 ready, 503 not), or -1 when nothing answers in 15 s. */
  public int readiness() {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(root() + "/actuator/health/readiness"))
          .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException notListening) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts the node again, on the same ports, data folder and properties, after {@link #kill} or {@link #close}. */
  public ServerNode restart() {
    if (process.isAlive()) {
      throw new IllegalStateException(name + " is still running");
    }
    try {
      start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** From the next {@link #restart} on, no file the node writes may grow past {@code kb} KiB ({@code ulimit -f}). */
  public ServerNode limitFileSize(long kb) {
    this.fileSizeLimitKb = kb;
    return this;
  }

  /** {@code kill -9}: the process ends at once, with no shutdown hook, no flush and no goodbye to the database. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The process id (the JVM's: a {@link #limitFileSize} shell replaces itself with it). */
  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public int exitValue() {
    return process.exitValue();
  }

  /** {@code http://127.0.0.1:PORT}, the server's root. */
  public String root() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** The FHIR base. */
  public String fhir() {
    return root() + "/fhir";
  }

  public int mllpPort() {
    return mllpPort;
  }

  public String name() {
    return name;
  }

  public Path log() {
    return dataDir.resolve("server.log");
  }

  /** The node's log so far. */
  public String logText() {
    try {
      return Files.readString(log());
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private String logTail() {
    var text = logText();
    return text.substring(Math.max(0, text.length() - 6000));
  }

  /** A free TCP port on this machine, at the moment of asking. */
  public static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public String toString() {
    return name + " (" + root() + ")";
  }

  /** Stops the node as an operator would (SIGTERM, a graceful shutdown), forcibly after 30 s. */
  @Override
  public void close() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
