package org.infusionfhir;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The feature map is the dependency map (docs/architecture.md): each feature package may use only the
 * features drawn beneath it, and no two features depend on each other in a cycle.
 */
class ArchitectureTest {

  private static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("org.infusionfhir");
  }

  @Test
  void featurePackagesHaveNoCycles() {
    slices().matching("org.infusionfhir.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theServerWiringPartsHaveNoCyclesBetweenThem() {
    slices().matching("org.infusionfhir.server.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void eachFeatureUsesOnlyTheFeaturesBeneathIt() {
    layeredArchitecture()
        .consideringOnlyDependenciesInAnyPackage("org.infusionfhir..")
        .withOptionalLayers(true)
        .layer("Application").definedBy("org.infusionfhir")
        .layer("Workspace").definedBy("org.infusionfhir.workspace..")
        .layer("Cohort").definedBy("org.infusionfhir.cohort..")
        .layer("Adapters").definedBy("org.infusionfhir.hl7v2..", "org.infusionfhir.intake..")
        .layer("AdapterStorage").definedBy("org.infusionfhir.adapter..")
        .layer("Safety").definedBy("org.infusionfhir.safety..")
        .layer("Exchange").definedBy("org.infusionfhir.exchange..")
        .layer("AuthorizationServer").definedBy("org.infusionfhir.auth..")
        .layer("Security").definedBy("org.infusionfhir.security..")
        .layer("Guide").definedBy("org.infusionfhir.ig..")
        .layer("Server").definedBy("org.infusionfhir.server..")
        .layer("CdsHooks").definedBy("org.infusionfhir.cdshooks..")
        // The workspace is an app like any other: it only registers itself with the authorization server.
        .whereLayer("Workspace").mayOnlyAccessLayers("Security")
        // The adapters write through the same storage door as REST requests and know nothing of exchange.
        .whereLayer("Adapters").mayOnlyAccessLayers("AdapterStorage", "Guide", "Server")
        .whereLayer("Cohort").mayOnlyAccessLayers("AdapterStorage", "Guide", "Server")
        .whereLayer("AdapterStorage").mayOnlyAccessLayers("Guide", "Server")
        // The monitor watches storage and links readings to infusions as the adapters do; nothing stores through it.
        .whereLayer("Safety").mayOnlyAccessLayers("AdapterStorage", "Guide", "Server")
        .whereLayer("Exchange").mayOnlyAccessLayers("Guide", "Server")
        // The authorization server issues tokens, security checks them: they share the token format only.
        .whereLayer("AuthorizationServer").mayOnlyAccessLayers("Security", "Server")
        .whereLayer("Security").mayOnlyAccessLayers("Server")
        .whereLayer("Guide").mayOnlyAccessLayers("Server")
        // The CDS Hooks service reads the monitor's alerts through the guide's names; it raises none.
        .whereLayer("CdsHooks").mayOnlyAccessLayers("Safety", "AdapterStorage", "Security", "Server")
        .whereLayer("Server").mayNotAccessAnyLayer()
        .check(classes);
  }
}
