package org.infusionfhir.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The example data in {@code fixtures/}: the test data of the IG, the server and the command. */
public final class Fixtures {

  public static final Path ROOT = Path.of("fixtures");
  public static final Path BUNDLES = ROOT.resolve("bundles");
  public static final Path RESOURCES = ROOT.resolve("resources");
  public static final Path INVALID = ROOT.resolve("invalid");

  /** An invalid example and the error it must produce: a location fragment and a message phrase. */
  public record Invalid(Path file, String location, String phrase) {
    public String resourceType() {
      try {
        var text = Files.readString(file);
        var m = java.util.regex.Pattern.compile("\"resourceType\"\\s*:\\s*\"(\\w+)\"").matcher(text);
        return m.find() ? m.group(1) : "";
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return file.getFileName().toString();
    }
  }

  private Fixtures() {}

  public static List<Path> jsonFiles(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<Invalid> invalid() {
    return jsonFiles(INVALID).stream().map(file -> {
      var expected = file.resolveSibling(file.getFileName().toString().replaceAll("\\.json$", ".expected"));
      try {
        var line = Files.readString(expected).strip().split("\t", 2);
        return new Invalid(file, line[0].strip(), line.length > 1 ? line[1].strip() : "");
      } catch (IOException e) {
        throw new UncheckedIOException("missing " + expected, e);
      }
    }).toList();
  }
}
