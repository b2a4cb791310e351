package org.infusionfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.NpmPackageValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.utilities.http.ManagedWebAccess;
import org.hl7.fhir.utilities.settings.FhirSettings;

/**
 * The HAPI FHIR Validator over the R4 core definitions, our implementation guide, in-memory terminology
 * and snapshot generation. Offline: no terminology server, no fetching of profiles by URL. Validation
 * results of the support chain are cached, so the second resource of a kind validates much faster.
 */
public final class OfflineValidator {

  private final FhirContext fhirContext;
  private final IValidationSupport guide;
  private final ValidationSupportChain chain;
  private final FhirValidator validator;

  private OfflineValidator(FhirContext fhirContext, IValidationSupport igSupport) {
    prohibitNetworkAccess();
    this.fhirContext = fhirContext;
    this.guide = igSupport;
    this.chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(fhirContext),
        igSupport,
        new CommonCodeSystemsTerminologyService(fhirContext),
        new InMemoryTerminologyServerValidationSupport(fhirContext),
        new SnapshotGeneratingValidationSupport(fhirContext),
        unknownCodeSystemsWarn(fhirContext));
    this.validator = fhirContext.newValidator()
        .registerValidatorModule(configure(new ReusingInstanceValidator(chain)));
  }

  /** Our settings, on our validator or (in tests, to compare results) on HAPI's own. */
  static <T extends FhirInstanceValidator> T configure(T instanceValidator) {
    instanceValidator.setNoTerminologyChecks(false);
    // Extensions of other guides cannot be fetched offline; they pass, ours are checked in full.
    instanceValidator.setAnyExtensionsAllowed(true);
    // References are checked by storage (referential integrity), not by fetching their targets here.
    instanceValidator.setAssumeValidRestReferences(true);
    return instanceValidator;
  }

  /**
   * Switches off the web access of the org.hl7.fhir core libraries for the whole JVM (the server, the
   * {@code validate} command and the package build all make an OfflineValidator first). Nothing here
   * needs it, and 6.7.9's HTTP clients carry published advisories: headers and credentials sent on to
   * redirect targets (CVE-2026-33180, CVE-2026-34359). With these two switches its package client,
   * terminology client and fetchers fail with "not allowed by local security policy" instead of
   * connecting anywhere.
   */
  static void prohibitNetworkAccess() {
    ManagedWebAccess.setAccessPolicy(ManagedWebAccess.WebAccessPolicy.PROHIBITED);
    FhirSettings.setProhibitNetworkAccess(true);
  }

  /**
   * LOINC, SNOMED CT and RxNorm are not loaded (offline, no terminology server): a code from them is
   * checked against our ValueSets and patterns, and the code system itself is reported as a warning.
   */
  static UnknownCodeSystemWarningValidationSupport unknownCodeSystemsWarn(FhirContext fhirContext) {
    var support = new UnknownCodeSystemWarningValidationSupport(fhirContext);
    support.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
    return support;
  }

  /** Our package as built into the jar. */
  public static OfflineValidator fromBundledPackage(FhirContext fhirContext) {
    var npm = new NpmPackageValidationSupport(fhirContext);
    try {
      npm.loadPackageFromClasspath("classpath:" + ImplementationGuidePackage.CLASSPATH_LOCATION);
    } catch (IOException e) {
      throw new UncheckedIOException("The implementation guide package is missing from the jar", e);
    }
    return new OfflineValidator(fhirContext, npm);
  }

  /** Conformance resources not yet packaged (used while building the package). */
  public static OfflineValidator fromResources(FhirContext fhirContext, Collection<IBaseResource> resources) {
    var support = new PrePopulatedValidationSupport(fhirContext);
    resources.forEach(support::addResource);
    return new OfflineValidator(fhirContext, support);
  }

  public ValidationResult validate(IBaseResource resource) {
    return validator.validateWithResult(resource);
  }

  /** Validates the text as written, so a bad code or a wrong type is reported at its location. */
  public ValidationResult validate(String resourceText) {
    return validator.validateWithResult(resourceText);
  }

  public ValidationResult validate(IBaseResource resource, String profile) {
    var options = new ValidationOptions();
    if (profile != null && !profile.isBlank()) {
      options.addProfile(profile);
    }
    return validator.validateWithResult(resource, options);
  }

  /** Our guide's conformance resources alone, for other validation chains to include. */
  public IValidationSupport guideSupport() {
    return guide;
  }

  public ValidationSupportChain supportChain() {
    return chain;
  }

  public FhirContext fhirContext() {
    return fhirContext;
  }
}
