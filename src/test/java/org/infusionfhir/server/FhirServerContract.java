package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.net.http.HttpRequest.BodyPublishers;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.support.FhirServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the FHIR REST server must do, on whichever database the subclass configures. Every test makes
 * its own data with unique identifiers, so the suite also runs against a database that persists.
 */
abstract class FhirServerContract extends FhirServerTestBase {

  /** Limits the subclasses configure, small enough to hit cheaply. */
  static final String[] SMALL_LIMITS = {
    "infusion.limits.max-body-size=256KB",
    "infusion.limits.max-json-depth=32",
    "infusion.limits.max-bundle-entries=50"
  };

  static final String HEART_RATE = "8867-4";

  // ---- helpers -------------------------------------------------------------------------------

  Patient patient(String mrn, String family) {
    var patient = new Patient();
    patient.addIdentifier().setSystem("urn:infusion-fhir:test:mrn").setValue(mrn);
    patient.addName().setFamily(family).addGiven("Test");
    patient.setGender(AdministrativeGender.FEMALE);
    return patient;
  }

  IdType createPatient(String mrn, String family) {
    return (IdType) client.create().resource(patient(mrn, family)).execute().getId();
  }

  Observation heartRate(IdType patientId, int bpm, String when) {
    var obs = new Observation();
    obs.setStatus(ObservationStatus.FINAL);
    obs.getCode().addCoding().setSystem("http://loinc.org").setCode(HEART_RATE).setDisplay("Heart rate");
    obs.addCategory().addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/observation-category").setCode("vital-signs");
    obs.setSubject(new Reference(patientId.toUnqualifiedVersionless()));
    obs.setEffective(new DateTimeType(when));
    obs.setValue(new Quantity().setValue(bpm).setUnit("/min").setSystem("http://unitsofmeasure.org").setCode("/min"));
    return obs;
  }

  int count(String query) {
    var bundle = client.search().byUrl(query).summaryMode(SummaryEnum.COUNT)
        .returnBundle(Bundle.class).execute();
    return bundle.getTotal();
  }

  String patientJson(String mrn) {
    return FHIR.newJsonParser().encodeResourceToString(patient(mrn, "Json"));
  }

  // ---- CRUD, versions, history ---------------------------------------------------------------

  @Test
  void createReadUpdateVreadDeleteFollowTheSpec() {
    var mrn = unique("crud");
    var id = createPatient(mrn, "Before");
    assertThat(id.getVersionIdPart()).isEqualTo("1");

    var read = client.read().resource(Patient.class).withId(id.getIdPart()).execute();
    assertThat(read.getNameFirstRep().getFamily()).isEqualTo("Before");

    read.getNameFirstRep().setFamily("After");
    var updated = client.update().resource(read).execute();
    assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");

    var v1 = client.read().resource(Patient.class).withIdAndVersion(id.getIdPart(), "1").execute();
    assertThat(v1.getNameFirstRep().getFamily()).isEqualTo("Before");

    client.delete().resourceById(id.toUnqualifiedVersionless()).execute();
    assertThatThrownBy(() -> client.read().resource(Patient.class).withId(id.getIdPart()).execute())
        .isInstanceOf(ResourceGoneException.class);
  }

