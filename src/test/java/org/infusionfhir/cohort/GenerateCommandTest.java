package org.infusionfhir.cohort;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.ig.ValidateCommand;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar infusion-fhir.jar generate}: a synthetic cohort, in-process, without a server. */
class GenerateCommandTest {

  static final FhirContext FHIR = FhirContext.forR4Cached();

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int exit = new GenerateCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Run generate(Path out, String... options) {
    var args = new ArrayList<>(List.of("--out", out.toString()));
    args.addAll(List.of(options));
    var result = run(args.toArray(String[]::new));
    assertThat(result.exit()).as(result.err()).isEqualTo(GenerateCommand.DONE);
    return result;
  }

  /** Every file under a folder, by its path relative to it, with its bytes. */
  static Map<String, byte[]> files(Path root) {
    var files = new LinkedHashMap<String, byte[]>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (var file : walk.filter(Files::isRegularFile).sorted().toList()) {
        files.put(root.relativize(file).toString(), Files.readAllBytes(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T extends Resource> List<T> ndjson(Path out, Class<T> type) {
    var parser = FHIR.newJsonParser();
    return lines(out.resolve("ndjson").resolve(type.getSimpleName() + ".ndjson")).stream()
        .map(line -> parser.parseResource(type, line)).toList();
  }

  @Nested
  class Determinism {

    @Test
    void theSameSeedAndOptionsGiveByteIdenticalFiles(@TempDir Path first, @TempDir Path second) {
      generate(first, "--patients", "4", "--seed", "42", "--vitals-interval", "600");
      generate(second, "--patients", "4", "--seed", "42", "--vitals-interval", "600");
      var a = files(first);
      var b = files(second);
      assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
      a.forEach((name, bytes) -> assertThat(b.get(name)).as(name).isEqualTo(bytes));
      assertThat(a).hasSizeGreaterThan(4 + 10 + 20);
    }

    @Test
    void aDifferentSeedGivesDifferentPeopleReadingsAndIds(@TempDir Path one, @TempDir Path two) throws IOException {
      generate(one, "--patients", "2", "--seed", "1");
      generate(two, "--patients", "2", "--seed", "2");
      var patientsOne = Files.readString(one.resolve("ndjson/Patient.ndjson"));
      var patientsTwo = Files.readString(two.resolve("ndjson/Patient.ndjson"));
      assertThat(patientsOne).contains("\"id\":\"syn1-p000001\"").isNotEqualTo(patientsTwo);
      assertThat(patientsTwo).contains("\"id\":\"syn2-p000001\"");
      assertThat(Files.readString(one.resolve("ndjson/Observation.ndjson")).replace("syn1-", ""))
          .isNotEqualTo(Files.readString(two.resolve("ndjson/Observation.ndjson")).replace("syn2-", ""));
      assertThat(files(one.resolve("hl7v2")).keySet()).allMatch(name -> name.startsWith("syn1-"));
    }

    @Test
    void aPatientIsTheSameWhateverTheSizeOfTheCohort(@TempDir Path small, @TempDir Path large) {
      generate(small, "--patients", "1", "--format", "bundles,hl7v2");
      generate(large, "--patients", "5", "--format", "bundles,hl7v2");
      assertThat(files(large.resolve("bundles")).get("syn1-p000001.json"))
          .isEqualTo(files(small.resolve("bundles")).get("syn1-p000001.json"));
      assertThat(files(large.resolve("hl7v2")).get("syn1-p000001-s1.hl7"))
          .isEqualTo(files(small.resolve("hl7v2")).get("syn1-p000001-s1.hl7"));
    }

    @Test
    void howOftenTheMonitorReportsChangesTheReadingsButNotTheCourse(@TempDir Path often, @TempDir Path seldom) {
      generate(often, "--patients", "10", "--format", "ndjson", "--vitals-interval", "30");
      generate(seldom, "--patients", "10", "--format", "ndjson", "--vitals-interval", "900");
      // Procedures differ only where their text names a reading (a reaction's peak blood pressure).
      for (var type : List.of("Patient", "Condition", "CarePlan", "Encounter", "MedicationAdministration")) {
        assertThat(lines(often.resolve("ndjson/" + type + ".ndjson")))
            .isEqualTo(lines(seldom.resolve("ndjson/" + type + ".ndjson")));
      }
      assertThat(scoresAndReactions(often)).isEqualTo(scoresAndReactions(seldom)).isNotEmpty();
      assertThat(lines(often.resolve("ndjson/Observation.ndjson")).size())
          .isGreaterThan(10 * lines(seldom.resolve("ndjson/Observation.ndjson")).size() / 2);
    }

    private List<String> scoresAndReactions(Path out) {
      var list = new ArrayList<String>();
      ndjson(out, Observation.class).stream().filter(o -> o.getValue() instanceof IntegerType)
          .forEach(o -> list.add(o.getIdElement().getIdPart() + "=" + o.getValueIntegerType().getValue()));
      ndjson(out, AdverseEvent.class).forEach(e -> list.add(e.getIdElement().getIdPart() + " "
          + e.getSeverity().getCodingFirstRep().getCode()));
      return list;
    }

    @Test
    void aSecondRunIntoTheSameFolderLeavesNoFilesOfTheFirst(@TempDir Path out) {
      generate(out, "--patients", "3");
      generate(out, "--patients", "1");
      assertThat(files(out.resolve("bundles")).keySet()).containsExactly("syn1-p000001.json");
      assertThat(lines(out.resolve("ndjson/Patient.ndjson"))).hasSize(1);
    }
  }

  @Nested
  class Validity {

    /**
     * Four patients hold the four courses; seven sessions each take every course into maintenance. The
     * hourly monitor reports keep the number of resources (and the test's time) down.
     */
    @Test
    void everyGeneratedResourceIsValidAgainstOurProfiles(@TempDir Path out) {
      generate(out, "--patients", "4", "--sessions", "7", "--vitals-interval", "3600");
      var procedures = ndjson(out, Procedure.class);
      assertThat(procedures).extracting(p -> p.getMeta().getProfile().get(0).getValue()).containsOnly(
          "http://infusion-fhir.org/fhir/StructureDefinition/ketamine-infusion-session",
          "http://infusion-fhir.org/fhir/StructureDefinition/infusion-session");
      assertThat(procedures).extracting(p -> ((org.hl7.fhir.r4.model.CodeableConcept) p.getExtensionByUrl(
              "http://infusion-fhir.org/fhir/StructureDefinition/infusion-protocol").getValue()).getCodingFirstRep()
          .getCode())
          .contains("ketamine-0.5mgkg-40min", "ketamine-pain-extended", "iv-vitamin-kit");
      assertThat(ndjson(out, AdverseEvent.class)).isNotEmpty();

      var stdout = new ByteArrayOutputStream();
      int exit = new ValidateCommand(new PrintStream(stdout, true, StandardCharsets.UTF_8), System.err)
          .run(List.of(out.resolve("bundles").toString()));
      var report = stdout.toString(StandardCharsets.UTF_8);
      assertThat(report).doesNotContain("INVALID").contains("4 file(s): 4 valid, 0 invalid");
      assertThat(exit).as(report).isEqualTo(ValidateCommand.VALID);
    }

    @Test
    void eachBundleIsExactlyWhatHapiEncodesForIt(@TempDir Path out) throws IOException {
      generate(out, "--patients", "4", "--format", "bundles", "--vitals-interval", "1800");
      var parser = FHIR.newJsonParser();
      for (var file : files(out.resolve("bundles")).keySet()) {
        var text = Files.readString(out.resolve("bundles").resolve(file));
        var bundle = parser.parseResource(Bundle.class, text);
        assertThat(parser.encodeResourceToString(bundle) + "\n").as(file).isEqualTo(text);
        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.TRANSACTION);
        for (var entry : bundle.getEntry()) {
          var url = entry.getResource().fhirType() + "/" + entry.getResource().getIdElement().getIdPart();
          assertThat(entry.getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.PUT);
          assertThat(entry.getRequest().getUrl()).isEqualTo(url);
          assertThat(entry.getFullUrl()).isEqualTo("https://infusion-fhir.org/cohort/" + url);
        }
      }
    }

    @Test
    void everyReferenceInABundleResolvesInsideIt(@TempDir Path out) throws IOException {
      generate(out, "--patients", "4", "--format", "bundles", "--vitals-interval", "1800");
      var parser = FHIR.newJsonParser();
      var terser = FHIR.newTerser();
      for (var file : files(out.resolve("bundles")).keySet()) {
        var bundle = parser.parseResource(Bundle.class, Files.readString(out.resolve("bundles").resolve(file)));
        var ids = new HashSet<String>();
        bundle.getEntry().forEach(e -> ids.add(e.getRequest().getUrl()));
        for (var entry : bundle.getEntry()) {
          for (var reference : terser.getAllPopulatedChildElementsOfType(entry.getResource(),
              org.hl7.fhir.r4.model.Reference.class)) {
            if (reference.hasReference()) {
              assertThat(ids).as("%s in %s", reference.getReference(), file).contains(reference.getReference());
            }
          }
        }
      }
    }

    @Test
    void theNdjsonHoldsEachResourceOfTheBundlesOnce(@TempDir Path out) throws IOException {
      generate(out, "--patients", "4", "--format", "bundles,ndjson", "--vitals-interval", "1800");
      var parser = FHIR.newJsonParser();
      var inBundles = new HashSet<String>();
      for (var file : files(out.resolve("bundles")).keySet()) {
        var bundle = parser.parseResource(Bundle.class, Files.readString(out.resolve("bundles").resolve(file)));
        bundle.getEntry().forEach(e -> inBundles.add(parser.encodeResourceToString(e.getResource())));
      }
      var inNdjson = new ArrayList<String>();
      for (var file : files(out.resolve("ndjson")).keySet()) {
        var type = file.replace(".ndjson", "");
        for (var line : lines(out.resolve("ndjson").resolve(file))) {
          assertThat(line).startsWith("{\"resourceType\":\"" + type + "\"");
          inNdjson.add(line);
        }
      }
      assertThat(inNdjson).doesNotHaveDuplicates();
      // Clinic resources no patient of these four uses are in the NDJSON only.
      assertThat(inNdjson).containsAll(inBundles);
      assertThat(inNdjson.size() - inBundles.size()).isBetween(0, Clinic.CLINICIANS + Clinic.CHAIRS);
    }

    @Test
    void idsAreFhirIdsAndUniqueEvenWhenTheMonitorReportsEveryFewSeconds(@TempDir Path out) {
      generate(out, "--patients", "1", "--sessions", "1", "--vitals-interval", "15", "--format", "ndjson");
      var ids = new HashSet<String>();
      for (var file : files(out.resolve("ndjson")).keySet()) {
        for (var line : lines(out.resolve("ndjson").resolve(file))) {
          var resource = (Resource) FHIR.newJsonParser().parseResource(line);
          var id = resource.getIdElement().getIdPart();
          assertThat(id).matches("[A-Za-z0-9\\-.]{1,64}");
          assertThat(ids.add(resource.fhirType() + "/" + id)).as(id).isTrue();
        }
      }
      // 40 minutes of infusion and 40 of recovery at 15 s, and 5 minutes of baseline: 341 reports.
      assertThat(ndjson(out, Observation.class).stream()
          .filter(o -> o.getCode().getCodingFirstRep().getCode().equals("8867-4"))).hasSize(341);
    }
  }

  @Nested
  class Content {

    @Test
    void tenPatientsGetTheirCoursesSessionsAndResourcesAsRequested(@TempDir Path out) {
      var result = generate(out, "--patients", "10");
      // The mix of ten: 4 TRD (6 sessions), 2 PTSD (4), 2 chronic pain (5), 2 IV vitamins (6).
      int sessions = 4 * 6 + 2 * 4 + 2 * 5 + 2 * 6;
      assertThat(ndjson(out, org.hl7.fhir.r4.model.Patient.class)).hasSize(10);
      assertThat(ndjson(out, Procedure.class)).hasSize(sessions);
      assertThat(ndjson(out, MedicationAdministration.class)).hasSize(sessions);
      assertThat(ndjson(out, org.hl7.fhir.r4.model.Encounter.class)).hasSize(sessions);
      assertThat(ndjson(out, org.hl7.fhir.r4.model.Condition.class)).hasSize(8);
      assertThat(ndjson(out, org.hl7.fhir.r4.model.CarePlan.class)).hasSize(10);
      assertThat(files(out.resolve("bundles"))).hasSize(10);
      assertThat(files(out.resolve("hl7v2"))).hasSize(sessions);
      // One report every 5 min: 18 in a 40-minute session (-5 to +80 min), 63 in a 4-hour one (-10 to +300),
      // and the three checks of an IV vitamin session.
      int messages = 4 * 6 * 18 + 2 * 4 * 18 + 2 * 5 * 63 + 2 * 6 * 3;
      long sent = files(out.resolve("hl7v2")).values().stream()
          .mapToLong(bytes -> new String(bytes, StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("MSH|")).count())
          .sum();
      assertThat(sent).isEqualTo(messages);
      assertThat(result.out()).contains("generated 10 patients", "sessions          " + sessions,
          String.format(java.util.Locale.ROOT, "HL7 v2 messages   %,d", messages), "files             bundles/ 10, ndjson/ 11, hl7v2/ " + sessions);
    }

    @Test
    void sessionsBeyondTheInductionSeriesAreMaintenance(@TempDir Path out) {
      generate(out, "--patients", "1", "--sessions", "8", "--format", "ndjson", "--vitals-interval", "3600");
      var procedures = ndjson(out, Procedure.class);
      assertThat(procedures).hasSize(8);
      assertThat(procedures).extracting(p -> ((PositiveIntType) p.getExtensionByUrl(
          "http://infusion-fhir.org/fhir/StructureDefinition/session-number").getValue()).getValue())
          .containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
      var plan = ndjson(out, org.hl7.fhir.r4.model.CarePlan.class).get(0);
      assertThat(plan.getActivity()).hasSize(2);
      assertThat(plan.getActivity().get(0).getOutcomeReference()).hasSize(6);
      assertThat(plan.getActivity().get(1).getOutcomeReference()).extracting(r -> r.getReference())
          .containsExactly("Procedure/syn1-p000001-s7", "Procedure/syn1-p000001-s8");
    }

    @Test
    void ketamineIsDosedByTheWeightMeasuredThatDay(@TempDir Path out) {
      generate(out, "--patients", "3", "--format", "ndjson", "--vitals-interval", "3600");
      var weights = new LinkedHashMap<String, Double>();
      ndjson(out, Observation.class).stream().filter(o -> o.getIdElement().getIdPart().endsWith("-weight"))
          .forEach(o -> weights.put("Observation/" + o.getIdElement().getIdPart(),
              o.getValueQuantity().getValue().doubleValue()));
      var administrations = ndjson(out, MedicationAdministration.class);
      assertThat(administrations).hasSize(6 + 4 + 5);
      for (var given : administrations) {
        var perKg = ((Quantity) given.getDosage().getExtensionByUrl(
            "http://infusion-fhir.org/fhir/StructureDefinition/weight-based-dose").getValue()).getValue().doubleValue();
        var weight = weights.get(given.getSupportingInformationFirstRep().getReference());
        assertThat(given.getDosage().getDose().getValue().doubleValue()).as(given.getIdElement().getIdPart())
            .isCloseTo(weight * perKg, org.assertj.core.data.Offset.offset(0.051));
        assertThat(perKg).isIn(0.5, 2.0);
      }
    }

    @Test
    void adverseEventsComeAtRealisticRatesAndSuspectTheSessionsAdministration(@TempDir Path out) {
      generate(out, "--patients", "100", "--format", "ndjson", "--vitals-interval", "3600");
      var events = ndjson(out, AdverseEvent.class);
      // 100 patients hold 420 ketamine sessions (40 x 6, 20 x 4, 20 x 5) and 120 IV vitamin sessions.
      long ketamineSessions = 40 * 6 + 20 * 4 + 20 * 5;
      long nausea = events.stream().filter(e -> e.getEvent().getCodingFirstRep().getCode().equals("422587007")).count();
      long bloodPressure = events.stream()
          .filter(e -> e.getEvent().getCodingFirstRep().getCode().equals("24184005")).count();
      assertThat(nausea * 100.0 / ketamineSessions).isBetween(8.0, 20.0);
      assertThat(bloodPressure * 100.0 / ketamineSessions).isBetween(3.0, 10.0);
      for (var event : events) {
        var session = event.getIdElement().getIdPart().replaceAll("-ae-.*", "");
        assertThat(event.getSuspectEntityFirstRep().getInstance().getReference())
            .isIn("MedicationAdministration/" + session + "-ketamine", "MedicationAdministration/" + session + "-vitamins");
        assertThat(event.getEncounter().getReference()).isEqualTo("Encounter/" + session + "-enc");
      }
    }

    @Test
    void aRaisedBloodPressureReactionIsDatedAtItsHighestReading(@TempDir Path out) {
      generate(out, "--patients", "40", "--format", "ndjson");
      var pressures = ndjson(out, Observation.class).stream()
          .filter(o -> o.getCode().getCodingFirstRep().getCode().equals("85354-9")).toList();
      var raised = ndjson(out, AdverseEvent.class).stream()
          .filter(e -> e.getEvent().getCodingFirstRep().getCode().equals("24184005")).toList();
      assertThat(raised).isNotEmpty();
      for (var event : raised) {
        var session = "Procedure/" + event.getIdElement().getIdPart().replaceAll("-ae-.*", "");
        var peak = pressures.stream().filter(o -> o.getPartOfFirstRep().getReference().equals(session))
            .filter(o -> o.getEffectiveDateTimeType().getValue().equals(event.getDate()))
            .findFirst().orElseThrow();
        assertThat(peak.getComponentFirstRep().getValueQuantity().getValue().intValue()).isGreaterThanOrEqualTo(150);
        assertThat(event.getEvent().getText()).contains("peak "
            + peak.getComponentFirstRep().getValueQuantity().getValue() + "/");
      }
    }

    @Test
    void scoresStayWithinTheirInstrumentsRanges(@TempDir Path out) {
      generate(out, "--patients", "20", "--format", "ndjson", "--vitals-interval", "3600");
      var ranges = Map.of("44261-6", 27, "44260-8", 3, "70274-6", 21, "72514-3", 10, "cadss-total", 92, "moaas", 5);
      var scores = ndjson(out, Observation.class).stream().filter(o -> o.getValue() instanceof IntegerType).toList();
      assertThat(scores).extracting(o -> o.getCode().getCodingFirstRep().getCode())
          .containsAll(ranges.keySet());
      for (var score : scores) {
        assertThat(score.getValueIntegerType().getValue())
            .isBetween(0, ranges.get(score.getCode().getCodingFirstRep().getCode()));
      }
    }

    @Test
    void vitalSignsCarryTheirInfusionPhase(@TempDir Path out) {
      generate(out, "--patients", "1", "--sessions", "1", "--format", "ndjson");
      var heartRates = ndjson(out, Observation.class).stream()
          .filter(o -> o.getCode().getCodingFirstRep().getCode().equals("8867-4")).toList();
      assertThat(heartRates).extracting(o -> o.getIdElement().getIdPart().replace("syn1-p000001-s1-hr-", "") + " "
              + ((org.hl7.fhir.r4.model.CodeableConcept) ((Extension) o.getExtensionByUrl(
                  "http://infusion-fhir.org/fhir/StructureDefinition/infusion-phase")).getValue())
              .getCodingFirstRep().getCode())
          .startsWith("m005 baseline", "0000 during-infusion", "0005 during-infusion")
          .contains("0040 during-infusion", "0045 recovery")
          .endsWith("0080 recovery");
    }
  }

  @Nested
  class Usage {

    @Test
    void usageErrorsExitWithTwoAndSayWhatIsWrong(@TempDir Path out) {
      var o = out.toString();
      assertThat(run("--patients").exit()).isEqualTo(GenerateCommand.USAGE);
      assertThat(run("--out", o, "--patients", "0").err()).contains("--patients must be from 1");
      assertThat(run("--out", o, "--patients", "many").err()).contains("--patients takes a whole number");
      assertThat(run("--out", o, "--format", "csv").err()).contains("--format takes bundles, ndjson, hl7v2 or all");
      assertThat(run("--out", o, "--vitals-interval", "0").exit()).isEqualTo(GenerateCommand.USAGE);
      assertThat(run("--out", o, "--start", "next monday").exit()).isEqualTo(GenerateCommand.USAGE);
      assertThat(run("--out", o, "--colour", "blue").err()).contains("unknown option --colour");
      var stray = run("--out", o, "patients");
      assertThat(stray.exit()).isEqualTo(GenerateCommand.USAGE);
      assertThat(stray.err()).contains("unexpected argument 'patients'", "usage: java -jar infusion-fhir.jar generate");
      assertThat(files(out)).isEmpty();
    }

    @Test
    void helpPrintsTheUsageAndExitsZero() {
      var help = run("--help");
      assertThat(help.exit()).isZero();
      assertThat(help.out()).contains("--patients N", "--seed S", "--out DIR", "--format F", "--sessions N",
          "--vitals-interval SECONDS", "--start YYYY-MM-DD");
    }

    @Test
    void optionsAlsoTakeTheirValueAfterAnEqualsSign(@TempDir Path out) {
      var result = run("--out=" + out, "--patients=2", "--format=ndjson", "--seed=7");
      assertThat(result.exit()).as(result.err()).isZero();
      assertThat(lines(out.resolve("ndjson/Patient.ndjson"))).hasSize(2).allMatch(l -> l.contains("syn7-p00000"));
      assertThat(out.resolve("bundles")).doesNotExist();
    }
  }
}
