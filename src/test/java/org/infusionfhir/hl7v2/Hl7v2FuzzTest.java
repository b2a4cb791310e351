package org.infusionfhir.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.support.FuzzRun;
import org.infusionfhir.support.FuzzTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Hostile HL7 v2 (docs/fuzzing.md): mutations of the valid monitor messages of {@code fixtures/hl7v2/valid}
 * over MLLP, split across writes, and over HTTP; and byte streams of garbage, stray frame bytes and partial
 * frames over MLLP. Every input is answered by an ACK within the time bound (AE or AR when refused, never
 * the AE of an internal failure), refused input stores nothing, and the connection and the listener go on
 * serving valid messages.
 */
@H2FhirServer
class Hl7v2FuzzTest extends FuzzTestBase {

  static final String MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";
  static final String FIXTURE_MRN = "MRN-20481";
  /** The text of the AE that {@link Hl7v2Ingest} gives when an exception escaped the mapping or storage. */
  static final String INTERNAL_FAILURE = "could not be stored";

  @Autowired MllpListener listener;
  String mrn;

  @BeforeProperty
  void ownPatientExists() {
    mrn = unique("FUZZ-MRN");
    var patient = new Patient().addIdentifier(new Identifier().setSystem(MRN_SYSTEM).setValue(mrn));
    patient.addName().setFamily("Lindqvist").addGiven("Hanna");
    client.create().resource(patient).execute();
  }

  @Property
  @FuzzRun.Budget(tries = 250, share = 0.25)
  void mutatedMonitorMessagesAreAcknowledgedAndRefusedOnesStoreNothing(@ForAll("mutatedMessages") MutatedMessage input) {
    var message = input.bytes(mrn, unique("FUZZ"));
    var before = storedVersions();
    var errors = serverErrorMark();
    if (input.overHttp()) {
      var response = exchange(request(serverRoot() + "/hl7v2").header("Authorization", "Bearer " + systemToken)
          .header("Content-Type", "x-application/hl7-v2+er7").POST(BodyPublishers.ofByteArray(message)), input.toString());
      assertThat(response.statusCode()).as("%s%n-> %s", input, response.body()).isIn(200, 400, 422);
      assertAcknowledged(input, response.headers().firstValue("X-HL7-Ack-Code").orElse(""), response.body(), before);
    } else {
      try (var mllp = connect()) {
        writeInChunks(mllp, MllpClient.frame(message), input.chunks());
        var ack = mllp.readAck().text();
        assertAcknowledged(input, field(ack, "MSA", 1), ack, before);
        // The same connection goes on: the next frame is read from where this one ended.
        assertValidMessageAcknowledged(mllp);
      }
    }
    assertNoServerErrorSince(errors, input.toString());
  }

  /** An ACK of AA, AE or AR, not the AE of an internal failure; a refusal says why and stored nothing. */
  private void assertAcknowledged(MutatedMessage input, String code, String ack, Map<String, Long> versionsBefore) {
    assertThat(code).as("%s%n-> %s", input, ack).isIn("AA", "AE", "AR");
    assertThat(ack).as(input.toString()).doesNotContain(INTERNAL_FAILURE);
    if (!code.equals("AA")) {
      assertThat(ack.split("\r")).as("%s%n-> %s", input, ack).anyMatch(segment -> segment.startsWith("ERR"));
      assertThat(storedVersions()).as("versions stored after refused %s", input).isEqualTo(versionsBefore);
    }
  }

  @Property
  @FuzzRun.Budget(tries = 100, share = 0.1)
  void garbageAndPartialFramesLeaveTheListenerServing(@ForAll("byteStreams") ByteStream input) {
    var before = storedVersions();
    var errors = serverErrorMark();
    try (var mllp = connect()) {
      writeInChunks(mllp, input.bytes(), input.chunks());
      if (input.closeAfter()) {
        // A sender gone in the middle of a frame: the listener must carry on for the next connection.
        mllp.close();
      } else {
        // Whatever frames the garbage held are answered first; the sender's next message still gets its ACK.
        var controlId = unique("FUZZ-NEXT");
        mllp.writeRaw(MllpClient.frame(messageStoringNothing(controlId)));
        var acks = new ArrayList<String>();
        String ack;
        do {
          ack = mllp.readAck().text();
          acks.add(field(ack, "MSA", 1));
          assertThat(field(ack, "MSA", 1)).as("%s%n-> %s", input, ack).isIn("AA", "AE", "AR");
          assertThat(ack).as(input.toString()).doesNotContain(INTERNAL_FAILURE);
        } while (!field(ack, "MSA", 2).equals(controlId));
        assertThat(field(ack, "MSA", 1)).as("%s: ACKs %s", input, acks).isEqualTo("AA");
      }
    }
    try (var next = connect()) {
      next.send(messageStoringNothing(unique("FUZZ-ALIVE")));
    }
    assertThat(storedVersions()).as("versions stored after %s", input).isEqualTo(before);
    assertNoServerErrorSince(errors, input.toString());
  }

