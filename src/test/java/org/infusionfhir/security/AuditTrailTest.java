package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The audit trail (issue 6, point 7): every read, search, write, operation and export leaves one
 * AuditEvent after IHE BALP's RESTful pattern, failures included; AuditEvents cannot be changed through
 * the API and stay out of the patient's record; a request whose audit cannot be stored fails.
 */
@H2FhirServer
class AuditTrailTest extends FhirServerTestBase {

  private static final String INTERACTION = "http://hl7.org/fhir/restful-interaction";
  private static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";

  @Autowired IInterceptorService storageInterceptors;

  /** The client under audit: its own subject, so its AuditEvents are told apart from the suite's. */
  private String clinician;
  private String clinicianToken;
  private String patientId;
  private String observationId;

  @BeforeEach
  void aPatientWithAnObservation() {
    clinician = unique("ehr-client");
    clinicianToken = tokens.issue(clinician, "system/*.*", null);
    patientId = unique("audit-pt");
    var patient = new Patient();
    patient.setId(patientId);
    patient.addName().setFamily("Auditfamily-" + patientId);
    client.update().resource(patient).execute();
    observationId = client.create().resource(heartRate(patientId)).execute().getId().getIdPart();
  }

  @Test
  void aReadIsRecordedOnceWithTheClientThePatientAndTheResource() {
    var response = as(clinicianToken, "GET", "/Observation/" + observationId, null);
    assertThat(response.statusCode()).isEqualTo(200);

    var event = single(audits("entity=Observation/" + observationId + "&subtype=read"));
    assertThat(event.getType().getSystem()).isEqualTo("http://terminology.hl7.org/CodeSystem/audit-event-type");
    assertThat(event.getType().getCode()).isEqualTo("rest");
    assertThat(event.getSubtypeFirstRep().getSystem()).isEqualTo(INTERACTION);
    assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
    assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
    assertThat(event.getRecorded()).isNotNull();
    assertRequestedBy(event, clinician);
    assertThat(event.getSource().getTypeFirstRep().getCode()).isEqualTo("4");
    assertThat(patients(event)).singleElement().asString().startsWith("Patient/" + patientId + "/_history/");
    assertThat(entitiesWithRole(event, "4")).extracting(e -> e.getWhat().getReference())
        .singleElement().asString().startsWith("Observation/" + observationId + "/_history/1");
  }

  /**
   * Behind the clinic's proxy (the test servers trust loopback as their proxy, as a proxied deployment trusts
   * its own), the audit names the client the proxy saw, the last X-Forwarded-For entry, not the proxy; earlier
   * entries are the client's own say and are not taken (Tomcat's RemoteIpValve stops at the first address that
   * is not a trusted proxy, reading from the right).
   */
  @Test
  void aReadThroughTheProxyIsRecordedWithTheClientsAddress() {
    var response = as(clinicianToken, "GET", "/Patient/" + patientId, null,
        "X-Forwarded-For", "198.51.100.7, 203.0.113.9");
    assertThat(response.statusCode()).isEqualTo(200);
    var event = audits("entity=Patient/" + patientId + "&subtype=read").stream()
        .filter(e -> e.getAgent().stream().anyMatch(a -> "203.0.113.9".equals(a.getNetwork().getAddress())))
        .toList();
    assertThat(event).hasSize(1);
  }

  @Test
  void aSearchIsRecordedWithItsQueryAndThePatientsItReturned() {
    var query = "subject=Patient/" + patientId + "&code=http://loinc.org%7C8867-4";
    assertThat(as(clinicianToken, "GET", "/Observation?" + query, null).statusCode()).isEqualTo(200);

    var event = single(audits("entity=Patient/" + patientId + "&subtype=search-type"));
    assertRequestedBy(event, clinician);
    assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
    assertThat(patients(event)).singleElement().asString().startsWith("Patient/" + patientId + "/_history/");
    var queryEntity = entitiesWithRole(event, "24");
    assertThat(queryEntity).hasSize(1);
    assertThat(new String(queryEntity.get(0).getQuery(), StandardCharsets.UTF_8)).isEqualTo(query);
  }

