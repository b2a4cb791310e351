package org.infusionfhir.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The HL7 v2 messages of {@code fixtures/hl7v2/}, and small edits of them for tests. */
public final class Hl7v2Messages {

  public static final Path VALID = Fixtures.ROOT.resolve("hl7v2/valid");
  public static final Path INVALID = Fixtures.ROOT.resolve("hl7v2/invalid");

  /** An invalid message and the ACK it must produce: code, ERR location and HL7 table 0357 code. */
  public record Invalid(Path file, String ackCode, String location, String errorCode) {
    @Override
    public String toString() {
      return file.getFileName().toString();
    }
  }

  private Hl7v2Messages() {}

  public static List<Path> valid() {
    return list(VALID);
  }

  public static List<Invalid> invalid() {
    return list(INVALID).stream().map(file -> {
      var expected = file.resolveSibling(file.getFileName().toString().replace(".hl7", ".expected"));
      var fields = read(expected).strip().split("\t", -1);
      return new Invalid(file, fields[0], fields.length > 1 ? fields[1] : "", fields.length > 2 ? fields[2] : "");
    }).toList();
  }

  public static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Field {@code field} of the first {@code segment} of a message as written in a fixture. */
  public static String field(String message, String segment, int field) {
    return new MllpClient.Ack(message.replace("\r\n", "\r").replace('\n', '\r')).field(segment, field);
  }

  /** The message with a new MSH-10, so that a test can send a fixture as a message never seen before. */
  public static String withControlId(String message, String controlId) {
    var lines = message.strip().split("\r?\n|\r");
    var msh = lines[0].split("\\|", -1);
    msh[9] = controlId;
    lines[0] = String.join("|", msh);
    return String.join("\r", lines);
  }

  private static List<Path> list(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.toString().endsWith(".hl7")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