  /**
   * Field {@code field} of the first {@code segment} of an ACK, read with the ACK's own field separator: the
   * ACK answers in the encoding characters of the message, odd ones included.
   */
  static String field(String ack, String segment, int field) {
    if (ack.length() < 4) {
      return "";
    }
    var separator = ack.substring(3, 4);
    var encoding = ack.substring(4, Math.max(4, ack.indexOf(separator, 4)));
    for (var line : ack.split("\r")) {
      if (line.startsWith(segment)) {
        var fields = line.split(java.util.regex.Pattern.quote(separator), -1);
        var value = field < fields.length ? fields[field] : "";
        if (encoding.length() < 3) {
          return value;
        }
        // Escape sequences (HL7 v2 §2.7): an AR under the encoding characters _R;S is written A;R;.
        var escape = encoding.substring(2, 3);
        var named = new String[][] {{"F", separator}, {"S", encoding.substring(0, 1)}, {"R", encoding.substring(1, 2)},
            {"T", encoding.length() > 3 ? encoding.substring(3, 4) : ""}};
        for (var sequence : named) {
          value = value.replace(escape + sequence[0] + escape, sequence[1]);
        }
        return value.replace(escape + "E" + escape, escape);
      }
    }
    return "";
  }

  /** A new connection whose reads give up after the time bound. */
  private MllpClient connect() {
    try {
      var socket = new Socket("127.0.0.1", listener.port());
      socket.setTcpNoDelay(true);
      var client = new MllpClient(socket);
      socket.setSoTimeout((int) TIME_BOUND.toMillis());
      return client;
    } catch (IOException e) {
      throw new AssertionError("the MLLP listener refused a connection", e);
    }
  }

  /** Sends a valid message with one reading on {@code mllp} and asserts its AA. */
  private void assertValidMessageAcknowledged(MllpClient mllp) {
    var controlId = unique("FUZZ-ALIVE");
    var ack = mllp.send(Hl7v2Messages.monitorMessage(controlId, mrn, OffsetDateTime.now(), Hl7v2Messages.heartRate(72)));
    assertThat(ack.code()).as(ack.text()).isEqualTo("AA");
    assertThat(ack.field("MSA", 2)).isEqualTo(controlId);
  }

  /** A valid ORU^R01 whose only OBX describes the monitor: acknowledged AA with nothing to store. */
  private String messageStoringNothing(String controlId) {
    return Hl7v2Messages.monitorMessage(controlId, mrn, OffsetDateTime.now(),
        "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X");
  }


