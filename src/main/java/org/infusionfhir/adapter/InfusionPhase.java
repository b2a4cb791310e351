package org.infusionfhir.adapter;

import java.time.Instant;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;

/** The phase of an infusion session an observation was made in (our infusion-phase CodeSystem). */
public enum InfusionPhase {
  BASELINE("baseline", "Baseline"),
  DURING_INFUSION("during-infusion", "During infusion"),
  RECOVERY("recovery", "Recovery");

  public static final String SYSTEM = "http://infusion-fhir.org/fhir/CodeSystem/infusion-phase";
  public static final String EXTENSION_URL = "http://infusion-fhir.org/fhir/StructureDefinition/infusion-phase";

  private final String code;
  private final String display;

  InfusionPhase(String code, String display) {
    this.code = code;
    this.display = display;
  }

  public String code() {
    return code;
  }

  public static InfusionPhase fromCode(String code) {
    for (var phase : values()) {
      if (phase.code.equals(code)) {
        return phase;
      }
    }
    throw new IllegalArgumentException("unknown infusion phase " + code);
  }

  /**
   * The phase at {@code time} of an infusion from {@code start} to {@code end} (null while it runs):
   * before the start is baseline, up to the end is during infusion, after it is recovery.
   */
  public static InfusionPhase at(Instant time, Instant start, Instant end) {
    if (time.isBefore(start)) {
      return BASELINE;
    }
    return end == null || !time.isAfter(end) ? DURING_INFUSION : RECOVERY;
  }

  public Extension extension() {
    return new Extension(EXTENSION_URL, new CodeableConcept(new Coding(SYSTEM, code, display)));
  }
}
