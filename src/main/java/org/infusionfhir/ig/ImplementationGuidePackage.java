package org.infusionfhir.ig;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.springframework.core.io.ClassPathResource;

/** Where our implementation guide's FHIR NPM package is, and what it is called. */
public final class ImplementationGuidePackage {

  public static final String CANONICAL_BASE = "http://infusion-fhir.org/fhir";
  public static final String NAME = "org.infusionfhir.ig";
  public static final String VERSION = "0.1.0";
  /** The package inside the jar, written there by {@link PackageBuilder} at build time. */
  public static final String CLASSPATH_LOCATION = "ig/" + NAME + ".tgz";

  private ImplementationGuidePackage() {}

  /** The package file as built into the jar. */
  public static byte[] bytes() {
    try (var in = new ClassPathResource(CLASSPATH_LOCATION).getInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("The implementation guide package is missing from the jar", e);
    }
  }

  public static NpmPackage open() {
    try {
      return NpmPackage.fromPackage(new ByteArrayInputStream(bytes()));
    } catch (IOException e) {
      throw new UncheckedIOException("The implementation guide package cannot be read", e);
    }
  }

  public static boolean isOurs(String canonical) {
    return canonical != null && canonical.startsWith(CANONICAL_BASE + "/");
  }
}