  @Test
  void readAnswersWithETagAndLastModified() {
    var id = createPatient(unique("etag"), "Etag");
    var response = get("/Patient/" + id.getIdPart());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("ETag")).hasValue("W/\"1\"");
    assertThat(response.headers().firstValue("Last-Modified")).isPresent();
  }

  @Test
  void historyIsAvailableForInstanceTypeAndSystem() {
    var id = createPatient(unique("hist"), "One");
    var patient = client.read().resource(Patient.class).withId(id.getIdPart()).execute();
    patient.getNameFirstRep().setFamily("Two");
    client.update().resource(patient).execute();

    var instance = client.history().onInstance(id.toUnqualifiedVersionless()).returnBundle(Bundle.class).execute();
    assertThat(instance.getEntry()).hasSize(2);
    var type = client.history().onType(Patient.class).returnBundle(Bundle.class).count(5).execute();
    assertThat(type.getType()).isEqualTo(BundleType.HISTORY);
    assertThat(type.getEntry()).isNotEmpty();
    var system = client.history().onServer().returnBundle(Bundle.class).count(5).execute();
    assertThat(system.getEntry()).isNotEmpty();
  }

  @Test
  void conditionalCreateUpdateAndDeleteMatchOnIdentifier() {
    var mrn = unique("cond");
    var query = "Patient?identifier=urn:infusion-fhir:test:mrn|" + mrn;
    MethodOutcome first = client.create().resource(patient(mrn, "First")).conditionalByUrl(query).execute();
    MethodOutcome second = client.create().resource(patient(mrn, "Second")).conditionalByUrl(query).execute();
    assertThat(first.getCreated()).isTrue();
    assertThat(second.getCreated()).isNotEqualTo(Boolean.TRUE);
    assertThat(second.getId().getIdPart()).isEqualTo(first.getId().getIdPart());

    var updated = client.update().resource(patient(mrn, "Updated")).conditionalByUrl(query).execute();
    assertThat(updated.getId().getIdPart()).isEqualTo(first.getId().getIdPart());
    assertThat(client.read().resource(Patient.class).withId(first.getId().getIdPart()).execute()
        .getNameFirstRep().getFamily()).isEqualTo("Updated");

    client.delete().resourceConditionalByUrl(query).execute();
    assertThat(count(query)).isZero();
  }

  // ---- transactions and batches ---------------------------------------------------------------

  @Test
  void transactionResolvesPlaceholderReferencesAtomically() {
    var mrn = unique("tx");
    var bundle = new Bundle().setType(BundleType.TRANSACTION);
    var patientUrl = "urn:uuid:" + java.util.UUID.randomUUID();
    bundle.addEntry().setFullUrl(patientUrl).setResource(patient(mrn, "Tx"))
        .getRequest().setMethod(HTTPVerb.POST).setUrl("Patient");
    var obs = heartRate(new IdType("Patient", "placeholder"), 72, "2026-03-01T10:00:00Z");
    obs.setSubject(new Reference(patientUrl));
    bundle.addEntry().setResource(obs).getRequest().setMethod(HTTPVerb.POST).setUrl("Observation");

    var response = client.transaction().withBundle(bundle).execute();
    assertThat(response.getType()).isEqualTo(BundleType.TRANSACTIONRESPONSE);
    var patientId = new IdType(response.getEntry().get(0).getResponse().getLocation());
    var storedObs = client.read().resource(Observation.class)
        .withUrl(response.getEntry().get(1).getResponse().getLocation()).execute();
    assertThat(storedObs.getSubject().getReference()).isEqualTo("Patient/" + patientId.getIdPart());
  }

  @Test
  void failedTransactionStoresNothing() {
    var mrn = unique("txfail");
    var bundle = new Bundle().setType(BundleType.TRANSACTION);
    bundle.addEntry().setResource(patient(mrn, "Rollback")).getRequest().setMethod(HTTPVerb.POST).setUrl("Patient");
    var obs = heartRate(new IdType("Patient", "does-not-exist-" + mrn), 80, "2026-03-01T10:00:00Z");
    bundle.addEntry().setResource(obs).getRequest().setMethod(HTTPVerb.POST).setUrl("Observation");

    var response = send("POST", "", JSON, FHIR.newJsonParser().encodeResourceToString(bundle));
    assertOperationOutcome(response, 400, "Patient/does-not-exist-" + mrn);
    assertThat(count("Patient?identifier=urn:infusion-fhir:test:mrn|" + mrn)).isZero();
  }

  @Test
  void batchProcessesEntriesIndependently() {
    var mrn = unique("batch");
    var bundle = new Bundle().setType(BundleType.BATCH);
    bundle.addEntry().setResource(patient(mrn, "Batch")).getRequest().setMethod(HTTPVerb.POST).setUrl("Patient");
    bundle.addEntry().getRequest().setMethod(HTTPVerb.GET).setUrl("Patient/no-such-patient-" + mrn);

    var response = client.transaction().withBundle(bundle).execute();
    assertThat(response.getType()).isEqualTo(BundleType.BATCHRESPONSE);
    assertThat(response.getEntry().get(0).getResponse().getStatus()).startsWith("201");
    assertThat(response.getEntry().get(1).getResponse().getStatus()).startsWith("404");
  }

  // ---- search ---------------------------------------------------------------------------------

  @Test
  void searchSupportsChainingIncludeRevincludeHasSortAndElements() {
    var mrn = unique("search");
    var patientId = createPatient(mrn, "Searcher");
    client.create().resource(heartRate(patientId, 60, "2026-03-01T10:00:00Z")).execute();
    client.create().resource(heartRate(patientId, 90, "2026-03-01T10:30:00Z")).execute();
    client.create().resource(heartRate(patientId, 75, "2026-03-01T10:15:00Z")).execute();
    var ident = "urn:infusion-fhir:test:mrn|" + mrn;

    var chained = client.search().byUrl("Observation?subject:Patient.identifier=" + ident)
        .returnBundle(Bundle.class).execute();
    assertThat(chained.getTotal()).isEqualTo(3);

    var sorted = client.search().byUrl("Observation?subject:Patient.identifier=" + ident)
        .sort(new SortSpec("date", SortOrderEnum.DESC)).returnBundle(Bundle.class).execute();
    assertThat(sorted.getEntry()).extracting(e -> ((Observation) e.getResource()).getValueQuantity().getValue().intValue())
        .containsExactly(90, 75, 60);

    var included = client.search().byUrl("Observation?subject:Patient.identifier=" + ident + "&_include=Observation:subject")
        .returnBundle(Bundle.class).execute();
    assertThat(included.getEntry()).anyMatch(e -> e.getResource() instanceof Patient
        && e.getSearch().getMode() == Bundle.SearchEntryMode.INCLUDE);

    var revincluded = client.search().byUrl("Patient?identifier=" + ident + "&_revinclude=Observation:subject")
        .returnBundle(Bundle.class).execute();
    assertThat(revincluded.getEntry()).filteredOn(e -> e.getResource() instanceof Observation).hasSize(3);

    var has = client.search().byUrl("Patient?_has:Observation:subject:code=" + HEART_RATE + "&identifier=" + ident)
        .returnBundle(Bundle.class).execute();
    assertThat(has.getTotal()).isEqualTo(1);

    var elements = get("/Observation?subject=" + patientId.toUnqualifiedVersionless().getValue() + "&_elements=status");
    assertThat(elements.body()).contains("\"status\"").doesNotContain("\"valueQuantity\"");
  }

  @Test
  void pagingLinksWalkEveryResult() {
    var mrn = unique("paging");
    var patientId = createPatient(mrn, "Pager");
    for (int i = 0; i < 7; i++) {
      client.create().resource(heartRate(patientId, 60 + i, "2026-03-02T10:0" + i + ":00Z")).execute();
    }
    var page = client.search().forResource(Observation.class)
        .where(Observation.SUBJECT.hasId(patientId.toUnqualifiedVersionless())).count(3)
        .returnBundle(Bundle.class).execute();
    var seen = new ArrayList<String>();
    int pages = 0;
    while (page != null) {
      pages++;
      page.getEntry().forEach(e -> seen.add(e.getResource().getIdElement().getIdPart()));
      page = page.getLink(Bundle.LINK_NEXT) != null ? client.loadPage().next(page).execute() : null;
    }
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(7).doesNotHaveDuplicates();
  }

  @Test
  void lastUpdatedFindsOnlyNewerResources() throws Exception {
    var before = createPatient(unique("lu"), "Before");
    var cutoff = client.read().resource(Patient.class).withId(before.getIdPart()).execute().getMeta().getLastUpdated();
    var after = createPatient(unique("lu"), "After");
    var since = new DateTimeType(new Date(cutoff.getTime() + 1), TemporalPrecisionEnum.MILLI).getValueAsString();
    var bundle = client.search().byUrl("Patient?_lastUpdated=ge" + since.replace("+", "%2B") + "&_count=500")
        .returnBundle(Bundle.class).execute();
    var ids = bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
    assertThat(ids).contains(after.getIdPart()).doesNotContain(before.getIdPart());
  }

  @Test
  void countReflectsAWriteImmediately() {
    var mrn = unique("fresh");
    var patientId = createPatient(mrn, "Fresh");
    var query = "Observation?subject=" + patientId.toUnqualifiedVersionless().getValue() + "&code=" + HEART_RATE;
    assertThat(count(query)).isZero();
    client.create().resource(heartRate(patientId, 70, "2026-03-03T10:00:00Z")).execute();
    assertThat(count(query)).isEqualTo(1);
    client.create().resource(heartRate(patientId, 71, "2026-03-03T10:05:00Z")).execute();
    assertThat(count(query)).isEqualTo(2);
    var full = client.search().byUrl(query).returnBundle(Bundle.class).execute();
    assertThat(full.getEntry()).hasSize(2);
  }

  // ---- JSON Patch, XML ------------------------------------------------------------------------

  @Test
  void jsonPatchChangesOneElement() {
    var id = createPatient(unique("patch"), "Unpatched");
    client.patch().withBody("[{\"op\":\"replace\",\"path\":\"/name/0/family\",\"value\":\"Patched\"}]")
        .withId(id.toUnqualifiedVersionless()).execute();
    var read = client.read().resource(Patient.class).withId(id.getIdPart()).execute();
    assertThat(read.getNameFirstRep().getFamily()).isEqualTo("Patched");
    assertThat(read.getMeta().getVersionId()).isEqualTo("2");
  }

  @Test
  void xmlIsAcceptedAndServed() {
    var xml = FHIR.newXmlParser().encodeResourceToString(patient(unique("xml"), "Xml"));
    var created = send("POST", "/Patient", XML, xml);
    assertThat(created.statusCode()).isEqualTo(201);
    var location = created.headers().firstValue("Location").orElseThrow();
    var read = get(location, "Accept", XML);
    assertThat(read.headers().firstValue("Content-Type").orElseThrow()).contains("xml");
    assertThat(FHIR.newXmlParser().parseResource(Patient.class, read.body()).getNameFirstRep().getFamily())
        .isEqualTo("Xml");
  }

  // ---- where the stock starter is not spec-correct ---------------------------------------------

  @Test
  void staleIfMatchIsRejectedWith412() {
    var id = createPatient(unique("ifmatch"), "V1");
    var body = FHIR.newJsonParser().encodeResourceToString(
        patient("x", "V2").setId(id.toUnqualifiedVersionless().getIdPart()));
    var path = "/Patient/" + id.getIdPart();
    assertThat(send("PUT", path, JSON, body, "If-Match", "W/\"1\"").statusCode()).isEqualTo(200);

    assertOperationOutcome(send("PUT", path, JSON, body, "If-Match", "W/\"1\""), 412, "If-Match");
    var patch = "[{\"op\":\"replace\",\"path\":\"/name/0/family\",\"value\":\"P\"}]";
    assertOperationOutcome(
        send("PATCH", path, "application/json-patch+json", patch, "If-Match", "W/\"1\""), 412, "If-Match");
    assertThat(client.read().resource(Patient.class).withId(id.getIdPart()).execute().getMeta().getVersionId())
        .isEqualTo("2");
  }

  @Test
  void parallelIdenticalConditionalCreatesLeaveExactlyOneResource() throws Exception {
    var mrn = unique("race");
    var body = patientJson(mrn);
    var condition = "identifier=urn:infusion-fhir:test:mrn|" + mrn;
    var pool = Executors.newFixedThreadPool(20);
    try {
      var calls = new ArrayList<Callable<Integer>>();
      for (int i = 0; i < 20; i++) {
        calls.add(() -> send("POST", "/Patient", JSON, body, "If-None-Exist", condition).statusCode());
      }
      var statuses = new ArrayList<Integer>();
      for (var future : pool.invokeAll(calls, 2, TimeUnit.MINUTES)) {
        statuses.add(future.get());
      }
      assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
      assertThat(statuses).filteredOn(s -> s == 200).hasSize(19);
    } finally {
      pool.shutdownNow();
    }
    assertThat(count("Patient?" + condition)).isEqualTo(1);
  }

  @Test
  void linksFollowTheReverseProxy() {
    // Tomcat takes the port from X-Forwarded-Port only (it drops one in X-Forwarded-Host), as nginx sends it.
    String[] proxy = {"X-Forwarded-Host", "ehr.clinic.example", "X-Forwarded-Port", "8443",
        "X-Forwarded-Proto", "https"};
    var external = "https://ehr.clinic.example:8443/fhir/";
    var created = send("POST", "/Patient", JSON, patientJson(unique("proxy")), proxy);
    assertThat(created.headers().firstValue("Location").orElseThrow()).startsWith(external + "Patient/");

    createPatient(unique("proxy"), "Proxy");
    var search = get("/Patient?_count=1", proxy);
    var bundle = FHIR.newJsonParser().parseResource(Bundle.class, search.body());
    assertThat(bundle.getLink(Bundle.LINK_SELF).getUrl()).startsWith(external + "Patient");
    assertThat(bundle.getLink(Bundle.LINK_NEXT).getUrl()).startsWith("https://ehr.clinic.example:8443/fhir");
    assertThat(bundle.getEntryFirstRep().getFullUrl()).startsWith(external + "Patient/");

    var direct = send("POST", "/Patient", JSON, patientJson(unique("direct")));
    assertThat(direct.headers().firstValue("Location").orElseThrow()).startsWith(fhirBase() + "/Patient/");
  }

  // ---- bad input: a 4xx OperationOutcome, the server keeps serving, nothing is lost --------------

  @Test
  void badInputGets4xxOperationOutcomesAndLeavesStoredDataIntact(@TempDir Path dir) throws Exception {
    var keeperMrn = unique("keeper");
    var keeper = createPatient(keeperMrn, "Keeper");

    assertOperationOutcome(send("POST", "/Patient", JSON, "{\"resourceType\":\"Patient\","), 400, "JSON");
    assertOperationOutcome(send("POST", "/Patient", XML, "<Patient xmlns=\"http://hl7.org/fhir\"><name>"), 400, "XML");
    assertOperationOutcome(send("POST", "/Patient", JSON,
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}"), 400, "Patient");
    assertOperationOutcome(get("/NoSuchType/1"), 404, "Unknown resource type");
    assertOperationOutcome(get("/Patient/not%20an%20id"), 400, "Invalid resource id");
    assertOperationOutcome(get("/Patient/" + "a".repeat(65)), 400, "Invalid resource id");

    var secret = dir.resolve("secret.txt");
    Files.writeString(secret, "TOP-SECRET-" + keeperMrn);
    var xxe = "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]>"
        + "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&x;\"/></name></Patient>";
    var refused = send("POST", "/Patient", XML, xxe);
    assertOperationOutcome(refused, 400, "DOCTYPE");
    assertThat(refused.body()).doesNotContain("TOP-SECRET");
    assertThat(count("Patient?family=TOP-SECRET-" + keeperMrn)).isZero();

    var oversized = "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">"
        + "x".repeat(300 * 1024) + "</div>\"}}";
    assertOperationOutcome(send("POST", "/Patient", JSON, oversized), 413, "exceeds the limit");
    var chunked = send("POST", "/Patient", JSON,
        BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(oversized.getBytes())));
    assertOperationOutcome(chunked, 413, "exceeds the limit");

    var deep = "{\"resourceType\":\"Patient\",\"extension\":" + "[{\"extension\":".repeat(40) + "[]"
        + "}]".repeat(40) + "}";
    assertOperationOutcome(send("POST", "/Patient", JSON, deep), 400, "nested deeper");

    var big = new Bundle().setType(BundleType.TRANSACTION);
    for (int i = 0; i < 51; i++) {
      big.addEntry().setResource(patient(unique("big"), "Big")).getRequest().setMethod(HTTPVerb.POST).setUrl("Patient");
    }
    assertOperationOutcome(send("POST", "", JSON, FHIR.newJsonParser().encodeResourceToString(big)), 413, "limit is 50");
    assertThat(count("Patient?family=Big&_lastUpdated=ge2026-01-01")).isZero();

    assertThat(get("/metadata").statusCode()).isEqualTo(200);
    var stillThere = client.read().resource(Patient.class).withId(keeper.getIdPart()).execute();
    assertThat(stillThere.getNameFirstRep().getFamily()).isEqualTo("Keeper");
    assertThat(stillThere.getMeta().getVersionId()).isEqualTo("1");
  }

  @Test
  void capabilityStatementDescribesAnR4Server() {
    var response = get("/metadata");
    assertThat(response.statusCode()).isEqualTo(200);
    var capabilities = FHIR.newJsonParser()
        .parseResource(org.hl7.fhir.r4.model.CapabilityStatement.class, response.body());
    assertThat(capabilities.getFhirVersion().toCode()).isEqualTo("4.0.1");
    assertThat(capabilities.getSoftware().getName()).isEqualTo("infusion-fhir");
    assertThat(capabilities.getRestFirstRep().getResource())
        .extracting(r -> r.getType()).contains("Patient", "Observation", "Procedure", "MedicationAdministration",
            "AdverseEvent", "CarePlan");
  }
}