  @Test
  void aCreateIsRecordedWithWhatWasWrittenAndWhoWroteIt() {
    var response = as(clinicianToken, "POST", "/Observation",
        FHIR.newJsonParser().encodeResourceToString(heartRate(patientId)));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    var created = FHIR.newJsonParser().parseResource(Observation.class, response.body()).getIdElement().getIdPart();

    var event = single(audits("entity=Observation/" + created));
    assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("create");
    assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.C);
    assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
    assertRequestedBy(event, clinician);
    assertThat(patients(event)).singleElement().asString().startsWith("Patient/" + patientId + "/_history/");
    assertThat(entitiesWithRole(event, "4")).singleElement()
        .satisfies(e -> assertThat(e.getLifecycle().getCode()).isEqualTo("1"));
  }

  @Test
  void aTransactionIsRecordedByOneAuditEventNamingEveryResourceItWrote() {
    var bundle = new Bundle().setType(BundleType.TRANSACTION);
    for (int i = 0; i < 3; i++) {
      bundle.addEntry().setFullUrl("urn:uuid:" + java.util.UUID.randomUUID()).setResource(heartRate(patientId))
          .getRequest().setMethod(HTTPVerb.POST).setUrl("Observation");
    }
    var response = as(clinicianToken, "POST", "", FHIR.newJsonParser().encodeResourceToString(bundle));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    var written = FHIR.newJsonParser().parseResource(Bundle.class, response.body()).getEntry().stream()
        .map(e -> new org.hl7.fhir.r4.model.IdType(e.getResponse().getLocation()).toUnqualifiedVersionless().getValue())
        .toList();

    var event = single(audits("entity=Patient/" + patientId + "&subtype=transaction"));
    assertRequestedBy(event, clinician);
    assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.C);
    assertThat(entitiesWithRole(event, "4")).extracting(e -> versionless(e.getWhat().getReference()))
        .containsExactlyInAnyOrderElementsOf(written);
    for (var id : written) {
      assertThat(audits("entity=" + id)).hasSize(1);
    }
  }

  @Test
  void everythingIsRecordedAndHoldsNoAuditEvents() {
    as(clinicianToken, "GET", "/Observation/" + observationId, null);
    assertThat(audits("entity=Patient/" + patientId)).hasSizeGreaterThanOrEqualTo(2);

    var response = as(clinicianToken, "GET", "/Patient/" + patientId + "/$everything", null);
    assertThat(response.statusCode()).isEqualTo(200);
    var everything = FHIR.newJsonParser().parseResource(Bundle.class, response.body());
    assertThat(everything.getEntry()).extracting(e -> e.getResource().fhirType())
        .containsExactlyInAnyOrder("Patient", "Observation");

    var event = single(audits("entity=Patient/" + patientId + "&subtype=$everything"));
    assertThat(event.getSubtype()).extracting(Coding::getCode).containsExactly("operation", "$everything");
    assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.E);
    assertRequestedBy(event, clinician);
  }

  @Test
  void anOperationIsRecordedWithItsName() {
    var response = as(clinicianToken, "GET", "/Patient/" + patientId + "/$summary", null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

    var event = single(audits("entity=Patient/" + patientId + "&subtype=$summary"));
    assertThat(event.getSubtype()).extracting(Coding::getCode).containsExactly("operation", "$summary");
    assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
    assertRequestedBy(event, clinician);
  }

  @Test
  void anExportIsRecordedAtKickOffAndPatientAndGroupExportsHoldNoAuditEvents() throws Exception {
    var response = as(clinicianToken, "GET", "/Patient/" + patientId + "/$export", null,
        "Prefer", "respond-async", "Accept", JSON);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);

    var event = single(audits("entity=Patient/" + patientId + "&subtype=$export"));
    assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.E);
    assertRequestedBy(event, clinician);

    assertThat(exportedTypes(response, "Bearer " + clinicianToken)).contains("Patient", "Observation")
        .doesNotContain("AuditEvent");

    var group = new org.hl7.fhir.r4.model.Group().setType(org.hl7.fhir.r4.model.Group.GroupType.PERSON).setActual(true);
    group.addMember().setEntity(new Reference("Patient/" + patientId));
    var groupId = client.create().resource(group).execute().getId().getIdPart();
    assertThat(exportedTypes(get("/Group/" + groupId + "/$export", "Prefer", "respond-async", "Accept", JSON),
        "Bearer " + systemToken))
        .contains("Patient", "Observation").doesNotContain("AuditEvent");
    // HAPI refuses the types it keeps out of patient-level exports; the trail is exported at system level.
    assertOperationOutcome(get("/Patient/$export?_type=AuditEvent", "Prefer", "respond-async", "Accept", JSON), 400,
        "omitted from patient level export");
  }

  /** Waits for the export a kick-off started and answers the types its files hold; polled as it was started. */
  private List<String> exportedTypes(HttpResponse<String> kickOff, String authorization) throws Exception {
    assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
    var statusUrl = kickOff.headers().firstValue("Content-Location").orElseThrow();
    var manifest = new java.util.concurrent.atomic.AtomicReference<String>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      var poll = get(statusUrl, "Authorization", authorization);
      manifest.set(poll.body());
      return poll.statusCode() == 200;
    });
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest.get()).get("output")
        .findValuesAsText("type");
  }

  @Test
  void aRequestAnsweredWithAnErrorIsRecordedAsAFailure() {
    var missing = unique("no-such-observation");
    var response = as(clinicianToken, "GET", "/Observation/" + missing, null);
    assertThat(response.statusCode()).isEqualTo(404);

    var event = single(audits("agent-name:exact=" + clinician + "&outcome=4"));
    assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("read");
    assertThat(event.getOutcomeDesc()).contains(missing);
    assertThat(entitiesWithRole(event, "4")).singleElement()
        .satisfies(e -> assertThat(e.getWhat().getDisplay()).isEqualTo("Observation/" + missing));
    assertRequestedBy(event, clinician);
  }

  @Test
  void anAuditEventCannotBeChangedDeletedOrCreatedThroughTheApi() {
    as(clinicianToken, "GET", "/Observation/" + observationId, null);
    var event = single(audits("entity=Observation/" + observationId + "&subtype=read"));
    var id = event.getIdElement().getIdPart();
    var original = get("/AuditEvent/" + id).body();

    var changed = event.copy();
    changed.setOutcome(AuditEvent.AuditEventOutcome._12);
    var json = FHIR.newJsonParser().encodeResourceToString(changed);
    assertRefused(send("PUT", "/AuditEvent/" + id, JSON, json), "cannot be changed");
    assertRefused(send("PATCH", "/AuditEvent/" + id, "application/json-patch+json",
        "[{\"op\":\"replace\",\"path\":\"/outcome\",\"value\":\"12\"}]"), "cannot be changed");
    assertRefused(send("DELETE", "/AuditEvent/" + id, null, (String) null), "cannot be changed or deleted");
    changed.setId((String) null);
    var forged = FHIR.newJsonParser().encodeResourceToString(changed);
    assertRefused(send("POST", "/AuditEvent", JSON, forged), "cannot be created");

    var inTransaction = new Bundle().setType(BundleType.TRANSACTION);
    inTransaction.addEntry().setResource(changed).getRequest().setMethod(HTTPVerb.POST).setUrl("AuditEvent");
    assertRefused(send("POST", "", JSON, FHIR.newJsonParser().encodeResourceToString(inTransaction)),
        "cannot be created");
    var updateInTransaction = new Bundle().setType(BundleType.TRANSACTION);
    updateInTransaction.addEntry().setResource(event.copy().setOutcome(AuditEvent.AuditEventOutcome._12))
        .getRequest().setMethod(HTTPVerb.PUT).setUrl("AuditEvent/" + id);
    assertRefused(send("POST", "", JSON, FHIR.newJsonParser().encodeResourceToString(updateInTransaction)),
        "cannot be changed");

    assertThat(get("/AuditEvent/" + id).body()).isEqualTo(original);
    assertThat(audits("entity=Observation/" + observationId + "&subtype=read")).hasSize(1);
  }

  @Test
  void whatHasBeenAuditedCanStillBeDeletedAndTheDeleteIsRecorded() {
    as(clinicianToken, "GET", "/Patient/" + patientId, null);
    as(clinicianToken, "GET", "/Observation/" + observationId, null);

    // The AuditEvents reference both by version, which does not hold back a delete as a reference would.
    assertThat(as(clinicianToken, "DELETE", "/Observation/" + observationId, null).statusCode()).isEqualTo(200);
    assertThat(as(clinicianToken, "DELETE", "/Patient/" + patientId, null).statusCode()).isEqualTo(200);

    var deletes = audits("agent-name:exact=" + clinician + "&subtype=delete");
    assertThat(deletes).hasSize(2).allSatisfy(event -> {
      assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.D);
      assertThat(entitiesWithRole(event, "4")).singleElement()
          .satisfies(e -> assertThat(e.getLifecycle().getCode()).isEqualTo("14"));
    });
    assertThat(deletes).extracting(e -> versionless(entitiesWithRole(e, "4").get(0).getWhat().getDisplay()))
        .containsExactlyInAnyOrder("Observation/" + observationId, "Patient/" + patientId);
    // Both reads named the patient; after its deletion they still lead to it.
    assertThat(audits("entity=Patient/" + patientId + "&subtype=read")).hasSize(2);
  }

  @Test
  void aReadWhoseAuditCannotBeStoredFailsAndSendsNoPatientData() {
    try (var broken = new BrokenAuditStorage()) {
      var response = as(clinicianToken, "GET", "/Patient/" + patientId, null);
      assertThat(response.statusCode()).isEqualTo(500);
      var outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
      assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("audit record");
      assertThat(response.body()).doesNotContain("Auditfamily").doesNotContain("\"resourceType\":\"Patient\"");
    }
  }

  @Test
  void aWriteWhoseAuditCannotBeStoredFailsAndIsNotStored() {
    var marker = unique("unaudited");
    var observation = heartRate(patientId);
    observation.addIdentifier().setSystem("urn:test:audit").setValue(marker);
    try (var broken = new BrokenAuditStorage()) {
      var response = as(clinicianToken, "POST", "/Observation",
          FHIR.newJsonParser().encodeResourceToString(observation));
      assertThat(response.statusCode()).isEqualTo(500);
      assertThat(FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body())
          .getIssueFirstRep().getDiagnostics()).contains("audit record");
    }
    assertThat(countOf("Observation?identifier=urn:test:audit%7C" + marker)).isZero();
  }

  /** Makes every AuditEvent create fail in storage, until closed: the test's own storage failure. */
  @Interceptor
  private final class BrokenAuditStorage implements AutoCloseable {
    BrokenAuditStorage() {
      storageInterceptors.registerInterceptor(this);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void fail(IBaseResource resource) {
      if (resource instanceof AuditEvent) {
        throw new IllegalStateException("audit storage is down (test)");
      }
    }

    @Override
    public void close() {
      storageInterceptors.unregisterInterceptor(this);
    }
  }

  private static Observation heartRate(String patient) {
    var observation = new Observation();
    observation.setStatus(Observation.ObservationStatus.FINAL);
    observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
    observation.setSubject(new Reference("Patient/" + patient));
    observation.setValue(new Quantity().setValue(72).setUnit("/min").setSystem("http://unitsofmeasure.org")
        .setCode("/min"));
    return observation;
  }

  private HttpResponse<String> as(String token, String method, String path, String body, String... headers) {
    var all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer " + token;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return send(method, path, body != null ? JSON : null, body, all);
  }

  /** AuditEvents matching {@code query}, searched with the suite's system token. */
  private List<AuditEvent> audits(String query) {
    var response = get("/AuditEvent?" + query.replace("$", URLEncoder.encode("$", StandardCharsets.UTF_8))
        + "&_count=100");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(Bundle.class, response.body()).getEntry().stream()
        .map(e -> (AuditEvent) e.getResource()).toList();
  }

  private static AuditEvent single(List<AuditEvent> events) {
    assertThat(events).hasSize(1);
    return events.get(0);
  }

  private static void assertRequestedBy(AuditEvent event, String subject) {
    var requestor = event.getAgent().stream().filter(a -> a.getRequestor()).toList();
    assertThat(requestor).singleElement().satisfies(agent -> {
      assertThat(agent.getWho().getIdentifier().getValue()).isEqualTo(subject);
      assertThat(agent.getType().getCodingFirstRep().getCode()).isEqualTo("110153");
      assertThat(agent.getNetwork().getAddress()).isNotBlank();
    });
    assertThat(event.getAgent()).anySatisfy(agent ->
        assertThat(agent.getType().getCodingFirstRep().getCode()).isEqualTo("110152"));
  }

  private static List<String> patients(AuditEvent event) {
    return entitiesWithRole(event, "1").stream().map(e -> e.getWhat().getReference()).toList();
  }

  private static List<AuditEventEntityComponent> entitiesWithRole(AuditEvent event, String role) {
    return event.getEntity().stream()
        .filter(e -> OBJECT_ROLE.equals(e.getRole().getSystem()) && role.equals(e.getRole().getCode())).toList();
  }

  private static String versionless(String reference) {
    return new org.hl7.fhir.r4.model.IdType(reference).toUnqualifiedVersionless().getValue();
  }

  private void assertRefused(HttpResponse<String> response, String message) {
    var outcome = assertOperationOutcome(response, 405, message);
    assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
  }
}
