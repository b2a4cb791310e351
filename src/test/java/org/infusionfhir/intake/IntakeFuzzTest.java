package org.infusionfhir.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.FuzzRun;
import org.infusionfhir.support.FuzzTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.JsonMutations;

/**
 * Hostile session records at {@code POST /intake/sessions} (docs/fuzzing.md): mutations of the valid records
 * of {@code fixtures/intake}, bodies that are not JSON, and JSON of any shape. Every body is answered within
 * the time bound with 200 or 201, or a 4xx with an OperationOutcome that stored nothing; the endpoint takes a
 * valid record afterwards.
 */
@H2FhirServer
class IntakeFuzzTest extends FuzzTestBase {

  static final Path INTAKE = Fixtures.ROOT.resolve("intake");
  static final ObjectMapper JSON_MAPPER = JsonMutations.JSON_MAPPER;
  /** The names the record format uses, so that random shapes reach the reader's checks. */
  static final List<String> FIELD_NAMES = List.of("sessionId", "clinic", "patient", "mrn", "mrnAuthority", "givenName",
      "familyName", "birthDate", "sex", "indication", "sessionNumber", "protocol", "start", "end", "drug", "doseMg",
      "weightKg", "rate", "value", "unit", "clinician", "vitals", "time", "phase", "heartRate", "systolic", "diastolic",
      "spo2", "respiratoryRate", "temperatureC", "assessments", "instrument", "score", "item9", "adverseEvents", "event",
      "severity", "serious", "outcome", "note", "notes");

  String mrn;

  @BeforeProperty
  void ownPatientExists() {
    mrn = unique("FUZZ-MRN");
    var patient = new Patient().addIdentifier(new Identifier().setSystem("http://infusion-fhir.org/fhir/fixtures/mrn")
        .setValue(mrn));
    patient.addName().setFamily("Moreno").addGiven("Daniel");
    client.create().resource(patient).execute();
  }

  @Property
  @FuzzRun.Budget(tries = 150, share = 0.15)
  void mutatedRecordsAreStoredOrRefusedWithoutTrace(@ForAll("mutatedRecords") MutatedRecord input) {
    assertAnsweredAndRefusalsStoreNothing(input.bytes(mrn, unique("FUZZ-S")), input.contentType(), input.toString());
  }

  @Property
  @FuzzRun.Budget(tries = 80, share = 0.05)
  void jsonOfAnyShapeIsRefusedWithoutTrace(@ForAll("jsonShapes") String body) {
    assertAnsweredAndRefusalsStoreNothing(body.getBytes(StandardCharsets.UTF_8), "application/json", body);
  }

