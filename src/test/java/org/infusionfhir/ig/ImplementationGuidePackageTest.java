package org.infusionfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.infusionfhir.support.Fixtures;
import org.junit.jupiter.api.Test;

/** The FHIR NPM package the build makes from profiles/ (target/ and inside the jar's classes). */
class ImplementationGuidePackageTest {

  static NpmPackage load() throws IOException {
    try (InputStream in = ImplementationGuidePackageTest.class.getClassLoader()
        .getResourceAsStream(ImplementationGuidePackage.CLASSPATH_LOCATION)) {
      assertThat(in).as("package on the classpath").isNotNull();
      return NpmPackage.fromPackage(in);
    }
  }

  @Test
  void manifestNamesTheGuideFhirVersionAndCoreDependency() throws IOException {
    var npm = load();
    assertThat(npm.name()).isEqualTo("org.infusionfhir.ig");
    assertThat(npm.version()).isEqualTo("0.1.0");
    assertThat(npm.fhirVersion()).isEqualTo("4.0.1");
    assertThat(npm.dependencies()).contains("hl7.fhir.r4.core#4.0.1");
    assertThat(Files.exists(Path.of("target/org.infusionfhir.ig-0.1.0.tgz"))).isTrue();
  }

  @Test
  void everySourceResourceIsPackagedAndEveryProfileHasASnapshot() throws IOException {
    var npm = load();
    var sources = Fixtures.jsonFiles(Path.of("profiles"));
    assertThat(npm.list("package")).containsAll(sources.stream().map(p -> p.getFileName().toString()).toList());
    var parser = FhirContext.forR4Cached().newJsonParser();
    int profiles = 0;
    for (var name : npm.listResources("StructureDefinition")) {
      var sd = parser.parseResource(StructureDefinition.class, npm.load("package", name));
      assertThat(sd.getSnapshot().getElement()).as(name + " snapshot").isNotEmpty();
      assertThat(sd.hasDifferential()).as(name + " differential").isTrue();
      profiles++;
    }
    assertThat(profiles).isGreaterThanOrEqualTo(20);
  }

  @Test
  void theGuideHasTheProfilesAndSearchParametersCliniciansUse() throws IOException {
    var npm = load();
    var files = npm.list("package");
    for (var id : new String[] {"infusion-session", "ketamine-infusion-session", "ketamine-administration",
        "infusion-medication-administration", "iv-vitamin-medication", "infusion-heart-rate",
        "infusion-blood-pressure", "infusion-oxygen-saturation", "infusion-respiratory-rate",
        "infusion-body-temperature", "infusion-body-weight", "phq9-total", "phq9-item9", "gad7-total",
        "cadss-total", "pain-nrs", "sedation-moaas", "infusion-adverse-event", "infusion-care-plan"}) {
      assertThat(files).contains("StructureDefinition-" + id + ".json");
    }
    assertThat(files).contains("SearchParameter-infusion-phase.json", "SearchParameter-session-number.json",
        "SearchParameter-medication-administration-part-of.json",
        "ImplementationGuide-org.infusionfhir.ig.json");
  }
}
