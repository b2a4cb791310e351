package org.infusionfhir.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.infusionfhir.hl7v2.MllpListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;

/** The charting app's JSON session records through POST /intake/sessions, read back through the FHIR API. */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntakeAdapterTest extends FhirServerTestBase {

  static final Path INTAKE = Fixtures.ROOT.resolve("intake");
  static final String SESSION_TAG = "http://infusion-fhir.org/fhir/sid/intake-session";
  static final String BASE = "http://infusion-fhir.org/fhir";
  static final ObjectMapper JSON_MAPPER = new ObjectMapper();

  @Autowired MllpListener listener;

  /** This class's own patient, whom the fixture records are about instead of the demo patients. */
  String mrn;
  String patientId;

  @BeforeAll
  void ownPatientExists() {
    // Not a demo patient: the exchange tests count their records, and must not see this class's sessions.
    connectClient();
    mrn = unique("MRN");
    var patient = new Patient().addIdentifier(new org.hl7.fhir.r4.model.Identifier()
        .setSystem(BASE + "/fixtures/mrn").setValue(mrn));
    patient.addName().setFamily("Lindqvist").addGiven("Hanna");
    patientId = client.create().resource(patient).execute().getId().getIdPart();
  }

  static List<Path> validRecords() {
    return Fixtures.jsonFiles(INTAKE);
  }

  static List<Path> invalidRecords() {
    return Fixtures.jsonFiles(INTAKE.resolve("invalid"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validRecords")
  void everyValidRecordBecomesResourcesThatConformToOurProfiles(Path file) throws IOException {
    var record = ownSession((ObjectNode) JSON_MAPPER.readTree(file.toFile()));
    var response = post(record.toString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    var stored = storedFor(record.get("sessionId").asText());
    assertThat(stored).extracting(Resource::fhirType).contains("Procedure", "MedicationAdministration", "Encounter");
    for (var resource : stored) {
      if (resource.getMeta().hasProfile()) {
        assertConformsToItsProfile(resource);
      }
    }
  }

  @Test
  void theTrdMaintenanceSessionIsStoredAsOneLinkedCourseEntry() throws IOException {
    var record = ownSession(fixture("session-trd-s7.json"));
    assertThat(post(record.toString()).statusCode()).isEqualTo(201);
    var stored = storedFor(record.get("sessionId").asText());

    var procedure = only(stored, Procedure.class);
    assertThat(procedure.getStatus()).isEqualTo(Procedure.ProcedureStatus.COMPLETED);
    assertThat(procedure.getSubject().getReference()).isEqualTo("Patient/" + patientId);
    assertThat(procedure.getExtensionByUrl(BASE + "/StructureDefinition/session-number").getValue().primitiveValue())
        .isEqualTo("7");
    assertThat(procedure.getReasonCodeFirstRep().getCoding()).extracting(c -> c.getCode()).contains("370143000", "F33.9");
    assertThat(procedure.getPerformedPeriod().getStartElement().getValueAsString()).isEqualTo("2026-05-04T09:30:00+02:00");

    var administration = only(stored, MedicationAdministration.class);
    assertThat(administration.getDosage().getDose().getValue()).isEqualByComparingTo("39.05");
    assertThat(((Quantity) administration.getDosage().getExtensionByUrl(BASE + "/StructureDefinition/weight-based-dose")
        .getValue()).getValue()).isEqualByComparingTo("0.5");
    assertThat(administration.getPartOfFirstRep().getReference()).isEqualTo(procedure.getIdElement().toUnqualifiedVersionless().getValue());

    var observations = all(stored, Observation.class);
    var vitals = observations.stream().filter(o -> o.getCategoryFirstRep().getCodingFirstRep().getCode().equals("vital-signs")).toList();
    // 9 rows x (HR, BP, SpO2, RR) + 3 temperatures + the body weight used for the dose
    assertThat(vitals).hasSize(9 * 4 + 3 + 1);
    assertThat(vitals).allSatisfy(o -> assertThat(o.getPartOfFirstRep().getReference())
        .isEqualTo(procedure.getIdElement().toUnqualifiedVersionless().getValue()));
    var phases = vitals.stream().map(o -> ((CodeableConcept) o.getExtensionByUrl(BASE + "/StructureDefinition/infusion-phase")
        .getValue()).getCodingFirstRep().getCode()).toList();
    assertThat(phases).contains("baseline", "during-infusion", "recovery");
    var phq9 = observations.stream().filter(o -> o.getCode().getCodingFirstRep().getCode().equals("44261-6")).findFirst().orElseThrow();
    assertThat(phq9.getValueIntegerType().getValue()).isEqualTo(9);
    assertThat(observations).anyMatch(o -> o.getCode().getCodingFirstRep().getCode().equals("44260-8"));

    var event = only(stored, AdverseEvent.class);
    assertThat(event.getEvent().getCodingFirstRep().getCode()).isEqualTo("422587007");
    assertThat(event.getSeriousness().getCodingFirstRep().getCode()).isEqualTo("Non-serious");
    assertThat(event.getSuspectEntityFirstRep().getInstance().getReference())
        .isEqualTo(administration.getIdElement().toUnqualifiedVersionless().getValue());
  }

  @Test
  void aResentRecordUpdatesTheSessionAndNeverDuplicatesIt() throws IOException {
    var record = ownSession(fixture("session-trd-s7.json"));
    var sessionId = record.get("sessionId").asText();
    assertThat(post(record.toString()).statusCode()).isEqualTo(201);
    int first = storedFor(sessionId).size();

    var again = post(record.toString());
    assertThat(again.statusCode()).isEqualTo(200);
    var unchanged = storedFor(sessionId);
    assertThat(unchanged).hasSize(first);
    assertThat(unchanged).allSatisfy(r -> assertThat(r.getMeta().getVersionId()).isEqualTo("1"));

    // The chart is corrected: the last vital row (HR, BP, SpO2, RR and temperature) is removed, the dose changes.
    ((ArrayNode) record.get("vitals")).remove(record.get("vitals").size() - 1);
    record.put("doseMg", 38.0);
    var corrected = post(record.toString());
    assertThat(corrected.statusCode()).isEqualTo(200);
    assertThat(JSON_MAPPER.readTree(corrected.body()).get("removed").asInt()).isEqualTo(5);
    var after = storedFor(sessionId);
    assertThat(after).hasSize(first - 5);
    assertThat(only(after, MedicationAdministration.class).getDosage().getDose().getValue()).isEqualByComparingTo("38.0");
    assertThat(client.search().byUrl("Procedure?identifier=" + SESSION_TAG + "|" + sessionId).returnBundle(Bundle.class)
        .execute().getEntry()).hasSize(1);
  }

  @Test
  void aNewPatientIsCreatedFromTheRecord() throws IOException {
    var record = fixture("session-new-patient.json");
    var mrn = unique("MRN");
    ((ObjectNode) record.get("patient")).put("mrn", mrn);
    record.put("sessionId", unique("RKC"));
    var response = post(record.toString());
    assertThat(response.statusCode()).isEqualTo(201);
    var patients = client.search().byUrl("Patient?identifier=" + BASE + "/fixtures/mrn|" + mrn).returnBundle(Bundle.class).execute();
    assertThat(patients.getEntry()).hasSize(1);
    var patient = (Patient) patients.getEntryFirstRep().getResource();
    assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Abernathy");
    assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1966-01-22");
    assertThat(JSON_MAPPER.readTree(response.body()).get("patient").asText())
        .isEqualTo("Patient/" + patient.getIdElement().getIdPart());
  }

  @Test
  void monitorVitalsJoinASessionThatTheIntakeOpened() throws IOException {
    var record = fixture("session-in-progress.json");
    var mrn = unique("MRN");
    ((ObjectNode) record.get("patient")).put("mrn", mrn);
    record.put("sessionId", unique("RKC"));
    assertThat(post(record.toString()).statusCode()).isEqualTo(201);
    var procedure = only(storedFor(record.get("sessionId").asText()), Procedure.class);
    assertThat(procedure.getStatus()).isEqualTo(Procedure.ProcedureStatus.INPROGRESS);

    var message = String.join("\r",
        "MSH|^~\\&|MONITOR-CHAIR2|RIVERSIDE_INFUSION|INFUSION-FHIR|INFUSION-FHIR|20260504141000+0200||ORU^R01^ORU_R01|"
            + unique("JOIN") + "|P|2.6",
        "PID|1||" + mrn + "^^^CLINIC^MR||Moreno^Daniel||19901103|M",
        "OBR|1||1|182777000^monitoring of patient^SCT|||20260504141000+0200",
        "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|88|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||20260504141000+0200");
    try (var mllp = new MllpClient(listener.port())) {
      assertThat(mllp.send(message).code()).isEqualTo("AA");
    }
    var linked = client.search().byUrl("Observation?part-of=" + procedure.getIdElement().toUnqualifiedVersionless().getValue()
        + "&code=http://loinc.org|8867-4&value-quantity=88").returnBundle(Bundle.class).execute();
    assertThat(linked.getEntry()).hasSize(1);
    var observation = (Observation) linked.getEntryFirstRep().getResource();
    assertThat(((CodeableConcept) observation.getExtensionByUrl(BASE + "/StructureDefinition/infusion-phase").getValue())
        .getCodingFirstRep().getCode()).isEqualTo("during-infusion");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRecords")
  void everyInvalidRecordIsRefusedWithTheJsonPathsAtFaultAndStoresNothing(Path file) throws IOException {
    int proceduresBefore = countOf("Procedure");
    var expected = Files.readAllLines(file.resolveSibling(file.getFileName().toString().replace(".json", ".expected")))
        .stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
    var response = post(Files.readString(file));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    var firstPath = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body()).getIssueFirstRep()
        .getExpression().get(0).getValue();
    var outcome = assertOperationOutcome(response, 400, fieldAt(firstPath));
    var paths = outcome.getIssue().stream().flatMap(i -> i.getExpression().stream()).map(e -> e.getValue()).toList();
    assertThat(paths).as(response.body()).containsAll(expected);
    // Each issue names the field it is about, so that the app's user can find it in the form.
    assertThat(outcome.getIssue()).allSatisfy(i -> assertThat(i.getDiagnostics())
        .containsIgnoringCase(fieldAt(i.getExpression().get(0).getValue())));
    assertThat(countOf("Procedure")).isEqualTo(proceduresBefore);
  }

  @Test
  void anEmptyOrNonObjectBodyIsRefused() {
    assertThat(post("").statusCode()).isEqualTo(400);
    assertThat(post("[1,2]").statusCode()).isEqualTo(400);
  }

  // --- helpers ---------------------------------------------------------------------------------------

  private java.net.http.HttpResponse<String> post(String body) {
    return send("POST", serverRoot() + "/intake/sessions", "application/json", body);
  }

  /** A fixture record as a new session of this class's own patient. */
  private ObjectNode ownSession(ObjectNode record) {
    ((ObjectNode) record.get("patient")).put("mrn", mrn);
    record.put("sessionId", unique("RKC"));
    return record;
  }

  /** The field a JSON path of an issue points at: {@code $.vitals[1].time} is {@code time}; {@code $} the JSON body. */
  private static String fieldAt(String path) {
    return path.equals("$") ? "JSON" : path.substring(path.lastIndexOf('.') + 1).replaceAll("\\[\\d+]$", "");
  }

  private ObjectNode fixture(String name) throws IOException {
    return (ObjectNode) JSON_MAPPER.readTree(INTAKE.resolve(name).toFile());
  }

  private List<Resource> storedFor(String sessionId) {
    var resources = new ArrayList<Resource>();
    for (var type : List.of("Encounter", "Procedure", "MedicationAdministration", "Observation", "AdverseEvent")) {
      var bundle = client.search().byUrl(type + "?_tag=" + SESSION_TAG + "|" + sessionId + "&_count=200")
          .returnBundle(Bundle.class).execute();
      bundle.getEntry().forEach(e -> resources.add(e.getResource()));
    }
    return resources;
  }

  private static <T extends Resource> List<T> all(List<Resource> resources, Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T extends Resource> T only(List<Resource> resources, Class<T> type) {
    var matching = all(resources, type);
    assertThat(matching).hasSize(1);
    return matching.get(0);
  }

}