  private static void writeInChunks(MllpClient mllp, byte[] bytes, List<Integer> chunks) {
    int offset = 0;
    int next = 0;
    while (offset < bytes.length) {
      int size = chunks.isEmpty() ? bytes.length : chunks.get(next++ % chunks.size());
      int end = Math.min(bytes.length, offset + size);
      mllp.writeRaw(Arrays.copyOfRange(bytes, offset, end));
      offset = end;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Mutated messages

  enum Kind { TRUNCATE, DROP_SEGMENT, DUPLICATE_SEGMENT, SWAP_SEGMENTS, SET_FIELD, SET_MSH_FIELD, ENCODING_CHARACTERS,
    FIELD_SEPARATOR, INSERT_SEGMENT, INVALID_UTF8 }

  /** One edit of a message; {@code a} and {@code b} pick segments, fields or positions. */
  record Mutation(Kind kind, int a, int b, String value) {
    @Override
    public String toString() {
      return kind + "(" + a + ", " + b + ", " + shown(value == null ? "" : value.length() > 80
          ? value.substring(0, 40) + "...(" + value.length() + " chars)" : value) + ")";
    }
  }

  /** A fixture message, its edits, its line ending, and how it is sent. */
  record MutatedMessage(String fixture, List<Mutation> mutations, String lineEnding, List<Integer> chunks,
      boolean overHttp) {

    byte[] bytes(String mrn, String controlId) {
      var text = Hl7v2Messages.read(Hl7v2Messages.VALID.resolve(fixture)).strip().replace(FIXTURE_MRN + "^", mrn + "^");
      var segments = new ArrayList<>(List.of(Hl7v2Messages.withControlId(text, controlId).split("\r")));
      byte[] invalidUtf8 = null;
      int invalidAt = 0;
      for (var m : mutations) {
        int n = segments.size();
        switch (m.kind()) {
          case TRUNCATE -> {
            var joined = String.join("\r", segments);
            segments = new ArrayList<>(List.of(joined.substring(0, m.a() % (joined.length() + 1)).split("\r", -1)));
          }
          case DROP_SEGMENT -> {
            if (n > 1) {
              segments.remove(m.a() % n);
            }
          }
          case DUPLICATE_SEGMENT -> {
            var segment = segments.get(m.a() % n);
            for (int i = 0; i < 1 + m.b() % 40; i++) {
              segments.add(m.a() % n, segment);
            }
          }
          case SWAP_SEGMENTS -> java.util.Collections.swap(segments, m.a() % n, m.b() % n);
          case SET_FIELD -> segments.set(m.a() % n, withField(segments.get(m.a() % n), 1 + m.b() % 22, m.value()));
          case SET_MSH_FIELD -> segments.set(0, withField(segments.get(0), 2 + m.b() % 20, m.value()));
          case ENCODING_CHARACTERS -> {
            var msh = segments.get(0);
            if (msh.length() >= 8) {
              segments.set(0, msh.substring(0, 4) + m.value().substring(0, Math.min(m.value().length(), m.b() % 7))
                  + msh.substring(8));
            }
          }
          case FIELD_SEPARATOR -> {
            var separator = m.value().isEmpty() ? "#" : m.value().substring(0, 1);
            segments.replaceAll(s -> s.replace("|", separator));
          }
          case INSERT_SEGMENT -> segments.add(m.a() % (n + 1), m.value());
          case INVALID_UTF8 -> {
            invalidUtf8 = new byte[][] {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF0, (byte) 0x9F}, {(byte) 0xC0, (byte) 0xAF}}[m.b() % 5];
            invalidAt = m.a();
          }
        }
      }
      // Frame bytes belong to the byte-stream property: here every input is exactly one frame.
      var body = String.join(lineEnding, segments).replace("\u000b", "").replace("\u001c", "")
          .getBytes(StandardCharsets.UTF_8);
      if (invalidUtf8 == null) {
        return body;
      }
      var out = new ByteArrayOutputStream();
      int at = invalidAt % (body.length + 1);
      out.write(body, 0, at);
      out.write(invalidUtf8, 0, invalidUtf8.length);
      out.write(body, at, body.length - at);
      return out.toByteArray();
    }

    private static String withField(String segment, int field, String value) {
      var fields = new ArrayList<>(List.of(segment.split("\\|", -1)));
      // MSH-1 is the separator itself: MSH-n sits at index n - 1.
      int index = segment.startsWith("MSH") ? field - 1 : field;
      while (fields.size() <= index) {
        fields.add("");
      }
      fields.set(index, value);
      return String.join("|", fields);
    }

    @Override
    public String toString() {
      return (overHttp ? "HTTP " : "MLLP ") + fixture + " " + mutations + " line ending "
          + lineEnding.replace("\r", "CR").replace("\n", "LF") + (overHttp ? "" : " in chunks " + chunks);
    }
  }

  @Provide
  Arbitrary<MutatedMessage> mutatedMessages() {
    var fixtures = Arbitraries.of(Hl7v2Messages.valid().stream()
        .filter(f -> Hl7v2Messages.read(f).contains(FIXTURE_MRN + "^")).map(f -> f.getFileName().toString()).toList());
    var mutation = Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 5000),
        Arbitraries.integers().between(0, 1000), oddValues()).as(Mutation::new);
    var lineEndings = Arbitraries.of("\r", "\r", "\r", "\n", "\r\n", "\n\r", "\r\r");
    var chunks = Arbitraries.integers().between(1, 400).list().ofMaxSize(6);
    return Combinators.combine(fixtures, mutation.list().ofMinSize(1).ofMaxSize(4), lineEndings, chunks,
        Arbitraries.integers().between(0, 3).map(i -> i == 0)).as(MutatedMessage::new);
  }

  /** Field values a monitor should not send: odd delimiters, huge, bad dates and numbers, non-ASCII. */
  static Arbitrary<String> oddValues() {
    var fixed = Arbitraries.of("", "\"\"", "^^^^", "~~~~", "&&&", "\\E\\", "\\", "\\X00\\", "\\H\\\\N\\", "^~\\&",
        "MSH", "NaN", "Infinity", "1e999", "-0", "+", "-", ".", "1.2.3", "0x1F", "99999999999999999999999999999",
        "-99999", "1,5", "٧٨", "７８", "20261345", "20260230120000", "2026", "202612312460", "99999999999999+9999",
        "20260504094000+2400", "20260504094000-1260", "20260504094000.12345", "00000000000000", "20260504094000+02",
        "20260504094000+0200^1", "ORU^R01^ORU_R01", "ADT^A01", "ACK", "2.2", "2.6.9", "3.0", "P", "MDC",
        "147842^MDC_ECG_HEART_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "266016^MDC_DIM_MMHG^MDC",
        "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "NM", "ST", "CWE", "X", "F", "\u0000", "\t", " ", "é", "Ω",
        "😀", "\u202Eevil", "\uFEFF", "MRN^^^UNKNOWN^MR", "^^^CLINIC^MR", "~MRN-1^^^CLINIC^MR");
    var huge = Combinators.combine(Arbitraries.of("X", "9", "^", "~", "|", "é", "2026", "\\E\\"),
        Arbitraries.integers().between(1_000, 80_000)).as((unit, times) -> unit.repeat(times / unit.length()));
    var random = Arbitraries.strings().all().ofMaxLength(40);
    var printable = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40);
    var digits = Arbitraries.strings().withCharRange('0', '9').withChars('.', '-', '+').ofMinLength(1).ofMaxLength(30);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, fixed), net.jqwik.api.Tuple.of(1, huge), net.jqwik.api.Tuple.of(2, random),
        net.jqwik.api.Tuple.of(2, printable), net.jqwik.api.Tuple.of(2, digits));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Byte streams

  enum PieceKind { RANDOM_BYTES, FRAMING_BYTES, FRAME_OF_GARBAGE, UNFINISHED_FRAME, END_WITHOUT_START, CRLF_LINES,
    FRAME_OF_PARTIAL_MESSAGE }

  record Piece(PieceKind kind, String text) {
    byte[] bytes() {
      var content = text.getBytes(StandardCharsets.UTF_8);
      return switch (kind) {
        case RANDOM_BYTES -> content;
        case FRAMING_BYTES -> text.chars().map(c -> new int[] {MllpClient.START, MllpClient.END, MllpClient.CR, 0x0A,
            0x00, 0xFF}[c % 6]).collect(ByteArrayOutputStream::new, ByteArrayOutputStream::write, (l, r) -> {})
            .toByteArray();
        case FRAME_OF_GARBAGE -> concat(new byte[] {MllpClient.START}, content, new byte[] {MllpClient.END, MllpClient.CR});
        case UNFINISHED_FRAME -> concat(new byte[] {MllpClient.START}, content);
        case END_WITHOUT_START -> concat(content, new byte[] {MllpClient.END, MllpClient.CR});
        case CRLF_LINES -> (text + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        case FRAME_OF_PARTIAL_MESSAGE -> {
          // An authority no table knows: the message is refused AE however much of it arrives, and stores nothing.
          var message = MllpClient.frame(Hl7v2Messages.read(Hl7v2Messages.VALID.resolve("pcd01-v25-hr-spo2.hl7"))
              .replace(FIXTURE_MRN + "^^^CLINIC^", "FUZZ-UNUSED^^^NOWHERE^"));
          var cut = Math.max(1, text.length() * 7 % message.length);
          yield concat(Arrays.copyOf(message, cut), new byte[] {MllpClient.END, MllpClient.CR});
        }
      };
    }

    @Override
    public String toString() {
      return kind + "(" + shown(text.length() > 60 ? text.substring(0, 60) + "..." : text) + ")";
    }
  }

  record ByteStream(List<Piece> pieces, List<Integer> chunks, boolean closeAfter) {
    byte[] bytes() {
      var out = new ByteArrayOutputStream();
      pieces.forEach(p -> out.writeBytes(p.bytes()));
      return out.toByteArray();
    }
  }

  @Provide
  Arbitrary<ByteStream> byteStreams() {
    var text = Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(300),
        Arbitraries.strings().withChars("MSH|^~\\&PIDOBX\r\n\u000b\u001c").ofMaxLength(200));
    var piece = Combinators.combine(Arbitraries.of(PieceKind.class), text).as(Piece::new);
    return Combinators.combine(piece.list().ofMinSize(1).ofMaxSize(8),
        Arbitraries.integers().between(1, 200).list().ofMaxSize(5),
        Arbitraries.integers().between(0, 4).map(i -> i == 0)).as(ByteStream::new);
  }

  private static byte[] concat(byte[]... parts) {
    var out = new ByteArrayOutputStream();
    for (var part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** Shortened, with CR and LF visible. */
  static String shown(String text) {
    return abbreviate(text).replace("\r", "\\r").replace("\n", "\\n");
  }
}
