package org.infusionfhir.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.infusionfhir.hl7v2.MllpListener;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The safety monitor on a running server: readings sent as HL7 v2 over a real MLLP socket, as plain FHIR writes
 * and through the JSON intake become DetectedIssue alerts, one per episode, delivered to a rest-hook receiver on
 * loopback; item 9 raises a Flag; a clinician acknowledges with a practitioner token; alerts left open are
 * escalated; a completed infusion gets its discharge check.
 */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SafetyMonitorTest extends FhirServerTestBase {

  static final String MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";
  static final Duration PATIENCE = Duration.ofSeconds(20);

  @Autowired MllpListener listener;
  @Autowired AlertEscalation escalation;
  @Autowired MeterRegistry meters;

  private HttpServer receiver;
  private final List<String> delivered = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      delivered.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterAll
  void stopReceiver() {
    receiver.stop(0);
  }

  /** A patient of this test with an infusion that started {@code minutesAgo} and is in progress. */
  record Chair(String mrn, String patient, String infusion, OffsetDateTime start) {}

  Chair chair(int minutesAgo) {
    var mrn = unique("MRN");
    var patient = client.create().resource(new Patient().addIdentifier(new Identifier().setSystem(MRN_SYSTEM).setValue(mrn)))
        .execute().getId().toUnqualifiedVersionless().getValue();
    var start = OffsetDateTime.now(ZoneOffset.ofHours(1)).withNano(0).minusMinutes(minutesAgo);
    var procedure = new Procedure().setStatus(Procedure.ProcedureStatus.INPROGRESS)
        .setCode(new CodeableConcept(new Coding("http://snomed.info/sct", "14152002", "Intravenous infusion")))
        .setSubject(new Reference(patient)).setPerformed(new Period().setStart(Date.from(start.toInstant())));
    var infusion = client.create().resource(procedure).execute().getId().toUnqualifiedVersionless().getValue();
    return new Chair(mrn, patient, infusion, start);
  }

  List<DetectedIssue> alerts(String patient, String rule) {
    return client.search().byUrl("DetectedIssue?patient=" + patient + "&code=" + Alerts.RULE_SYSTEM + "|" + rule
            + "&_sort=identified")
        .returnBundle(Bundle.class).execute().getEntry().stream()
        .map(e -> (DetectedIssue) e.getResource()).toList();
  }

  List<String> implicated(DetectedIssue alert) {
    return alert.getImplicated().stream().map(Reference::getReference).toList();
  }

  String sendOverMllp(Chair chair, OffsetDateTime time, String... obx) {
    var message = Hl7v2Messages.monitorMessage(unique("SAFETY"), chair.mrn(), time, obx);
    try (var mllp = new MllpClient(listener.port())) {
      var ack = mllp.send(message);
      assertThat(ack.code()).as(ack.text()).isEqualTo("AA");
    }
    return message;
  }

  /** The id of the one Observation of {@code chair}'s patient with {@code code} taken at {@code time}. */
  String observationAt(Chair chair, String code, OffsetDateTime time) {
    var bundle = client.search().byUrl("Observation?subject=" + chair.patient() + "&code=http://loinc.org|" + code
        + "&date=" + time.toInstant().toString().replace("Z", "%2B00:00")).returnBundle(Bundle.class).execute();
    assertThat(bundle.getEntry()).hasSize(1);
    return bundle.getEntryFirstRep().getResource().getIdElement().toUnqualifiedVersionless().getValue();
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OneAlertPerEpisodeOverMllp {

    @Test
    void aReadingBeyondALimitGivesExactlyOneAlertPointingToTheReadingAndItsInfusion() {
      var chair = chair(20);
      var time = chair.start().plusMinutes(15);
      sendOverMllp(chair, time, Hl7v2Messages.bloodPressure(186, 95));
      var reading = observationAt(chair, "85354-9", time);

      await().atMost(PATIENCE).until(() -> alerts(chair.patient(), "systolic-high").size() == 1);
      var alert = alerts(chair.patient(), "systolic-high").get(0);
      assertThat(implicated(alert)).containsExactly(reading);
      assertThat(((Reference) alert.getExtensionByUrl(Alerts.INFUSION_EXTENSION).getValue()).getReference())
          .isEqualTo(chair.infusion());
      assertThat(alert.getSeverity()).isEqualTo(DetectedIssue.DetectedIssueSeverity.HIGH);
      assertThat(alert.getDetail()).contains("186 mm[Hg]").contains(">= 180 mm[Hg]");
      assertThat(alert.getMeta().getProfile()).extracting(p -> p.getValue()).containsExactly(Alerts.ALERT_PROFILE);
      assertThat(alert.hasIdentifiedDateTimeType()).isTrue();
      assertConformsToItsProfile(alert);
      // 95 mm[Hg] diastolic is within its limit: the same reading raises nothing else.
      assertThat(client.search().byUrl("DetectedIssue?patient=" + chair.patient()).returnBundle(Bundle.class)
          .execute().getEntry()).hasSize(1);
      assertThat(ids("DetectedIssue?patient=" + chair.patient() + "&alert-state=open"))
          .containsExactly(alert.getIdElement().getIdPart());
    }

    @Test
    void aSecondCrossingJoinsTheAlertAndACrossingAfterAReturnToNormalOpensASecond() {
      var chair = chair(30);
      var first = chair.start().plusMinutes(5);
      sendOverMllp(chair, first, Hl7v2Messages.bloodPressure(184, 100));
      await().atMost(PATIENCE).until(() -> alerts(chair.patient(), "systolic-high").size() == 1);
      var second = chair.start().plusMinutes(10);
      sendOverMllp(chair, second, Hl7v2Messages.bloodPressure(190, 102));
      await().atMost(PATIENCE).until(() -> implicated(alerts(chair.patient(), "systolic-high").get(0)).size() == 2);
      assertThat(implicated(alerts(chair.patient(), "systolic-high").get(0)))
          .containsExactly(observationAt(chair, "85354-9", first), observationAt(chair, "85354-9", second));

      sendOverMllp(chair, chair.start().plusMinutes(15), Hl7v2Messages.bloodPressure(150, 90));
      var third = chair.start().plusMinutes(20);
      sendOverMllp(chair, third, Hl7v2Messages.bloodPressure(182, 96));
      await().atMost(PATIENCE).until(() -> alerts(chair.patient(), "systolic-high").size() == 2);
      var alerts = alerts(chair.patient(), "systolic-high");
      assertThat(implicated(alerts.get(0))).hasSize(2);
      assertThat(implicated(alerts.get(1))).containsExactly(observationAt(chair, "85354-9", third));
    }

    @Test
    void readingsOfOneEpisodeSentOnManyConnectionsAtOnceOpenOneAlert() throws Exception {
      var chair = chair(30);
      var threads = new java.util.ArrayList<Thread>();
      for (int i = 0; i < 6; i++) {
        var time = chair.start().plusMinutes(5).plusSeconds(10L * i);
        int systolic = 181 + i;
        var thread = new Thread(() -> sendOverMllp(chair, time, Hl7v2Messages.bloodPressure(systolic, 90)));
        thread.start();
        threads.add(thread);
      }
      for (var thread : threads) {
        thread.join();
      }
      await().atMost(PATIENCE).until(() -> !alerts(chair.patient(), "systolic-high").isEmpty()
          && implicated(alerts(chair.patient(), "systolic-high").get(0)).size() == 6);
      assertThat(alerts(chair.patient(), "systolic-high")).hasSize(1);
    }
  }

  @Test
  void aRestHookSubscriptionOnDetectedIssueReceivesTheAlert() {
    var chair = chair(20);
    var subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("safety alerts to the paging system").setCriteria("DetectedIssue?patient=" + chair.patient());
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint("http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts").setPayload("application/fhir+json");
    var id = client.create().resource(subscription).execute().getId().getIdPart();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        var status = FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Parameters.class,
            get("/Subscription/" + id + "/$delivery-status").body());
        return "active".equals(status.getParameterValue("subscriptionStatus").primitiveValue())
            && status.getParameterBool("matching");
      });
      sendOverMllp(chair, chair.start().plusMinutes(10), Hl7v2Messages.bloodPressure(120, 115));
      await().atMost(PATIENCE).until(() -> alerts(chair.patient(), "diastolic-high").size() == 1);
      var alert = alerts(chair.patient(), "diastolic-high").get(0).getIdElement().getIdPart();
      await().atMost(PATIENCE).until(() -> delivered.stream().anyMatch(body -> body.contains("\"DetectedIssue\"")
          && body.contains(alert)));
    } finally {
      client.delete().resourceById("Subscription", id).execute();
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class PlainFhirWrites {

    @Test
    void heartRateNeedsTwoConsecutiveReadingsWrittenOverRest() {
      var chair = chair(20);
      var first = vital(chair, "8867-4", "Heart rate", 134, "/min", chair.start().plusMinutes(10));
      var normal = vital(chair, "8867-4", "Heart rate", 90, "/min", chair.start().plusMinutes(11));
      var again = vital(chair, "8867-4", "Heart rate", 136, "/min", chair.start().plusMinutes(12));
      var fourth = vital(chair, "8867-4", "Heart rate", 138, "/min", chair.start().plusMinutes(13));
      await().atMost(PATIENCE).until(() -> alerts(chair.patient(), "heart-rate-high").size() == 1);
      // The first crossing was followed by a normal reading: only the last two are consecutive.
      assertThat(implicated(alerts(chair.patient(), "heart-rate-high").get(0))).containsExactly(fourth, again);
      assertThat(List.of(first, normal)).isNotEmpty();
    }

    @Test
    void lowSaturationMustLast30Seconds() {
      var chair = chair(20);
      vital(chair, "2708-6", "Oxygen saturation", 88, "%", chair.start().plusMinutes(10));
      var later = vital(chair, "2708-6", "Oxygen saturation", 87, "%", chair.start().plusMinutes(10).plusSeconds(10));
      var lasting = vital(chair, "2708-6", "Oxygen saturation", 86, "%", chair.start().plusMinutes(10).plusSeconds(35));
      await().atMost(PATIENCE).until(() -> alerts(chair.patient(), "spo2-low").size() == 1);
      var alert = alerts(chair.patient(), "spo2-low").get(0);
      assertThat(implicated(alert)).hasSize(3).startsWith(lasting, later);
      assertThat(alert.getDetail()).contains("86 %").contains("30 s");
    }

    @Test
    void aReadingOutsideAnyInfusionRaisesNoVitalSignAlertButItem9Does() {
      var mrn = unique("MRN");
      var patient = client.create().resource(new Patient().addIdentifier(new Identifier().setSystem(MRN_SYSTEM).setValue(mrn)))
          .execute().getId().toUnqualifiedVersionless().getValue();
      var chair = new Chair(mrn, patient, null, OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5));
      vital(chair, "8480-6", "Systolic blood pressure", 200, "mm[Hg]", chair.start());
      var item9 = score(chair, "44260-8", 1, chair.start().plusMinutes(1));
      await().atMost(PATIENCE).until(() -> alerts(patient, Alerts.ITEM9_RULE).size() == 1);
      assertThat(implicated(alerts(patient, Alerts.ITEM9_RULE).get(0))).containsExactly(item9);
      assertThat(alerts(patient, "systolic-high")).isEmpty();
    }
  }

  @Test
  void item9AboveZeroFromTheIntakeRaisesAnAlertAndAFlagUntilAClinicianClosesIt() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var record = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(
        java.nio.file.Files.readString(org.infusionfhir.support.Fixtures.ROOT.resolve("intake/session-in-progress.json")));
    var mrn = unique("MRN");
    ((com.fasterxml.jackson.databind.node.ObjectNode) record.get("patient")).put("mrn", mrn);
    record.put("sessionId", unique("RKC"));
    var start = OffsetDateTime.now(ZoneOffset.ofHours(2)).withNano(0).minusMinutes(20);
    record.put("start", start.toString());
    record.remove("vitals");
    var assessment = record.putArray("assessments").addObject();
    assessment.put("instrument", "PHQ-9").put("time", start.minusMinutes(10).toString()).put("score", 16).put("item9", 2);
    var response = send("POST", serverRoot() + "/intake/sessions", "application/json", mapper.writeValueAsString(record));
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);

    var patient = client.search().byUrl("Patient?identifier=" + MRN_SYSTEM + "|" + mrn).returnBundle(Bundle.class).execute()
        .getEntryFirstRep().getResource().getIdElement().toUnqualifiedVersionless().getValue();
    await().atMost(PATIENCE).until(() -> alerts(patient, Alerts.ITEM9_RULE).size() == 1);
    var alert = alerts(patient, Alerts.ITEM9_RULE).get(0);
    assertThat(alert.getDetail()).contains("2").contains("> 0");
    await().atMost(PATIENCE).until(() -> flags(patient).size() == 1);
    var flag = flags(patient).get(0);
    assertThat(flag.getStatus()).isEqualTo(Flag.FlagStatus.ACTIVE);
    assertThat(flag.getCode().getCodingFirstRep().getSystem()).isEqualTo(Alerts.RULE_SYSTEM);
    assertThat(flag.getCode().getCodingFirstRep().getCode()).isEqualTo(Alerts.ITEM9_RULE);
    assertThat(((Reference) flag.getExtensionByUrl(AlertStore.FLAG_DETAIL).getValue()).getReference())
        .isEqualTo(implicated(alert).get(0));
    assertConformsToItsProfile(flag);

    // A clinician closes it; it stays closed (the monitor raises a new one only for a new item 9 above 0).
    flag.setStatus(Flag.FlagStatus.INACTIVE).getPeriod().setEnd(new Date());
    client.update().resource(flag).execute();
    assertThat(flags(patient).get(0).getStatus()).isEqualTo(Flag.FlagStatus.INACTIVE);
  }

  List<Flag> flags(String patient) {
    return client.search().byUrl("Flag?patient=" + patient).returnBundle(Bundle.class).execute().getEntry().stream()
        .map(e -> (Flag) e.getResource()).toList();
  }

  @Test
  void aClinicianAcknowledgesWithTheirOwnTokenAndRecordsTheReaction() {
    var chair = chair(20);
    sendOverMllp(chair, chair.start().plusMinutes(12), Hl7v2Messages.bloodPressure(195, 100));
    await().atMost(PATIENCE).until(() -> alerts(chair.patient(), "systolic-high").size() == 1);
    var practitioner = client.create().resource(new Practitioner().addName(new org.hl7.fhir.r4.model.HumanName()
        .setFamily("Lee"))).execute().getId().toUnqualifiedVersionless().getValue();
    var token = tokens.sign(tokens.claims("dr.lee", "openid fhirUser user/DetectedIssue.rus user/AdverseEvent.c", null)
        .claim("fhirUser", practitioner).build());
    var clinician = FHIR.newRestfulGenericClient(fhirBase());
    clinician.registerInterceptor(new ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor(token));

    var alert = clinician.read().resource(DetectedIssue.class).withId(alerts(chair.patient(), "systolic-high").get(0)
        .getIdElement().toUnqualifiedVersionless()).execute();
    var reaction = new AdverseEvent().setActuality(AdverseEvent.AdverseEventActuality.ACTUAL)
        .setSubject(new Reference(chair.patient())).setDateElement(DateTimeType.now())
        .setEvent(new CodeableConcept(new Coding("http://snomed.info/sct", "24184005", "Finding of increased blood pressure")));
    reaction.setSeriousness(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
        "Non-serious", "Non-serious")));
    reaction.addSuspectEntity().setInstance(new Reference(chair.infusion()));
    var recorded = clinician.create().resource(reaction).execute().getId().toUnqualifiedVersionless().getValue();
    alert.addMitigation().setDate(new Date()).setAuthor(new Reference(practitioner))
        .getAction().setText("Seen at the chair; infusion paused, blood pressure rechecked in 5 minutes");
    alert.addEvidence().addDetail(new Reference(recorded));
    clinician.update().resource(alert).execute();

    var acknowledged = alerts(chair.patient(), "systolic-high").get(0);
    assertThat(acknowledged.getMitigationFirstRep().getAuthor().getReference()).isEqualTo(practitioner);
    assertThat(ids("DetectedIssue?patient=" + chair.patient() + "&alert-state=open")).isEmpty();
    assertThat(ids("DetectedIssue?patient=" + chair.patient() + "&alert-state=acknowledged"))
        .containsExactly(acknowledged.getIdElement().getIdPart());
    assertConformsToItsProfile(acknowledged);
    // Acknowledged is not ended: a later crossing reading of the same episode still joins it.
    sendOverMllp(chair, chair.start().plusMinutes(17), Hl7v2Messages.bloodPressure(188, 96));
    await().atMost(PATIENCE).until(() -> implicated(alerts(chair.patient(), "systolic-high").get(0)).size() == 2);
    assertThat(alerts(chair.patient(), "systolic-high").get(0).getMitigation()).hasSize(1);
  }

  @Test
  void anAlertLeftOpenPastTheConfiguredTimeIsEscalatedAndDeliveredAgain() {
    var chair = chair(60);
    var stale = new DetectedIssue().setStatus(DetectedIssue.DetectedIssueStatus.FINAL)
        .setSeverity(DetectedIssue.DetectedIssueSeverity.MODERATE).setPatient(new Reference(chair.patient()))
        .setIdentified(new DateTimeType(Date.from(chair.start().plusMinutes(5).toInstant())))
        .setDetail("Heart rate high: 134 /min (limit >= 130 /min).");
    stale.getCode().addCoding(new Coding(Alerts.RULE_SYSTEM, "heart-rate-high", "Heart rate high"));
    var acknowledged = stale.copy();
    var id = client.create().resource(stale).execute().getId().toUnqualifiedVersionless();
    acknowledged.addMitigation().setDate(new Date()).getAction().setText("Seen");
    var ackId = client.create().resource(acknowledged).execute().getId().toUnqualifiedVersionless();

    escalation.escalateDue();
    var escalated = client.read().resource(DetectedIssue.class).withId(id).execute();
    assertThat(escalated.getSeverity()).isEqualTo(DetectedIssue.DetectedIssueSeverity.HIGH);
    assertThat(escalated.getMeta().getTag(AlertEscalation.TAG_SYSTEM, AlertEscalation.TAG_CODE)).isNotNull();
    assertThat(escalated.getIdElement().getVersionIdPart()).isEqualTo("2");
    // Once only, and never an acknowledged alert.
    escalation.escalateDue();
    assertThat(client.read().resource(DetectedIssue.class).withId(id).execute().getIdElement().getVersionIdPart())
        .isEqualTo("2");
    assertThat(client.read().resource(DetectedIssue.class).withId(ackId).execute().getSeverity())
        .isEqualTo(DetectedIssue.DetectedIssueSeverity.MODERATE);
  }

  @Test
  void aDischargeWithAReadingOutOfRangeGivesADischargeAlertAndOneWithinLimitsNone() {
    var out = chair(90);
    var high = vital(out, "8480-6", "Systolic blood pressure", 168, "mm[Hg]", out.start().plusMinutes(80));
    complete(out);
    await().atMost(PATIENCE).until(() -> alerts(out.patient(), Alerts.DISCHARGE_RULE).size() == 1);
    var alert = alerts(out.patient(), Alerts.DISCHARGE_RULE).get(0);
    assertThat(implicated(alert)).containsExactly(high);
    assertThat(alert.getDetail()).contains("168 mm[Hg]").contains(">= 160 mm[Hg]");
    assertThat(((Reference) alert.getExtensionByUrl(Alerts.INFUSION_EXTENSION).getValue()).getReference())
        .isEqualTo(out.infusion());
    assertConformsToItsProfile(alert);

    var within = chair(90);
    vital(within, "8480-6", "Systolic blood pressure", 128, "mm[Hg]", within.start().plusMinutes(80));
    double before = dischargeChecks("within-limits");
    complete(within);
    await().atMost(PATIENCE).until(() -> dischargeChecks("within-limits") > before);
    assertThat(alerts(within.patient(), Alerts.DISCHARGE_RULE)).isEmpty();
  }

  @Test
  void alertsAreListedInEverythingTheSummaryAndBulkExport() throws Exception {
    var chair = chair(20);
    sendOverMllp(chair, chair.start().plusMinutes(10), Hl7v2Messages.bloodPressure(120, 118));
    score(chair, "44260-8", 3, chair.start().plusMinutes(11));
    await().atMost(PATIENCE).until(() -> alerts(chair.patient(), "diastolic-high").size() == 1
        && flags(chair.patient()).size() == 1);
    var alert = alerts(chair.patient(), "diastolic-high").get(0).getIdElement().toUnqualifiedVersionless().getValue();
    var flag = flags(chair.patient()).get(0).getIdElement().toUnqualifiedVersionless().getValue();

    var everything = ids(fhirBase() + "/" + chair.patient() + "/$everything?_count=200");
    assertThat(everything).contains(alert.split("/")[1], flag.split("/")[1]);

    var summary = FHIR.newJsonParser().parseResource(Bundle.class, get("/" + chair.patient() + "/$summary").body());
    var composition = (org.hl7.fhir.r4.model.Composition) summary.getEntryFirstRep().getResource();
    var section = composition.getSection().stream()
        .filter(s -> s.getCode().getCodingFirstRep().getCode().equals("safety-alerts")).findFirst().orElseThrow();
    assertThat(section.getEntry()).extracting(Reference::getReference).contains(alert);
    assertThat(section.getText().getDivAsString()).contains("Diastolic blood pressure high").contains("open");

    var kickOff = get("/" + chair.patient() + "/$export?_type=DetectedIssue,Flag", "Prefer", "respond-async",
        "Accept", JSON);
    assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
    var status = kickOff.headers().firstValue("Content-Location").orElseThrow();
    var manifest = new java.util.concurrent.atomic.AtomicReference<String>();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      var response = get(status);
      if (response.statusCode() == 200) {
        manifest.set(response.body());
      }
      return response.statusCode() != 202;
    });
    var exported = new StringBuilder();
    for (var output : new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest.get()).get("output")) {
      exported.append(get(output.get("url").asText(), "Accept", "application/fhir+ndjson").body());
    }
    assertThat(exported.toString()).contains("\"id\":\"" + alert.split("/")[1] + "\"")
        .contains("\"id\":\"" + flag.split("/")[1] + "\"");
  }

  double dischargeChecks(String result) {
    var counter = meters.find("infusion.safety.discharge.checks").tag("result", result).counter();
    return counter == null ? 0 : counter.count();
  }

  void complete(Chair chair) {
    var procedure = client.read().resource(Procedure.class).withUrl(chair.infusion()).execute();
    procedure.setStatus(Procedure.ProcedureStatus.COMPLETED).getPerformedPeriod()
        .setEnd(Date.from(chair.start().plusMinutes(40).toInstant()));
    client.update().resource(procedure).execute();
  }

  /** A vital sign written by a plain FHIR create (as a panel component for a blood pressure), part of the infusion. */
  String vital(Chair chair, String loinc, String display, int value, String unit, OffsetDateTime time) {
    var observation = new Observation().setStatus(Observation.ObservationStatus.FINAL)
        .setSubject(new Reference(chair.patient())).setEffective(new DateTimeType(Date.from(time.toInstant())));
    observation.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/observation-category",
        "vital-signs", "Vital Signs")));
    var quantity = new Quantity().setValue(BigDecimal.valueOf(value)).setSystem("http://unitsofmeasure.org")
        .setCode(unit).setUnit(unit);
    if (loinc.equals("8480-6")) {
      observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "85354-9", "Blood pressure panel")));
      observation.addComponent().setCode(new CodeableConcept(new Coding("http://loinc.org", loinc, display))).setValue(quantity);
      observation.addComponent().setCode(new CodeableConcept(new Coding("http://loinc.org", "8462-4", "Diastolic")))
          .setValue(quantity.copy().setValue(BigDecimal.valueOf(80)));
    } else {
      observation.setCode(new CodeableConcept(new Coding("http://loinc.org", loinc, display))).setValue(quantity);
    }
    if (chair.infusion() != null) {
      observation.addPartOf(new Reference(chair.infusion()));
    }
    return client.create().resource(observation).execute().getId().toUnqualifiedVersionless().getValue();
  }

  String score(Chair chair, String loinc, int value, OffsetDateTime time) {
    var observation = new Observation().setStatus(Observation.ObservationStatus.FINAL)
        .setSubject(new Reference(chair.patient())).setEffective(new DateTimeType(Date.from(time.toInstant())))
        .setCode(new CodeableConcept(new Coding("http://loinc.org", loinc, null)))
        .setValue(new org.hl7.fhir.r4.model.IntegerType(value));
    observation.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/observation-category",
        "survey", "Survey")));
    return client.create().resource(observation).execute().getId().toUnqualifiedVersionless().getValue();
  }

  List<String> ids(String search) {
    return client.search().byUrl(search).returnBundle(Bundle.class).execute().getEntry().stream()
        .map(e -> e.getResource().getIdElement().getIdPart()).toList();
  }
}