  @AfterProperty
  void aValidRecordIsStillStored() {
    var response = post(fixtureWithOwnPatient("session-trd-s7.json", unique("FUZZ-S")), "application/json", "valid");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  private void assertAnsweredAndRefusalsStoreNothing(byte[] body, String contentType, String input) {
    var before = storedVersions();
    var errors = serverErrorMark();
    var response = post(body, contentType, input);
    assertAnsweredWithout5xx(response, input);
    if (response.statusCode() >= 400) {
      assertThat(storedVersions()).as("versions stored after refused %s", input).isEqualTo(before);
    } else {
      assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
    }
    assertNoServerErrorSince(errors, input);
  }

  private java.net.http.HttpResponse<String> post(byte[] body, String contentType, String input) {
    var request = request(serverRoot() + "/intake/sessions").header("Authorization", "Bearer " + systemToken)
        .POST(BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return exchange(request, abbreviate(input));
  }

  private byte[] fixtureWithOwnPatient(String fixture, String sessionId) {
    var record = read(fixture);
    ((ObjectNode) record).put("sessionId", sessionId);
    ((ObjectNode) record.get("patient")).put("mrn", mrn);
    ((ObjectNode) record.get("patient")).put("mrnAuthority", "CLINIC");
    return record.toString().getBytes(StandardCharsets.UTF_8);
  }

  static JsonNode read(String fixture) {
    try {
      return JSON_MAPPER.readTree(INTAKE.resolve(fixture).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Mutated records

  enum Corruption { NONE, TRUNCATE, INVALID_UTF8, BYTE_ORDER_MARK, UTF16, TRAILING_GARBAGE }

  record MutatedRecord(String fixture, List<JsonMutations.Mutation> mutations, Corruption corruption, int at,
      String contentType) {

    byte[] bytes(String mrn, String sessionId) {
      var record = (ObjectNode) read(fixture);
      record.put("sessionId", sessionId);
      ((ObjectNode) record.get("patient")).put("mrn", mrn);
      ((ObjectNode) record.get("patient")).put("mrnAuthority", "CLINIC");
      JsonMutations.apply(record, mutations);
      var text = record.toString();
      var bytes = text.getBytes(StandardCharsets.UTF_8);
      int cut = at % (bytes.length + 1);
      var out = new ByteArrayOutputStream();
      switch (corruption) {
        case NONE -> out.writeBytes(bytes);
        case TRUNCATE -> out.write(bytes, 0, cut);
        case INVALID_UTF8 -> {
          out.write(bytes, 0, cut);
          out.writeBytes(new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF});
          out.write(bytes, cut, bytes.length - cut);
        }
        case BYTE_ORDER_MARK -> {
          out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
          out.writeBytes(bytes);
        }
        case UTF16 -> out.writeBytes(text.getBytes(StandardCharsets.UTF_16));
        case TRAILING_GARBAGE -> {
          out.writeBytes(bytes);
          out.write("}{\"sessionId\":1}]".getBytes(StandardCharsets.UTF_8), 0, 1 + at % 16);
        }
      }
      return out.toByteArray();
    }

    @Override
    public String toString() {
      return fixture + " " + mutations + (corruption == Corruption.NONE ? "" : " " + corruption + "@" + at)
          + " as " + contentType;
    }
  }

  @Provide
  Arbitrary<MutatedRecord> mutatedRecords() {
    var fixtures = Arbitraries.of(Fixtures.jsonFiles(INTAKE).stream().map(f -> f.getFileName().toString()).toList());
    var mutation = JsonMutations.mutations(FIELD_NAMES, 60);
    var corruption = Arbitraries.frequencyOf(Tuple.of(10, Arbitraries.just(Corruption.NONE)),
        Tuple.of(3, Arbitraries.of(Corruption.class)));
    var contentTypes = Arbitraries.of("application/json", "application/json", "application/json; charset=utf-16",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/fhir+json",
        "", "*/*", "application/json; charset=nonsense");
    return Combinators.combine(fixtures, mutation.list().ofMinSize(1).ofMaxSize(4), corruption,
        Arbitraries.integers().between(0, 100_000), contentTypes).as(MutatedRecord::new);
  }

  // ---------------------------------------------------------------------------------------------------------
  // JSON of any shape

  @Provide
  Arbitrary<String> jsonShapes() {
    return json(4);
  }

  private Arbitrary<String> json(int depth) {
    var leaf = JsonMutations.oddValues().map(JsonMutations.Odd::json);
    if (depth == 0) {
      return leaf;
    }
    var inner = Arbitraries.lazy(() -> json(depth - 1));
    var array = inner.list().ofMaxSize(5).map(items -> "[" + String.join(",", items) + "]");
    var member = Combinators.combine(Arbitraries.oneOf(Arbitraries.of(FIELD_NAMES), Arbitraries.strings().ofMaxLength(8)),
        inner).as((name, value) -> JsonMutations.quote(name) + ":" + value);
    var object = member.list().ofMaxSize(8).map(members -> "{" + String.join(",", members) + "}");
    return Arbitraries.frequencyOf(Tuple.of(2, leaf), Tuple.of(1, array), Tuple.of(3, object));
  }
}
