package org.infusionfhir.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;

/** Bedside-monitor ORU^R01 over a real MLLP socket and over HTTP, read back through the FHIR API. */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Hl7v2AdapterTest extends FhirServerTestBase {

  static final String OBX_SYSTEM = "http://infusion-fhir.org/fhir/sid/hl7v2-obx";
  static final String MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";
  static final String PHASE = "http://infusion-fhir.org/fhir/StructureDefinition/infusion-phase";
  static final DateTimeFormatter HL7_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmssxx");

  /** PID-3 of the fixture messages: the demo patient of the depression course. */
  static final String DEMO_MRN = "MRN-20481";

  @Autowired MllpListener listener;

  /** This class's own patient, whom the fixture messages are about once {@link #ownPatients} has read them. */
  String mrn;
  String patientId;

  @BeforeAll
  void ownPatientExists() {
    // Not the demo patient: the exchange tests count her records, and must not see this class's vitals.
    connectClient();
    mrn = unique("MRN");
    var patient = new Patient().addIdentifier(new org.hl7.fhir.r4.model.Identifier().setSystem(MRN_SYSTEM).setValue(mrn));
    patient.addName().setFamily("Lindqvist").addGiven("Hanna");
    patientId = client.create().resource(patient).execute().getId().getIdPart();
  }

  /** A fixture message, with this class's own patient in PID-3 where the demo patient was. */
  private String ownPatients(java.nio.file.Path file) {
    return Hl7v2Messages.read(file).replace(DEMO_MRN + "^", mrn + "^");
  }

  static List<java.nio.file.Path> validMessages() {
    return Hl7v2Messages.valid();
  }

  static List<Hl7v2Messages.Invalid> invalidMessages() {
    return Hl7v2Messages.invalid();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validMessages")
  void everyValidFixtureIsAcknowledgedAfterItsObservationsAreStored(java.nio.file.Path file) {
    var message = ownPatients(file);
    try (var mllp = new MllpClient(listener.port())) {
      var ack = mllp.send(message);
      assertThat(ack.code()).as(ack.text()).isEqualTo("AA");
      assertThat(ack.field("MSA", 2)).isEqualTo(Hl7v2Messages.field(message, "MSH", 10));
      assertThat(ack.field("MSH", 9)).startsWith("ACK");
      assertThat(ack.field("MSH", 5)).isEqualTo(Hl7v2Messages.field(message, "MSH", 3));
    }
    var stored = observationsOf(message);
    assertThat(stored).isNotEmpty();
    for (var observation : stored) {
      assertThat(observation.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("vital-signs");
      assertThat(observation.getSubject().getReference()).startsWith("Patient/");
      assertThat(observation.getDevice().getReference()).startsWith("Device/monitor-");
      assertConformsToItsProfile(observation);
    }
  }

  @Test
  void aFullPcd01PanelBecomesVitalSignsABloodPressurePanelADeviceAndAProvenance() {
    var message = Hl7v2Messages.withControlId(ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v26-full-panel.hl7")),
        unique("PANEL"));
    try (var mllp = new MllpClient(listener.port())) {
      assertThat(mllp.send(message).code()).isEqualTo("AA");
    }
    var stored = observationsOf(message);
    // HR, SpO2, pulse rate, RR, temperature and one BP panel; the device row, NIBP header and pleth are skipped.
    assertThat(stored).hasSize(6);
    var patient = client.search().byUrl("Patient?identifier=" + MRN_SYSTEM + "|" + mrn).returnBundle(Bundle.class)
        .execute();
    assertThat(patient.getEntry()).hasSize(1);
    assertThat(stored).allSatisfy(o -> assertThat(o.getSubject().getReference()).isEqualTo("Patient/" + patientId));

    var heartRate = byLoinc(stored, "8867-4", "147842");
    assertThat(heartRate.getValueQuantity().getValue()).isEqualByComparingTo("78");
    assertThat(heartRate.getValueQuantity().getCode()).isEqualTo("/min");
    assertThat(heartRate.getEffectiveDateTimeType().getValueAsString()).isEqualTo("2026-05-04T09:40:00+02:00");
    assertThat(heartRate.getCode().getCoding()).extracting(Coding::getSystem)
        .contains("http://loinc.org", "urn:iso:std:iso:11073:10101");
    var pulse = byLoinc(stored, "8867-4", "149530");
    assertThat(pulse.getValueQuantity().getValue()).isEqualByComparingTo("77");

    var spo2 = byLoinc(stored, "2708-6", null);
    assertThat(spo2.getCode().getCoding()).extracting(Coding::getCode).contains("2708-6", "59408-5");
    assertThat(spo2.getValueQuantity().getCode()).isEqualTo("%");
    assertThat(byLoinc(stored, "8310-5", null).getValueQuantity().getCode()).isEqualTo("Cel");
    assertThat(byLoinc(stored, "9279-1", null).getValueQuantity().getValue()).isEqualByComparingTo("14");

    var bp = byLoinc(stored, "85354-9", null);
    assertThat(bp.getComponent()).hasSize(3);
    assertThat(bp.getComponent()).extracting(c -> c.getCode().getCodingFirstRep().getCode() + "="
        + c.getValueQuantity().getValue().toPlainString() + " " + c.getValueQuantity().getCode())
        .containsExactly("8480-6=128 mm[Hg]", "8462-4=82 mm[Hg]", "8478-0=97 mm[Hg]");

    var device = client.read().resource(Device.class).withUrl(heartRate.getDevice().getReference()).execute();
    assertThat(device.getIdentifierFirstRep().getValue()).isEqualTo("0123456789ABCDEF");
    assertThat(device.getType().getCodingFirstRep().getCode()).isEqualTo("69965");

    var provenance = client.search().byUrl("Provenance?target=" + heartRate.getIdElement().toUnqualifiedVersionless().getValue())
        .returnBundle(Bundle.class).execute();
    assertThat(provenance.getEntry()).hasSize(1);
    var source = ((Provenance) provenance.getEntryFirstRep().getResource()).getEntityFirstRep().getWhat();
    assertThat(source.getIdentifier().getValue()).endsWith(Hl7v2Messages.field(message, "MSH", 10));
    assertThat(((Provenance) provenance.getEntryFirstRep().getResource()).getTarget()).hasSize(6);
    // ACK control ids come from UUIDs, not from HAPI's counter file in the working directory.
    assertThat(java.nio.file.Path.of("id_file")).doesNotExist();
  }

  @Test
  void theObservationTimeFallsBackToObr7() {
    var message = Hl7v2Messages.withControlId(ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v24-obr-time-only.hl7")),
        unique("OBR7"));
    try (var mllp = new MllpClient(listener.port())) {
      assertThat(mllp.send(message).code()).isEqualTo("AA");
    }
    var obr7 = Hl7v2Messages.field(message, "OBR", 7);
    var expected = OffsetDateTime.parse(obr7, HL7_TIME);
    assertThat(observationsOf(message)).isNotEmpty().allSatisfy(o ->
        assertThat(o.getEffectiveDateTimeType().getValue().toInstant()).isEqualTo(expected.toInstant()));
  }

  @Test
  void anUnknownPatientIsCreatedFromPid() {
    var mrn = unique("MRN");
    var message = monitorMessage(unique("NEWPAT"), mrn, OffsetDateTime.now(ZoneOffset.UTC),
        "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|64|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F");
    try (var mllp = new MllpClient(listener.port())) {
      assertThat(mllp.send(message).code()).isEqualTo("AA");
    }
    var found = client.search().byUrl("Patient?identifier=" + MRN_SYSTEM + "|" + mrn).returnBundle(Bundle.class).execute();
    assertThat(found.getEntry()).hasSize(1);
    var patient = (Patient) found.getEntryFirstRep().getResource();
    assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Okafor");
    assertThat(patient.getNameFirstRep().getGivenAsSingleString()).isEqualTo("Chidi");
    assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1979-03-12");
    assertThat(patient.getGender().toCode()).isEqualTo("male");
  }

  @Test
  void aResentMessageIsAcknowledgedWithoutDuplicates() {
    var message = Hl7v2Messages.withControlId(ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v25-hr-spo2.hl7")),
        unique("RESEND"));
    try (var mllp = new MllpClient(listener.port())) {
      var first = mllp.send(message);
      var again = mllp.send(message);
      assertThat(first.code()).isEqualTo("AA");
      assertThat(again.code()).isEqualTo("AA");
      assertThat(again.field("MSA", 2)).isEqualTo(first.field("MSA", 2));
    }
    var stored = observationsOf(message);
    assertThat(stored).hasSize(2);
    assertThat(stored).allSatisfy(o -> assertThat(o.getMeta().getVersionId()).isEqualTo("1"));
    assertThat(send("POST", serverRoot() + "/hl7v2", "x-application/hl7-v2+er7", message).statusCode()).isEqualTo(200);
    assertThat(observationsOf(message)).hasSize(2);
  }

  @Test
  void aControlIdReusedForOtherContentIsANewMessageAndStoredWithItsOwnIdentifiers() {
    var controlId = unique("REUSED");
    var before = Hl7v2Messages.withControlId(ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v25-hr-spo2.hl7")),
        controlId);
    // The monitor restarted and numbers its messages from the start again: same MSH-10, new readings.
    var after = before.replace("|81|264864^", "|93|264864^");
    try (var mllp = new MllpClient(listener.port())) {
      assertThat(mllp.send(before).code()).isEqualTo("AA");
      assertThat(mllp.send(after).code()).isEqualTo("AA");
      assertThat(mllp.send(after).code()).as("a resend of the second").isEqualTo("AA");
    }
    assertThat(observationsOf(before)).hasSize(2)
        .anySatisfy(o -> assertThat(o.getValueQuantity().getValue().intValue()).isEqualTo(81));
    var heartRates = client.search().byUrl("Observation?subject:Patient.identifier=" + MRN_SYSTEM + "|" + mrn
        + "&code=http://loinc.org|8867-4&_count=200").returnBundle(Bundle.class).execute().getEntry().stream()
        .map(e -> (Observation) e.getResource())
        .filter(o -> o.getIdentifierFirstRep().getValue().contains(controlId)).toList();
    assertThat(heartRates).extracting(o -> o.getValueQuantity().getValue().intValue())
        .containsExactlyInAnyOrder(81, 93);
  }

  @Test
  void copiesOfOneMessageOnSeveralConnectionsAtOnceAreStoredOnceAndAllGetAa() throws Exception {
    var message = Hl7v2Messages.withControlId(ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v25-hr-spo2.hl7")),
        unique("COPIES"));
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      var start = new java.util.concurrent.CountDownLatch(1);
      var codes = new ArrayList<java.util.concurrent.Future<String>>();
      for (int i = 0; i < 4; i++) {
        codes.add(pool.submit(() -> {
          try (var mllp = new MllpClient(listener.port())) {
            start.await();
            return mllp.send(message).code();
          }
        }));
      }
      start.countDown();
      for (var code : codes) {
        assertThat(code.get()).isEqualTo("AA");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(observationsOf(message)).hasSize(2)
        .allSatisfy(o -> assertThat(o.getMeta().getVersionId()).isEqualTo("1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidMessages")
  void everyInvalidFixtureGetsItsAckAndStoresNothing(Hl7v2Messages.Invalid invalid) {
    int observationsBefore = countOf("Observation");
    int patientsBefore = countOf("Patient");
    var message = ownPatients(invalid.file());
    try (var mllp = new MllpClient(listener.port())) {
      var ack = mllp.send(message);
      assertThat(ack.code()).as(ack.text()).isEqualTo(invalid.ackCode());
      assertThat(ack.field("MSA", 2)).isEqualTo(Hl7v2Messages.field(message, "MSH", 10));
      var err = ack.field("ERR", 2);
      if (invalid.location().isEmpty()) {
        assertThat(err).as(ack.text()).doesNotContain("OBX", "PID");
      } else {
        assertThat(err + "^").as(ack.text()).startsWith(invalid.location() + "^");
      }
      assertThat(ack.field("ERR", 3)).as(ack.text()).startsWith(invalid.errorCode() + "^");
      assertThat(ack.field("ERR", 4)).isEqualTo("E");
      // The connection stays usable after a refusal.
      var next = mllp.send(Hl7v2Messages.withControlId(ownPatients(
          Hl7v2Messages.VALID.resolve("pcd01-v25-hr-spo2.hl7")), unique("AFTER")));
      assertThat(next.code()).isEqualTo("AA");
    }
    assertThat(countOf("Observation")).isEqualTo(observationsBefore + 2);
    assertThat(countOf("Patient")).isEqualTo(patientsBefore);
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class LinkingToTheInfusionInProgress {

    @Test
    void observationsArePartOfTheSessionInProgressWithTheirPhase() {
      var mrn = unique("MRN");
      var start = OffsetDateTime.now(ZoneOffset.ofHours(1)).withNano(0).minusMinutes(30);
      var patient = new Patient().addIdentifier(new org.hl7.fhir.r4.model.Identifier().setSystem(MRN_SYSTEM).setValue(mrn));
      var patientId = client.create().resource(patient).execute().getId().toUnqualifiedVersionless();
      var encounter = new org.hl7.fhir.r4.model.Encounter().setStatus(org.hl7.fhir.r4.model.Encounter.EncounterStatus.INPROGRESS)
          .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"))
          .setSubject(new Reference(patientId.getValue()));
      var encounterId = client.create().resource(encounter).execute().getId().toUnqualifiedVersionless();
      var procedure = new Procedure().setStatus(Procedure.ProcedureStatus.INPROGRESS)
          .setCode(new CodeableConcept(new Coding("http://snomed.info/sct", "14152002", "Intravenous infusion")))
          .setSubject(new Reference(patientId.getValue()))
          .setEncounter(new Reference(encounterId.getValue()))
          .setPerformed(new Period().setStart(java.util.Date.from(start.toInstant())));
      var procedureId = client.create().resource(procedure).execute().getId().toUnqualifiedVersionless();

      var baseline = monitorMessage(unique("LINK"), mrn, start.minusMinutes(10), heartRate(70));
      var during = monitorMessage(unique("LINK"), mrn, start.plusMinutes(5), heartRate(82));
      var unrelated = monitorMessage(unique("LINK"), mrn, start.minusHours(3), heartRate(66));
      try (var mllp = new MllpClient(listener.port())) {
        assertThat(mllp.send(baseline).code()).isEqualTo("AA");
        assertThat(mllp.send(during).code()).isEqualTo("AA");
        assertThat(mllp.send(unrelated).code()).isEqualTo("AA");
        // The infusion ends; monitoring goes on while the session is still in progress.
        var ended = client.read().resource(Procedure.class).withId(procedureId).execute();
        ended.getPerformedPeriod().setEnd(java.util.Date.from(start.plusMinutes(40).toInstant()));
        client.update().resource(ended).execute();
        var recovery = monitorMessage(unique("LINK"), mrn, start.plusMinutes(55), heartRate(74));
        assertThat(mllp.send(recovery).code()).isEqualTo("AA");
        assertThat(phaseOf(single(recovery), procedureId.getValue())).isEqualTo("recovery");
      }
      assertThat(phaseOf(single(baseline), procedureId.getValue())).isEqualTo("baseline");
      assertThat(phaseOf(single(during), procedureId.getValue())).isEqualTo("during-infusion");
      assertThat(single(during).getEncounter().getReference()).isEqualTo(encounterId.getValue());
      var notLinked = single(unrelated);
      assertThat(notLinked.getPartOf()).isEmpty();
      assertThat(notLinked.getExtensionByUrl(PHASE)).isNull();

      var searched = client.search().byUrl("Observation?part-of=" + procedureId.getValue() + "&_summary=count")
          .returnBundle(Bundle.class).execute();
      assertThat(searched.getTotal()).isEqualTo(3);
    }

    private String phaseOf(Observation observation, String procedure) {
      assertThat(observation.getPartOf()).extracting(Reference::getReference).containsExactly(procedure);
      return ((CodeableConcept) observation.getExtensionByUrl(PHASE).getValue()).getCodingFirstRep().getCode();
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OverHttp {

    @Test
    void aMessagePostedAsEr7IsAnsweredWithItsAck() {
      var message = Hl7v2Messages.withControlId(ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v26-fahrenheit.hl7")),
          unique("HTTP"));
      var response = send("POST", serverRoot() + "/hl7v2", "x-application/hl7-v2+er7", message);
      assertThat(response.statusCode()).isEqualTo(200);
      var ack = new MllpClient.Ack(response.body());
      assertThat(ack.code()).isEqualTo("AA");
      assertThat(ack.field("MSA", 2)).isEqualTo(Hl7v2Messages.field(message, "MSH", 10));
      var temperature = byLoinc(observationsOf(message), "8310-5", null);
      assertThat(temperature.getValueQuantity().getCode()).isEqualTo("[degF]");
      assertThat(temperature.getValueQuantity().getValue()).isEqualByComparingTo(new BigDecimal("98.6"));
    }

    @Test
    void theBodyIsReadAsSentWhateverTheContentType() {
      // curl's default Content-Type is form-urlencoded; '&' (MSH-2) and '+' (time offsets) must survive it.
      var message = Hl7v2Messages.withControlId(ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v26-full-panel.hl7")),
          unique("FORM"));
      var response = send("POST", serverRoot() + "/hl7v2", "application/x-www-form-urlencoded", message);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var heartRate = byLoinc(observationsOf(message), "8867-4", "147842");
      assertThat(heartRate.getEffectiveDateTimeType().getValueAsString()).isEqualTo("2026-05-04T09:40:00+02:00");
    }

    @Test
    void contentErrorsAre422AndUnparsableInputIs400WithTheAck() {
      var nonNumeric = send("POST", serverRoot() + "/hl7v2", "text/plain",
          ownPatients(Hl7v2Messages.INVALID.resolve("non-numeric-value.hl7")));
      assertThat(nonNumeric.statusCode()).isEqualTo(422);
      assertThat(new MllpClient.Ack(nonNumeric.body()).code()).isEqualTo("AE");
      var garbage = send("POST", serverRoot() + "/hl7v2", "text/plain", "<html>not hl7</html>");
      assertThat(garbage.statusCode()).isEqualTo(400);
      assertThat(new MllpClient.Ack(garbage.body()).code()).isEqualTo("AR");
      var oversized = send("POST", serverRoot() + "/hl7v2", "text/plain",
          ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v25-hr-spo2.hl7")) + "\rNTE|1||" + "x".repeat(70_000));
      assertThat(oversized.statusCode()).isEqualTo(400);
      assertThat(new MllpClient.Ack(oversized.body()).field("ERR", 8) + oversized.body()).contains("limit");
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ARobustListener {

    @Test
    void bytesOutsideAFrameAreDroppedAndTheConnectionGoesOn() {
      try (var mllp = new MllpClient(listener.port())) {
        mllp.writeRaw("GET / HTTP/1.1\r\n\r\n\u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1));
        var ack = mllp.send(fresh("NOISE"));
        assertThat(ack.code()).isEqualTo("AA");
      }
    }

    @Test
    void garbageInsideAFrameIsRejectedAndTheConnectionGoesOn() {
      try (var mllp = new MllpClient(listener.port())) {
        assertThat(mllp.send("\u0001\u0002 this is not HL7 at all").code()).isEqualTo("AR");
        assertThat(mllp.send(fresh("AFTERGARBAGE")).code()).isEqualTo("AA");
      }
    }

    @Test
    void anOversizedFrameIsRejectedAndTheConnectionGoesOn() {
      try (var mllp = new MllpClient(listener.port())) {
        var huge = fresh("HUGE") + "\rNTE|1||" + "y".repeat(200_000);
        var ack = mllp.send(huge);
        assertThat(ack.code()).isEqualTo("AR");
        assertThat(ack.text()).contains("limit");
        assertThat(mllp.send(fresh("AFTERHUGE")).code()).isEqualTo("AA");
      }
    }

    @Test
    void anUnfinishedFrameIsClosedAfterTheFrameTimeoutWithoutHoldingUpOthers() {
      try (var stalled = new MllpClient(listener.port()); var other = new MllpClient(listener.port())) {
        stalled.writeRaw(new byte[] {MllpClient.START, 'M', 'S', 'H', '|'});
        assertThat(other.send(fresh("WHILESTALLED")).code()).isEqualTo("AA");
        // infusion.hl7v2.mllp.frame-timeout is 2 s in tests; the client's read timeout is 60 s.
        assertThat(stalled.closedByServer()).isTrue();
        assertThat(other.send(fresh("STILLOPEN")).code()).isEqualTo("AA");
      }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() {
      try (var idle = new MllpClient(listener.port())) {
        assertThat(idle.send(fresh("BEFOREIDLE")).code()).isEqualTo("AA");
        // infusion.hl7v2.mllp.idle-timeout is 5 s in tests; the client's read timeout is 60 s.
        assertThat(idle.closedByServer()).isTrue();
      }
    }

    @Test
    void theSameMessageArrivingOnSeveralConnectionsAtOnceIsStoredOnce() throws Exception {
      var message = fresh("RACE");
      var pool = Executors.newFixedThreadPool(4);
      try {
        var results = new ArrayList<Future<String>>();
        for (int c = 0; c < 4; c++) {
          results.add(pool.submit(() -> {
            try (var mllp = new MllpClient(listener.port())) {
              return mllp.send(message).code();
            }
          }));
        }
        for (var result : results) {
          assertThat(result.get(2, TimeUnit.MINUTES)).isEqualTo("AA");
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(observationsOf(message)).hasSize(2);
    }

    @Test
    void manyConcurrentConnectionsEachSendManyMessages() throws Exception {
      int connections = 12;
      int perConnection = 5;
      var pool = Executors.newFixedThreadPool(connections);
      try {
        var results = new ArrayList<Future<List<String>>>();
        for (int c = 0; c < connections; c++) {
          Callable<List<String>> sender = () -> {
            var codes = new ArrayList<String>();
            try (var mllp = new MllpClient(listener.port())) {
              for (int m = 0; m < perConnection; m++) {
                codes.add(mllp.send(fresh("CONC")).code());
              }
            }
            return codes;
          };
          results.add(pool.submit(sender));
        }
        for (var result : results) {
          assertThat(result.get(2, TimeUnit.MINUTES)).containsOnly("AA").hasSize(perConnection);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  // --- helpers ---------------------------------------------------------------------------------------

  private String fresh(String prefix) {
    return Hl7v2Messages.withControlId(ownPatients(Hl7v2Messages.VALID.resolve("pcd01-v25-hr-spo2.hl7")),
        unique(prefix));
  }

  private static String heartRate(int value) {
    return Hl7v2Messages.heartRate(value);
  }

  private static String monitorMessage(String controlId, String mrn, OffsetDateTime time, String... obx) {
    return Hl7v2Messages.monitorMessage(controlId, mrn, time, obx);
  }

  private List<Observation> observationsOf(String message) {
    var sender = String.join("^", component(Hl7v2Messages.field(message, "MSH", 3), 0),
        component(Hl7v2Messages.field(message, "MSH", 3), 1), component(Hl7v2Messages.field(message, "MSH", 4), 0));
    var controlId = Hl7v2Messages.field(message, "MSH", 10);
    var observations = new ArrayList<Observation>();
    for (int obx = 1; obx <= 30; obx++) {
      var value = URLEncoder.encode(sender + "^" + controlId + "^" + obx, StandardCharsets.UTF_8);
      var found = client.search().byUrl("Observation?identifier=" + OBX_SYSTEM + "|" + value)
          .returnBundle(Bundle.class).execute();
      found.getEntry().forEach(e -> observations.add((Observation) e.getResource()));
    }
    return observations;
  }

  private Observation single(String message) {
    var stored = observationsOf(message);
    assertThat(stored).hasSize(1);
    return stored.get(0);
  }

  private static String component(String field, int index) {
    var parts = field.split("\\^", -1);
    return index < parts.length ? parts[index] : "";
  }

  private static Observation byLoinc(List<Observation> observations, String loinc, String mdc) {
    return observations.stream()
        .filter(o -> o.getCode().getCoding().stream().anyMatch(c -> c.getCode().equals(loinc)))
        .filter(o -> mdc == null || o.getCode().getCoding().stream().anyMatch(c -> c.getCode().equals(mdc)))
        .findFirst().orElseThrow(() -> new AssertionError("no Observation coded " + loinc + " / " + mdc));
  }

}
