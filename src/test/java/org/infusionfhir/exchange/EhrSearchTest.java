package org.infusionfhir.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.ig.FixtureLoader;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The reads an EHR makes of a patient's infusion history, over the demo course for treatment-resistant
 * depression (6 sessions, 476 Observations; session 2 has 78 Observations and one administration).
 */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EhrSearchTest extends FhirServerTestBase {

  @Autowired FixtureLoader loader;

  @BeforeAll
  void theDemoCoursesAreLoaded() throws Exception {
    loader.load(Fixtures.jsonFiles(Fixtures.BUNDLES));
  }

  @Test
  void everythingReturnsThePatientsWholeRecordPageByPage() {
    var all = walk("/Patient/trd-patient/$everything?_count=100");
    var types = all.stream().map(Resource::fhirType).toList();
    assertThat(types).contains("Patient", "Procedure", "MedicationAdministration", "Observation", "AdverseEvent",
        "Encounter", "Condition", "CarePlan");
    assertThat(types.stream().filter("Observation"::equals).count()).isEqualTo(476);
    assertThat(new HashSet<>(all.stream().map(r -> r.getIdElement().toUnqualifiedVersionless().getValue()).toList()))
        .hasSize(all.size());
    assertThat(all).noneMatch(r -> r.getIdElement().getIdPart().startsWith("ptsd-"));
  }

  @Test
  void everythingNarrowsByType() {
    var procedures = walk("/Patient/trd-patient/$everything?_type=Procedure,AdverseEvent&_count=50");
    // HAPI adds what the chosen resources reference (their Encounters, the administration), never the rest.
    assertThat(procedures.stream().filter(r -> r.fhirType().equals("Procedure")).count()).isEqualTo(6);
    assertThat(procedures).extracting(Resource::fhirType).contains("AdverseEvent").doesNotContain("Observation");
  }

  @Test
  void everythingSinceAnInstantHoldsOnlyWhatChangedFromThen() {
    var changed = client.read().resource(org.hl7.fhir.r4.model.Observation.class).withId("trd-s5-hr-0020").execute();
    changed.addNote().setText("Reviewed by the $everything _since test");
    var stored = (org.hl7.fhir.r4.model.Observation) client.update().resource(changed).execute().getResource();
    var since = encode(stored.getMeta().getLastUpdatedElement().getValueAsString());

    var recent = walk("/Patient/trd-patient/$everything?_since=" + since + "&_count=20");

    assertThat(recent).filteredOn(r -> r.fhirType().equals("Observation"))
        .extracting(r -> r.getIdElement().getIdPart()).containsExactly("trd-s5-hr-0020");
    assertThat(walk("/Patient/trd-patient/$everything?_since=2999-01-01T00:00:00Z"))
        .noneMatch(r -> r.fhirType().equals("Observation"));
    assertOperationOutcome(get("/Patient/trd-patient/$everything?_since=yesterday"), 400, "_since");
  }

  @Test
  void theVitalsOfOneInfusionAndItsAdministrationComeWithTheProcedure() {
    var vitals = bundle("/Observation?part-of=Procedure/trd-s2&category=vital-signs&_summary=count");
    assertThat(vitals.getTotal()).isPositive().isLessThanOrEqualTo(78);
    var withRevinclude = walk("/Procedure?_id=trd-s2&_revinclude=Observation:part-of"
        + "&_revinclude=MedicationAdministration:part-of&_count=200");
    assertThat(withRevinclude.stream().filter(r -> r.fhirType().equals("Observation")).count()).isEqualTo(78);
    assertThat(withRevinclude).extracting(r -> r.getIdElement().getIdPart()).contains("trd-s2", "trd-s2-ketamine");
  }

  @Test
  void adverseEventsAreFoundByPatientDateAndSeriousness() {
    var url = "/AdverseEvent?subject=Patient/trd-patient&date=ge2026-02-01&date=lt2026-03-01"
        + "&seriousness=http://terminology.hl7.org/CodeSystem/adverse-event-seriousness%7CNon-serious";
    assertThat(walk(url)).extracting(r -> r.getIdElement().getIdPart()).containsExactly("trd-s2-ae-hypertension");
    assertThat(walk(url.replace("Non-serious", "Serious"))).isEmpty();
    assertThat(walk("/AdverseEvent?subject=Patient/trd-patient&date=ge2026-06-01")).isEmpty();
  }

  @Test
  void anEhrSyncsIncrementallyByLastUpdated() throws Exception {
    var before = bundle("/Observation?subject=Patient/trd-patient&_summary=count").getTotal();
    var mark = client.search().byUrl("Observation?subject=Patient/trd-patient&_sort=-_lastUpdated&_count=1")
        .returnBundle(Bundle.class).execute().getEntryFirstRep().getResource().getMeta().getLastUpdatedElement()
        .getValueAsString();
    assertThat(bundle("/Observation?subject=Patient/trd-patient&_lastUpdated=gt" + encode(mark) + "&_summary=count")
        .getTotal()).isZero();
    var changed = client.read().resource(org.hl7.fhir.r4.model.Observation.class).withId("trd-s2-hr-0030").execute();
    changed.addNote().setText("Reviewed by the EHR sync test");
    client.update().resource(changed).execute();
    var since = walk("/Observation?subject=Patient/trd-patient&_lastUpdated=gt" + encode(mark));
    assertThat(since).extracting(r -> r.getIdElement().getIdPart()).containsExactly("trd-s2-hr-0030");
    assertThat(bundle("/Observation?subject=Patient/trd-patient&_summary=count").getTotal()).isEqualTo(before);
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
  }

  private Bundle bundle(String path) {
    var response = get(path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(Bundle.class, response.body());
  }

  /** Every resource of a search or operation, following its next links to the end. */
  private List<Resource> walk(String path) {
    var resources = new ArrayList<Resource>();
    var page = bundle(path);
    while (true) {
      page.getEntry().forEach(e -> resources.add(e.getResource()));
      if (page.getLink(Bundle.LINK_NEXT) == null) {
        return resources;
      }
      page = client.loadPage().next(page).execute();
    }
  }
}
