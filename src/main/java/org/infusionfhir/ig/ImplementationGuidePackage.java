package org.infusionfhir.ig;

/** Where our implementation guide's FHIR NPM package is, and what it is called. */
public final class ImplementationGuidePackage {

  public static final String CANONICAL_BASE = "http://infusion-fhir.org/fhir";
  public static final String NAME = "org.infusionfhir.ig";
  public static final String VERSION = "0.1.0";
  /** The package inside the jar, written there by {@link PackageBuilder} at build time. */
  public static final String CLASSPATH_LOCATION = "ig/" + NAME + ".tgz";

  private ImplementationGuidePackage() {}

  public static boolean isOurs(String canonical) {
    return canonical != null && canonical.startsWith(CANONICAL_BASE + "/");
  }
}
