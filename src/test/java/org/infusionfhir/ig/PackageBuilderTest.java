package org.infusionfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageBuilderTest {

  static final String PROFILE = """
      {"resourceType":"StructureDefinition","id":"%s","url":"http://infusion-fhir.org/fhir/StructureDefinition/%s",
       "name":"Test","status":"active","fhirVersion":"4.0.1","kind":"resource","abstract":false,
       "type":"Observation","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Observation",
       "derivation":"constraint",
       "differential":{"element":[{"id":"Observation","path":"Observation"},
         {"id":"%s","path":"%s","min":1}]}}
      """;

  static void write(Path dir, String id, String elementPath) throws Exception {
    Files.writeString(dir.resolve("StructureDefinition-" + id + ".json"),
        PROFILE.formatted(id, id, elementPath, elementPath));
  }

  @Test
  void aBrokenProfileFailsTheBuildNamingTheFileAndElement(@TempDir Path dir, @TempDir Path target) throws Exception {
    write(dir, "fine", "Observation.subject");
    write(dir, "broken", "Observation.bodySite.nonsense");
    assertThatThrownBy(() -> new PackageBuilder().build(dir, target))
        .hasMessageContaining("StructureDefinition-broken.json")
        .hasMessageContaining("Observation.bodySite.nonsense")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("StructureDefinition-fine.json"));
  }

  @Test
  void aSourceMustBeNamedAndAddressedAfterItsId(@TempDir Path dir, @TempDir Path target) throws Exception {
    write(dir, "fine", "Observation.subject");
    Files.move(dir.resolve("StructureDefinition-fine.json"), dir.resolve("fine.json"));
    assertThatThrownBy(() -> new PackageBuilder().build(dir, target))
        .hasMessageContaining("fine.json: should be named StructureDefinition-fine.json");
  }

  @Test
  void aValidSourceBecomesAnNpmPackageWithSnapshots(@TempDir Path dir, @TempDir Path target) throws Exception {
    write(dir, "fine", "Observation.subject");
    var tgz = new PackageBuilder().build(dir, target);
    try (var in = new FileInputStream(tgz.toFile())) {
      var npm = NpmPackage.fromPackage(in);
      assertThat(npm.name()).isEqualTo("org.infusionfhir.ig");
      assertThat(new String(npm.load("package", "StructureDefinition-fine.json").readAllBytes()))
          .contains("\"snapshot\"");
    }
  }
}
