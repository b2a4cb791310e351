package org.infusionfhir.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Composition;
import org.hl7.fhir.r4.model.Composition.SectionComponent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.utilities.xhtml.XhtmlNode;
import org.infusionfhir.ig.FixtureLoader;
import org.infusionfhir.ig.ValidateCommand;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code Patient/[id]/$summary} over the demo courses (fixtures/README.md): the TRD course of six
 * ketamine sessions, 2-19 Feb 2026, with a blood-pressure rise in session 2; the PTSD course with nausea
 * and dissociation; the IV vitamin course, which has no Condition.
 *
 * <p>The TRD patient is read for February 2026 only: the adapter tests that share this server add a
 * maintenance session, vitals and scores for her in May 2026.
 */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatientSummaryTest extends FhirServerTestBase {

  static final String SECTIONS = "http://infusion-fhir.org/fhir/CodeSystem/infusion-summary";
  static final String PROFILE = "http://infusion-fhir.org/fhir/StructureDefinition/infusion-treatment-summary";
  static final String TRD_FEBRUARY = "/Patient/trd-patient/$summary?start=2026-02-01&end=2026-02-28";
  static final Path EXAMPLE = Fixtures.RESOURCES.resolve("infusion-treatment-summary-example.json");

  @Autowired FixtureLoader loader;

  Bundle trd;

  @BeforeAll
  void theDemoCoursesAreLoaded() throws Exception {
    loader.load(Fixtures.jsonFiles(Fixtures.BUNDLES));
    trd = summary(TRD_FEBRUARY);
  }

  @Nested
  class TheDocument {

    @Test
    void isADocumentBundleWithTheCompositionFirst() {
      assertThat(trd.getType()).isEqualTo(Bundle.BundleType.DOCUMENT);
      assertThat(trd.getIdentifier().getSystem()).isEqualTo("urn:ietf:rfc:3986");
      assertThat(trd.getIdentifier().getValue()).startsWith("urn:uuid:");
      assertThat(trd.getTimestamp()).isNotNull();
      var composition = composition(trd);
      assertThat(composition.getMeta().getProfile()).extracting(p -> p.getValue()).containsExactly(PROFILE);
      assertThat(composition.getType().getCodingFirstRep().getSystem()).isEqualTo(SECTIONS);
      assertThat(composition.getType().getCodingFirstRep().getCode()).isEqualTo("treatment-summary");
      assertThat(composition.getSubject().getReference()).isEqualTo("Patient/trd-patient");
      assertThat(composition.getStatus()).isEqualTo(Composition.CompositionStatus.FINAL);
      assertThat(composition.getAuthorFirstRep().getDisplay()).isNotBlank();
      assertThat(composition.getText().getDivAsString()).contains("Hanna Marie Lindqvist")
          .contains("2026-02-01 to 2026-02-28").contains("6 infusion sessions");
    }

    @Test
    void everyEntryHasAUniqueFullUrlOnTheServerBaseAndEveryReferenceOfTheCompositionResolves() {
      var fullUrls = new HashSet<String>();
      for (var entry : trd.getEntry()) {
        var id = entry.getResource().getIdElement();
        assertThat(entry.getFullUrl()).isEqualTo(fhirBase() + "/" + id.getResourceType() + "/" + id.getIdPart());
        assertThat(fullUrls.add(entry.getFullUrl())).as(entry.getFullUrl()).isTrue();
      }
      var composition = composition(trd);
      var references = new ArrayList<Reference>(List.of(composition.getSubject()));
      composition.getSection().forEach(s -> references.addAll(s.getEntry()));
      assertThat(references).allSatisfy(r -> assertThat(fullUrls).contains(fhirBase() + "/" + r.getReference()));
    }

    @Test
    void hasTheSixSectionsInOrderEachWithANarrative() {
      var sections = composition(trd).getSection();
      assertThat(sections).extracting(s -> s.getCode().getCodingFirstRep().getSystem()).containsOnly(SECTIONS);
      assertThat(sections).extracting(s -> s.getCode().getCodingFirstRep().getCode()).containsExactly(
          "indications", "course-and-sessions", "vital-sign-ranges", "adverse-events", "outcome-measures",
          "safety-alerts");
      assertThat(sections).allSatisfy(s -> {
        assertThat(s.getTitle()).isNotBlank();
        assertThat(s.getText().getStatus().toCode()).isEqualTo("generated");
        assertThat(s.getText().getDivAsString()).startsWith("<div xmlns=\"http://www.w3.org/1999/xhtml\"");
      });
    }

    @Test
    void comesAsXmlToo() {
      var response = get(TRD_FEBRUARY, "Accept", XML);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var document = FHIR.newXmlParser().parseResource(Bundle.class, response.body());
      assertThat(rows(section(document, "course-and-sessions"))).hasSize(6);
    }

    @Test
    void staysSmallWithoutTheVitalSignReadings() {
      assertThat(trd.getEntry()).extracting(e -> e.getResource().fhirType()).containsOnlyOnce("Composition", "Patient");
      assertThat(trd.getEntry()).hasSizeLessThan(30)
          .noneMatch(e -> e.getResource().getMeta().getProfile().stream()
              .anyMatch(p -> p.getValue().endsWith("-heart-rate") || p.getValue().endsWith("-blood-pressure")));
    }

    @Test
    void passesValidateAsABundleAndTheCompositionConformsToItsProfile() {
      var outcome = assertValidBundle(trd);
      // Not even a warning on the Composition: its local codes and displays match the CodeSystem.
      assertThat(outcome.getIssue()).filteredOn(i -> i.getExpression().stream()
              .anyMatch(e -> e.getValue().startsWith("Bundle.entry[0]")))
          .allMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.INFORMATION);
      assertConformsToItsProfile(composition(trd));
    }

    @Test
    void theProfileRefusesASummaryWithoutOneOfItsSections() {
      var broken = composition(trd).copy();
      broken.getSection().removeIf(s -> s.getCode().getCodingFirstRep().getCode().equals("adverse-events"));
      var response = send("POST", "/Composition/$validate?profile=" + PROFILE, JSON,
          FHIR.newJsonParser().encodeResourceToString(broken));
      var outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
      assertThat(outcome.getIssue()).as(response.body()).anyMatch(i ->
          i.getSeverity() == OperationOutcome.IssueSeverity.ERROR && i.getDiagnostics().contains("adverseEvents"));
    }

    @Test
    void withEmptySectionsItStillValidates() {
      var vitamins = summary("/Patient/vit-patient/$summary");
      assertValidBundle(vitamins);
      assertConformsToItsProfile(composition(vitamins));
      var nothingInJune2025 = summary("/Patient/trd-patient/$summary?start=2025-06-01&end=2025-06-30");
      assertThat(composition(nothingInJune2025).getSection()).allSatisfy(PatientSummaryTest::assertIsEmpty);
      assertValidBundle(nothingInJune2025);
      assertConformsToItsProfile(composition(nothingInJune2025));
    }

    @Test
    void textFromTheRecordIsEscapedInTheNarrative() {
      var patient = unique("summary-escaping");
      client.update().resource(new Patient().setId(patient)).execute();
      var session = new Procedure().setStatus(Procedure.ProcedureStatus.COMPLETED)
          .setSubject(new Reference("Patient/" + patient))
          .setPerformed(new Period().setStartElement(new DateTimeType("2026-03-02T14:00:00+01:00"))
              .setEndElement(new DateTimeType("2026-03-02T14:40:00+01:00")));
      session.setId(patient + "-s1");
      session.getCode().addCoding().setSystem("http://infusion-fhir.org/fhir/CodeSystem/infusion-procedure")
          .setCode("iv-infusion");
      session.addReasonCode().setText("Pain <8/10> & \"flare\" <script>alert(1)</script>");
      client.update().resource(session).execute();

      var document = summary("/Patient/" + patient + "/$summary");
      var indications = section(document, "indications");
      assertThat(indications.getText().getDivAsString())
          .contains("Pain &lt;8/10&gt; &amp;").doesNotContain("<script>").doesNotContain("<8/10>");
      assertThat(indications.getText().getDiv().getElement("ul").getElement("li").allText())
          .startsWith("Pain <8/10> & \"flare\" <script>alert(1)</script>");
      assertThat(rows(section(document, "course-and-sessions"))).containsExactly(
          List.of("2026-03-02", "–", "–", "–", "–", "40 min"));
      assertValidBundle(document);
    }

    @Test
    void theProfileExampleIsTheFebruarySummaryAndPassesTheOfflineValidator() throws Exception {
      var example = FHIR.newJsonParser().parseResource(Composition.class, Files.readString(EXAMPLE));
      var live = composition(trd);
      assertThat(example.getText().getDivAsString()).isEqualTo(live.getText().getDivAsString());
      assertThat(example.getSection()).hasSameSizeAs(live.getSection());
      for (int i = 0; i < live.getSection().size(); i++) {
        assertThat(example.getSection().get(i).equalsDeep(live.getSection().get(i)))
            .as("section %d of %s is what the operation returns now", i, EXAMPLE).isTrue();
      }
      assertConformsToItsProfile(example);
      var out = new ByteArrayOutputStream();
      var exit = new ValidateCommand(new PrintStream(out, true, StandardCharsets.UTF_8), System.err)
          .run(List.of(EXAMPLE.toString()));
      assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(ValidateCommand.VALID);
    }
  }

  @Nested
  class TheSections {

    @Test
    void indicationsAreTheConditionTheSessionsTreat() {
      var indications = section(trd, "indications");
      assertThat(references(indications)).containsExactly("Condition/trd-condition");
      assertThat(indications.getText().getDivAsString()).contains("Treatment-resistant depression");
    }

    @Test
    void theCourseHasOneRowPerSessionInTimeOrderWithDoseAndDuration() {
      var course = section(trd, "course-and-sessions");
      var rows = rows(course);
      assertThat(rows).hasSize(6);
      assertThat(rows).extracting(r -> r.get(0)).containsExactly(
          "2026-02-02", "2026-02-05", "2026-02-09", "2026-02-12", "2026-02-16", "2026-02-19");
      assertThat(rows).extracting(r -> r.get(1)).containsExactly("1", "2", "3", "4", "5", "6");
      assertThat(rows).allSatisfy(row -> {
        assertThat(row.get(2)).isEqualTo("ketamine");
        assertThat(row.get(3)).matches("\\d+(\\.\\d+)? mg");
        assertThat(row.get(4)).isEqualTo("0.5 mg/kg");
        assertThat(row.get(5)).isEqualTo("40 min");
      });
      assertThat(rows.get(0).get(3)).isEqualTo("39.2 mg");
      assertThat(course.getText().getDivAsString()).contains("IV ketamine course for treatment-resistant depression");
      assertThat(references(course)).contains("CarePlan/trd-careplan", "Procedure/trd-s1", "Procedure/trd-s6",
          "MedicationAdministration/trd-s2-ketamine").hasSize(13);
    }

    @Test
    void vitalSignRangesShowSessionTwosBloodPressurePeak() {
      var vitals = section(trd, "vital-sign-ranges");
      var rows = rows(vitals);
      assertThat(rows).hasSize(6);
      var sessionTwo = rows.get(1);
      assertThat(sessionTwo.subList(0, 2)).containsExactly("2026-02-05", "2");
      assertThat(sessionTwo.get(3)).endsWith("–165/98");
      assertThat(sessionTwo.get(2)).matches("\\d+–\\d+");
      assertThat(sessionTwo.get(4)).matches("\\d+–\\d+");
      assertThat(rows).filteredOn(r -> !r.get(1).equals("2")).allSatisfy(r ->
          assertThat(r.get(3)).doesNotContain("165/98"));
      assertThat(references(vitals)).containsExactly("Procedure/trd-s1", "Procedure/trd-s2", "Procedure/trd-s3",
          "Procedure/trd-s4", "Procedure/trd-s5", "Procedure/trd-s6");
    }

    @Test
    void adverseEventsShowTheEventWithSeveritySeriousnessAndOutcome() {
      var events = section(trd, "adverse-events");
      assertThat(rows(events)).containsExactly(List.of("2026-02-05 10:00",
          "Raised blood pressure: Transient raised blood pressure (peak 165/98 mmHg)", "Mild", "Non-serious",
          "Resolved"));
      assertThat(references(events)).containsExactly("AdverseEvent/trd-s2-ae-hypertension");

      // The whole record, no window.
      var ptsd = section(summary("/Patient/ptsd-patient/$summary"), "adverse-events");
      assertThat(rows(ptsd)).extracting(r -> r.get(1)).containsExactly("Nausea",
          "Dissociation: Marked dissociation with distress");
      assertThat(rows(ptsd)).extracting(r -> r.get(2)).containsExactly("Mild", "Moderate");
    }

    @Test
    void outcomeMeasuresCompareTheFirstScoreWithTheLatest() {
      var outcomes = section(trd, "outcome-measures");
      assertThat(rows(outcomes)).containsExactly(
          List.of("PHQ-9 total", "21 on 2026-02-02", "8 on 2026-02-19", "-13"),
          List.of("GAD-7 total", "15 on 2026-02-02", "7 on 2026-02-19", "-8"));
      assertThat(references(outcomes)).containsExactly("Observation/trd-s1-phq9-total-pre",
          "Observation/trd-s6-phq9-total-post", "Observation/trd-s1-gad7-pre", "Observation/trd-s6-gad7-post");
    }

    @Test
    void theIvVitaminCourseHasIndicationsWithoutACondition() throws Exception {
      var patient = "vit-patient";
      assertThat(Files.readString(Fixtures.BUNDLES.resolve("iv-vitamin-course.json")))
          .contains("\"id\": \"" + patient + "\"");
      var vitamins = summary("/Patient/" + patient + "/$summary");
      var indications = section(vitamins, "indications");
      assertThat(indications.getEntry()).isEmpty();
      assertThat(indications.getText().getDivAsString()).contains("Wellness infusion");
      assertThat(vitamins.getEntry()).noneMatch(e -> e.getResource().fhirType().equals("Condition"));

      var rows = rows(section(vitamins, "course-and-sessions"));
      assertThat(rows).hasSize(6).allSatisfy(row -> {
        assertThat(row.get(2)).startsWith("IV vitamin kit");
        assertThat(row.get(3)).isEqualTo("500 mL");
        assertThat(row.get(4)).isEqualTo("–");
        assertThat(row.get(5)).isEqualTo("60 min");
      });
      assertThat(vitamins.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
          .contains("vit-iv-vitamin-kit");
      assertIsEmpty(section(vitamins, "adverse-events"));
      assertIsEmpty(section(vitamins, "outcome-measures"));
    }
  }

  @Nested
  class AWindow {

    @Test
    void keepsOnlyTheSessionsEventsAndScoresInIt() {
      var firstWeek = summary("/Patient/trd-patient/$summary?start=2026-02-01&end=2026-02-09");
      assertThat(rows(section(firstWeek, "course-and-sessions"))).extracting(r -> r.get(0))
          .containsExactly("2026-02-02", "2026-02-05", "2026-02-09");
      assertThat(rows(section(firstWeek, "vital-sign-ranges"))).hasSize(3);
      assertThat(references(section(firstWeek, "adverse-events")))
          .containsExactly("AdverseEvent/trd-s2-ae-hypertension");
      assertThat(rows(section(firstWeek, "outcome-measures"))).containsExactly(
          List.of("PHQ-9 total", "21 on 2026-02-02", "only one score recorded", "–"),
          List.of("GAD-7 total", "15 on 2026-02-02", "only one score recorded", "–"));
      var event = composition(firstWeek).getEventFirstRep().getPeriod();
      assertThat(event.getStartElement().getValueAsString()).isEqualTo("2026-02-01");
      assertThat(event.getEndElement().getValueAsString()).isEqualTo("2026-02-09");
      assertThat(firstWeek.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
          .doesNotContain("trd-s4", "trd-s4-ketamine", "trd-s6-phq9-total-post");
    }

    @Test
    void withATimeIsComparedAsAnInstant() {
      // Session 2 starts 2026-02-05T09:30:00+01:00, i.e. 08:30Z.
      var from = summary("/Patient/trd-patient/$summary?start=" + encode("2026-02-05T08:30:00Z")
          + "&end=" + encode("2026-02-12T08:29:59Z"));
      assertThat(rows(section(from, "course-and-sessions"))).extracting(r -> r.get(1)).containsExactly("2", "3");
    }

    @Test
    void withoutTheAdverseEventLeavesItsSectionEmptySayingNoneRecorded() {
      var later = summary("/Patient/trd-patient/$summary?start=2026-02-10&end=2026-02-28");
      assertThat(rows(section(later, "course-and-sessions"))).extracting(r -> r.get(1)).containsExactly("4", "5", "6");
      var events = section(later, "adverse-events");
      assertIsEmpty(events);
    }

    @Test
    void canBeGivenInAParametersBody() {
      var parameters = new Parameters();
      parameters.addParameter().setName("start").setValue(new DateType("2026-02-01"));
      parameters.addParameter().setName("end").setValue(new DateType("2026-02-09"));
      var response = send("POST", "/Patient/trd-patient/$summary", JSON,
          FHIR.newJsonParser().encodeResourceToString(parameters));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var document = FHIR.newJsonParser().parseResource(Bundle.class, response.body());
      assertThat(rows(section(document, "course-and-sessions"))).hasSize(3);
    }
  }

  @Nested
  class Discovery {

    @Test
    void theCapabilityStatementNamesTheOperationAndItsDefinitionListsStartAndEnd() {
      var metadata = get("/metadata");
      assertThat(metadata.statusCode()).isEqualTo(200);
      var capabilities = FHIR.newJsonParser().parseResource(CapabilityStatement.class, metadata.body());
      var patient = capabilities.getRestFirstRep().getResource().stream()
          .filter(r -> r.getType().equals("Patient")).findFirst().orElseThrow();
      var summary = patient.getOperation().stream().filter(o -> o.getName().equals("summary"))
          .findFirst().orElseThrow();

      var response = get(summary.getDefinition().replaceFirst("^.*/OperationDefinition/", "/OperationDefinition/"));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var definition = FHIR.newJsonParser().parseResource(OperationDefinition.class, response.body());
      assertThat(definition.getParameter()).extracting(p -> p.getName()).contains("start", "end");
      assertThat(definition.getInstance()).isTrue();
    }
  }

  @Nested
  class Errors {

    @Test
    void anUnknownPatientIs404() {
      assertOperationOutcome(get("/Patient/no-such-patient/$summary"), 404, "no-such-patient");
    }

    @Test
    void anEndBeforeTheStartIs400NamingTheParameter() {
      assertOperationOutcome(get("/Patient/trd-patient/$summary?start=2026-02-09&end=2026-02-01"), 400, "end");
    }

    @Test
    void anUnreadableDateIs400NamingTheParameter() {
      assertOperationOutcome(get("/Patient/trd-patient/$summary?start=yesterday"), 400, "start");
      assertOperationOutcome(get("/Patient/trd-patient/$summary?end=2026-13-45"), 400, "end");
    }
  }

  @Nested
  class SessionsAsTheGuidesRuleFindsThem {

    @Test
    void anEhrCodedProcedureWithAnIntravenousAdministrationPartOfItIsASession() {
      var ehr = org.infusionfhir.support.EhrShapedRecord.create(client);
      var document = summary("/Patient/" + ehr.patientId() + "/$summary");
      var course = section(document, "course-and-sessions");
      assertThat(references(course)).contains("Procedure/" + ehr.sessionId(),
          "MedicationAdministration/" + ehr.administrationId()).doesNotContain("Procedure/" + ehr.consultationId());
      assertThat(course.getText().getDivAsString()).contains("35");
    }

    @Test
    void theRulesCodesAreTheValueSetsCodes() throws Exception {
      var valueSet = (org.hl7.fhir.r4.model.ValueSet) FHIR.newJsonParser().parseResource(
          java.nio.file.Files.readString(java.nio.file.Path.of("profiles/ValueSet-infusion-procedure-codes.json")));
      var codeSystem = (org.hl7.fhir.r4.model.CodeSystem) FHIR.newJsonParser().parseResource(
          java.nio.file.Files.readString(java.nio.file.Path.of("profiles/CodeSystem-infusion-procedure.json")));
      var codes = new java.util.HashSet<String>();
      for (var include : valueSet.getCompose().getInclude()) {
        if (include.getConcept().isEmpty()) {
          assertThat(include.getSystem()).isEqualTo(codeSystem.getUrl());
          codeSystem.getConcept().forEach(c -> codes.add(include.getSystem() + "|" + c.getCode()));
        }
        include.getConcept().forEach(c -> codes.add(include.getSystem() + "|" + c.getCode()));
      }
      assertThat(codes).isEqualTo(org.infusionfhir.exchange.InfusionSessionRule.SESSION_CODES);
    }
  }

  private Bundle summary(String path) {
    var response = get(path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(Bundle.class, response.body());
  }

  /** Asserts that $validate finds no error in the document, the core invariants of a document included. */
  private OperationOutcome assertValidBundle(Bundle document) {
    var response = send("POST", "/Bundle/$validate", JSON, FHIR.newJsonParser().encodeResourceToString(document));
    var outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
    assertThat(outcome.getIssue()).as(response.body())
        .noneMatch(i -> i.getSeverity().ordinal() <= OperationOutcome.IssueSeverity.ERROR.ordinal());
    return outcome;
  }

  private static Composition composition(Bundle document) {
    BundleEntryComponent first = document.getEntryFirstRep();
    assertThat(first.getResource()).isInstanceOf(Composition.class);
    return (Composition) first.getResource();
  }

  private static SectionComponent section(Bundle document, String code) {
    return composition(document).getSection().stream()
        .filter(s -> code.equals(s.getCode().getCodingFirstRep().getCode())).findFirst().orElseThrow();
  }

  private static List<String> references(SectionComponent section) {
    return section.getEntry().stream().map(Reference::getReference).toList();
  }

  private static void assertIsEmpty(SectionComponent section) {
    assertThat(section.getEntry()).isEmpty();
    assertThat(section.getEmptyReason().getCodingFirstRep().getCode()).isEqualTo("nilknown");
    assertThat(section.getText().getDivAsString()).contains("None recorded");
  }

  /** The cells of each body row of the section's narrative table. */
  private static List<List<String>> rows(SectionComponent section) {
    var rows = new ArrayList<List<String>>();
    var table = section.getText().getDiv().getElement("table");
    if (table == null) {
      return rows;
    }
    for (var tr : table.getElement("tbody").getChildNodes()) {
      if ("tr".equals(tr.getName())) {
        rows.add(tr.getChildNodes().stream().filter(td -> "td".equals(td.getName())).map(XhtmlNode::allText).toList());
      }
    }
    return rows;
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
