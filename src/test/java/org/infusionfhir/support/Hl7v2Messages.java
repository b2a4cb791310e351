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
  /** The MRN system that the demo clinic's assigning authority CLINIC, named by these messages, maps to. */
  public static final String DEMO_MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";

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

  /** OBX-14 and MSH-7 as the fixtures write them. */
  public static final java.time.format.DateTimeFormatter HL7_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmssxx");

  /** An ORU^R01 from a test monitor about the patient with {@code mrn} (authority CLINIC), all OBX at {@code time}. */
  public static String monitorMessage(String controlId, String mrn, java.time.OffsetDateTime time, String... obx) {
    var t = time.format(HL7_TIME);
    var lines = new java.util.ArrayList<String>();
    lines.add("MSH|^~\\&|TEST_MONITOR^00AABBCCDDEEFF01^EUI-64|RIVERSIDE_INFUSION|INFUSION-FHIR|INFUSION-FHIR|" + t
        + "||ORU^R01^ORU_R01|" + controlId + "|P|2.6");
    lines.add("PID|1||" + mrn + "^^^CLINIC^MR||Okafor^Chidi||19790312|M");
    lines.add("OBR|1||" + controlId + "|182777000^monitoring of patient^SCT|||" + t);
    for (var segment : obx) {
      lines.add(segment + "|||" + t + "||||00AABBCCDDEEFF01^^00AABBCCDDEEFF01^EUI-64");
    }
    return String.join("\r", lines);
  }

  /** An OBX (without its time and equipment fields) of an ECG heart rate. */
  public static String heartRate(int value) {
    return "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|" + value + "|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F";
  }

  /** The OBX of a cuff blood pressure: systolic and diastolic, one panel Observation. */
  public static String[] bloodPressure(int systolic, int diastolic) {
    return new String[] {
      "OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.5.1.1|" + systolic + "|266016^MDC_DIM_MMHG^MDC|||||F",
      "OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.5.1.2|" + diastolic + "|266016^MDC_DIM_MMHG^MDC|||||F"};
  }

  /** An OBX of a pulse oximeter's SpO2. */
  public static String oxygenSaturation(int value) {
    return "OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|" + value + "|262688^MDC_DIM_PERCENT^MDC|||||F";
  }

  private static List<Path> list(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.toString().endsWith(".hl7")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
