package org.infusionfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/** The guide as the server serves and enforces it: installed at start-up, $validate, validation on write. */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImplementationGuideServerTest extends FhirServerTestBase {

  static final String BASE = ImplementationGuidePackage.CANONICAL_BASE;

  @Autowired FixtureLoader loader;

  @BeforeAll
  void loadTheValidFixtureBundles() throws Exception {
    loader.load(Fixtures.jsonFiles(Fixtures.BUNDLES));
  }

  @Test
  void conformanceResourcesAreReadableAndListedInTheCapabilityStatement() {
    var profiles = client.search().byUrl("StructureDefinition?url=" + BASE + "/StructureDefinition/ketamine-infusion-session")
        .returnBundle(Bundle.class).execute();
    assertThat(profiles.getTotal()).isEqualTo(1);
    var valueSets = client.search().byUrl("ValueSet?url=" + BASE + "/ValueSet/infusion-adverse-event-codes")
        .returnBundle(Bundle.class).execute();
    assertThat(valueSets.getTotal()).isEqualTo(1);

    var capabilities = FHIR.newJsonParser().parseResource(CapabilityStatement.class, get("/metadata").body());
    var procedure = capabilities.getRestFirstRep().getResource().stream()
        .filter(r -> r.getType().equals("Procedure")).findFirst().orElseThrow();
    assertThat(procedure.getSupportedProfile()).extracting(p -> p.getValue())
        .contains(BASE + "/StructureDefinition/infusion-session", BASE + "/StructureDefinition/ketamine-infusion-session");
    assertThat(procedure.getSearchParam()).extracting(s -> s.getName()).contains("session-number");
  }

  @Test
  void ourValueSetsExpand() {
    var response = get("/ValueSet/$expand?url=" + BASE + "/ValueSet/infusion-phase");
    assertThat(response.statusCode()).isEqualTo(200);
    var expansion = FHIR.newJsonParser().parseResource(ValueSet.class, response.body()).getExpansion();
    assertThat(expansion.getContains()).extracting(c -> c.getCode())
        .containsExactlyInAnyOrder("baseline", "during-infusion", "recovery");
  }

  @Test
  void anXmlClientGetsTheExpansionOfOurValueSetInXml() {
    var response = get("/ValueSet/$expand?url=" + BASE + "/ValueSet/infusion-phase", "Accept", XML);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith(XML);
    var expansion = FHIR.newXmlParser().parseResource(ValueSet.class, response.body()).getExpansion();
    assertThat(expansion.getContains()).extracting(c -> c.getCode())
        .containsExactlyInAnyOrder("baseline", "during-infusion", "recovery");
  }

  @Test
  void aTokenThatGrantsNoSmartScopeIsRefusedTheExpansion() {
    var noRights = "Bearer " + tokens.issue(unique("sign-in-only"), "openid", null);
    var response = get("/ValueSet/$expand?url=" + BASE + "/ValueSet/infusion-phase", "Authorization", noRights);
    assertOperationOutcome(response, 403, "grants no SMART scope");
  }

  @Test
  void theExpansionOfOurValueSetIsAuditedAsAnOperation() {
    var clinician = unique("clinician");
    var token = "Bearer " + tokens.issue(clinician, "user/*.read", null);
    assertThat(get("/ValueSet/$expand?url=" + BASE + "/ValueSet/infusion-phase", "Authorization", token)
        .statusCode()).isEqualTo(200);
    var audits = FHIR.newJsonParser().parseResource(Bundle.class, get("/AuditEvent?agent-name:exact=" + clinician).body());
    assertThat(audits.getEntry()).singleElement().satisfies(e -> assertThat(((AuditEvent) e.getResource())
        .getSubtype()).extracting(Coding::getCode).containsExactly("operation", "$expand"));
  }

  @Test
  void ourSearchParametersFindTheLoadedCourse() {
    var phase = BASE + "/CodeSystem/infusion-phase|during-infusion";
    var duringInfusion = client.search()
        .byUrl("Observation?part-of=Procedure/trd-s2&infusion-phase=" + phase + "&_summary=count")
        .returnBundle(Bundle.class).execute();
    assertThat(duringInfusion.getTotal()).isPositive();
    var baseline = client.search()
        .byUrl("Observation?part-of=Procedure/trd-s2&infusion-phase=" + BASE + "/CodeSystem/infusion-phase|baseline&_summary=count")
        .returnBundle(Bundle.class).execute();
    assertThat(baseline.getTotal()).isPositive().isLessThan(duringInfusion.getTotal());

    var third = client.search().byUrl("Procedure?subject=Patient/trd-patient&session-number=3")
        .returnBundle(Bundle.class).execute();
    assertThat(third.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactly("trd-s3");
  }

  @Test
  void loadingTheFixturesTwiceChangesNothing() throws Exception {
    var query = "Observation?subject=Patient/trd-patient&_summary=count";
    int before = client.search().byUrl(query).returnBundle(Bundle.class).execute().getTotal();
    loader.load(java.util.List.of(Fixtures.BUNDLES.resolve("trd-ketamine-course.json")));
    assertThat(client.search().byUrl(query).returnBundle(Bundle.class).execute().getTotal()).isEqualTo(before);
    assertThat(before).isGreaterThan(400);
  }

  @Test
  void everyValidExamplePassesValidateAndIsAcceptedOnWrite() throws Exception {
    for (var file : Fixtures.jsonFiles(Fixtures.RESOURCES)) {
      var resource = (Resource) FHIR.newJsonParser().parseResource(Files.readString(file));
      var validated = send("POST", "/" + resource.fhirType() + "/$validate", JSON, Files.readString(file));
      assertThat(FHIR.newJsonParser().parseResource(OperationOutcome.class, validated.body()).getIssue())
          .as(file + ": " + validated.body()).noneMatch(i -> i.getSeverity() == IssueSeverity.ERROR
              || i.getSeverity() == IssueSeverity.FATAL);
      var path = "/" + resource.fhirType() + "/" + resource.getIdElement().getIdPart();
      // Most examples are also in the demo courses (loaded above), a few only here: an update or a create.
      int expected = get(path).statusCode() == 200 ? 200 : 201;
      var response = send("PUT", path, JSON, Files.readString(file));
      assertThat(response.statusCode()).as(file + ": " + response.body()).isEqualTo(expected);
      assertThat(response.headers().firstValue("X-Validation-Issues")).as(file.toString()).isEmpty();
    }
  }

  @Test
  void everyInvalidExampleFailsValidateAndIsRefusedOnWriteWithItsError() throws Exception {
    for (var example : Fixtures.invalid()) {
      var body = Files.readString(example.file());
      var type = example.resourceType();

      var validated = send("POST", "/" + type + "/$validate", JSON, body);
      assertHasExpectedError(example, FHIR.newJsonParser().parseResource(OperationOutcome.class, validated.body()));

      var written = send("POST", "/" + type, JSON, body);
      switch (type) {
        case "CarePlan" -> { // infusion.validation.modes.CarePlan=warn in the test server
          assertThat(written.statusCode()).as(example.toString()).isEqualTo(201);
          assertThat(written.headers().firstValue("X-Validation-Issues").orElseThrow()).contains(example.location());
          deleteStored(written);
        }
        case "Medication" -> { // infusion.validation.modes.Medication=off
          assertThat(written.statusCode()).as(example.toString()).isEqualTo(201);
          deleteStored(written);
        }
        default -> {
          assertThat(written.statusCode()).as(example + ": " + written.body()).isEqualTo(422);
          assertHasExpectedError(example, FHIR.newJsonParser().parseResource(OperationOutcome.class, written.body()));
        }
      }
    }
  }

  @Test
  void validateTakesAProfileToCheckAgainst() throws Exception {
    var painScore = Files.readString(Fixtures.RESOURCES.resolve("pain-nrs-example.json"));
    var asPhq9 = send("POST", "/Observation/$validate?profile=" + BASE + "/StructureDefinition/phq9-total", JSON, painScore);
    var outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, asPhq9.body());
    assertThat(outcome.getIssue()).anyMatch(i -> i.getSeverity() == IssueSeverity.ERROR);
    var asItself = send("POST", "/Observation/$validate?profile=" + BASE + "/StructureDefinition/pain-nrs", JSON, painScore);
    assertThat(FHIR.newJsonParser().parseResource(OperationOutcome.class, asItself.body()).getIssue())
        .noneMatch(i -> i.getSeverity() == IssueSeverity.ERROR);
  }

  @Test
  void aTransactionWithOneInvalidEntryStoresNothing() throws Exception {
    var bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    var good = (Resource) FHIR.newJsonParser().parseResource(Files.readString(Fixtures.RESOURCES.resolve("phq9-total-example.json")));
    good.setId("tx-good-phq9");
    bundle.addEntry().setResource(good).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl("Observation/tx-good-phq9");
    var bad = (Resource) FHIR.newJsonParser().parseResource(Files.readString(Fixtures.INVALID.resolve("phq9-total-out-of-range.json")));
    bad.setId("tx-bad-phq9");
    bundle.addEntry().setResource(bad).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl("Observation/tx-bad-phq9");
    var response = send("POST", "", JSON, FHIR.newJsonParser().encodeResourceToString(bundle));
    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(get("/Observation/tx-good-phq9").statusCode()).isEqualTo(404);
  }

  /**
   * Deletes what an invalid example stored where validation only warns: a second CarePlan of the demo
   * patient would change the summary the exchange tests read of her course.
   */
  private void deleteStored(java.net.http.HttpResponse<String> created) {
    var location = created.headers().firstValue("Location").orElseThrow();
    var path = location.substring(location.indexOf("/fhir/") + "/fhir".length()).replaceFirst("/_history/.*", "");
    assertThat(send("DELETE", path, null, (String) null).statusCode()).as(path).isEqualTo(200);
  }

  private static void assertHasExpectedError(Fixtures.Invalid example, OperationOutcome outcome) {
    assertThat(outcome.getIssue())
        .as("%s should fail at %s with '%s' but said %s", example, example.location(), example.phrase(),
            outcome.getIssue().stream().map(i -> i.getSeverity() + " " + i.getExpression() + " " + i.getDiagnostics()).toList())
        .anyMatch(i -> (i.getSeverity() == IssueSeverity.ERROR || i.getSeverity() == IssueSeverity.FATAL)
            && i.getExpression().stream().anyMatch(e -> e.getValue().contains(example.location()))
            && i.getDiagnostics().toLowerCase().contains(example.phrase().toLowerCase()));
  }

}
