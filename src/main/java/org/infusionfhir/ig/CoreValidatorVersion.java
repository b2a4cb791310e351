package org.infusionfhir.ig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.hl7.fhir.validation.instance.InstanceValidator;

/**
 * The version of the HL7 core validation library ({@code org.hl7.fhir.validation}) that the pooled
 * validator was written against. {@link InstanceValidatorPool} clears a protected field of the core's
 * {@link InstanceValidator} between runs and copies the settings HAPI's package-private
 * {@code ValidatorWrapper} applies; both are internals that a core release may change without notice.
 * {@code ReusedInstanceValidatorTest} proves the pool gives the same messages as a fresh HAPI validator on
 * this version only, so the server refuses to start on another until that test has been run on it.
 */
final class CoreValidatorVersion {

  /** Checked equivalent by {@code ReusedInstanceValidatorTest}; move it only after that test passes. */
  static final String BUILT_FOR = "6.7.9";

  private static final String POM_PROPERTIES = "/META-INF/maven/ca.uhn.hapi.fhir/org.hl7.fhir.validation/pom.properties";

  private CoreValidatorVersion() {}

  /** The version of the core validation library on the class path, from its Maven metadata. */
  static String onClassPath() {
    try (var in = InstanceValidator.class.getResourceAsStream(POM_PROPERTIES)) {
      if (in == null) {
        return "unknown (no " + POM_PROPERTIES + ")";
      }
      var properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Throws unless {@code found} is the version the pool was checked against. */
  static void requireBuiltFor(String found) {
    if (!BUILT_FOR.equals(found)) {
      throw new IllegalStateException("The pooled FHIR validator (InstanceValidatorPool) was written for "
          + "org.hl7.fhir.validation " + BUILT_FOR + " but " + found + " is on the class path. It reaches "
          + "into the core's InstanceValidator, so run ReusedInstanceValidatorTest on " + found
          + " and, when it passes, set CoreValidatorVersion.BUILT_FOR to " + found + ".");
    }
  }
}
