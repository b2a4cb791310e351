package org.infusionfhir.safety;

/**
 * The names a safety alert is known by outside the monitor: the workspace, the CDS Hooks service and the
 * guide's search parameters all find alerts through these, so they are defined once.
 */
public final class Alerts {

  /** The local CodeSystem of the rules (profiles/CodeSystem-safety-rule.json); DetectedIssue.code uses it. */
  public static final String RULE_SYSTEM = "http://infusion-fhir.org/fhir/CodeSystem/safety-rule";

  /** SearchParameter code on DetectedIssue: {@code open} when it has no mitigation, else {@code acknowledged}. */
  public static final String ALERT_STATE_SEARCH = "alert-state";

  /** SearchParameter code on DetectedIssue: the infusion Procedure the alert belongs to. */
  public static final String INFUSION_SEARCH = "alert-infusion";

  public static final String STATE_OPEN = "open";
  public static final String STATE_ACKNOWLEDGED = "acknowledged";

  /** Rule code of PHQ-9 item 9 above 0; it also raises a patient Flag with the same code. */
  public static final String ITEM9_RULE = "phq9-item9";

  /** Rule code of a discharge with open alerts or readings outside the discharge limits. */
  public static final String DISCHARGE_RULE = "discharge-out-of-range";

  public static final String ALERT_PROFILE =
      "http://infusion-fhir.org/fhir/StructureDefinition/safety-alert";
  public static final String FLAG_PROFILE = "http://infusion-fhir.org/fhir/StructureDefinition/safety-flag";

  /** Extension on DetectedIssue: Reference(Procedure) of the infusion the readings belong to. */
  public static final String INFUSION_EXTENSION =
      "http://infusion-fhir.org/fhir/StructureDefinition/alert-infusion";

  private Alerts() {}
}
