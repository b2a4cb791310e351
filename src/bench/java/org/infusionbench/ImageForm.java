package org.infusionbench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.FileSystemUtils;

/**
 * The server as the Docker image runs it: the jar unpacked ({@code -Djarmode=tools extract}) with a class
 * data sharing archive made by {@code src/main/docker/class-data-archive.sh}, the script the Dockerfile
 * runs. Made once per benchmark run, with this JVM, in {@code target/bench/image}.
 */
final class ImageForm {

  static final Path SCRIPT = Path.of("src/main/docker/class-data-archive.sh");

  final Path jar;
  final Path archive;

  private ImageForm(Path dir) {
    this.jar = dir.resolve("infusion-fhir.jar");
    this.archive = dir.resolve("infusion-fhir.jsa");
  }

  static ImageForm prepare(Path fatJar) throws Exception {
    var dir = Path.of("target/bench/image").toAbsolutePath();
    long start = System.nanoTime();
    extract(fatJar, dir);
    run(List.of("sh", SCRIPT.toString(), dir.toString()), java());
    System.out.printf("[bench] image form (unpacked jar and class data archive) made in %.0f s%n",
        (System.nanoTime() - start) / 1e9);
    return new ImageForm(dir);
  }

  /**
   * The jar's libraries unpacked in {@code target/bench/libraries/lib}, without the class data archive: the
   * classpath of {@link StockHapiServer}, which thus runs on the HAPI and Spring jars the server ships with.
   */
  static Path libraries(Path fatJar) throws Exception {
    var dir = Path.of("target/bench/libraries").toAbsolutePath();
    extract(fatJar, dir);
    return dir.resolve("lib");
  }

  /** The jar unpacked into a new {@code dir}: the thin application jar, and its libraries in {@code lib}. */
  private static void extract(Path fatJar, Path dir) throws Exception {
    FileSystemUtils.deleteRecursively(dir);
    run(List.of(java(), "-Djarmode=tools", "-jar", fatJar.toString(), "extract", "--destination", dir.toString()),
        java());
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The JVM options of the image. {@code -Xshare:on} rather than the image's {@code auto}: a start that could
   * not map the archive fails instead of being measured as if it had.
   */
  List<String> jvmOptions(List<String> base) {
    var options = new ArrayList<>(base);
    options.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:on"));
    return options;
  }

  private static void run(List<String> command, String java) throws Exception {
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("JAVA", java);
    var process = builder.start();
    var output = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
    }
  }

}
