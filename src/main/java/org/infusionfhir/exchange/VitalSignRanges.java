package org.infusionfhir.exchange;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;

/**
 * The lowest and highest heart rate, blood pressure and SpO2 of one infusion session, over the vital-sign
 * Observations that are {@code partOf} it. Codes as in the R4 core vital-sign profiles our profiles derive
 * from: heart rate 8867-4, the blood-pressure panel 85354-9 with systolic 8480-6 and diastolic 8462-4
 * components, SpO2 2708-6 (with 59408-5, by pulse oximetry, beside it or alone).
 */
record VitalSignRanges(Range heartRate, Range systolic, Range diastolic, Range oxygenSaturation) {

  static final String LOINC = "http://loinc.org";
  static final String HEART_RATE = "8867-4";
  static final String BLOOD_PRESSURE_PANEL = "85354-9";
  static final String SYSTOLIC = "8480-6";
  static final String DIASTOLIC = "8462-4";
  static final String OXYGEN_SATURATION = "2708-6";
  static final String OXYGEN_SATURATION_BY_PULSE_OXIMETRY = "59408-5";

  /** The lowest and highest of some readings; both null when there were none. */
  record Range(BigDecimal min, BigDecimal max) {
    static final Range NONE = new Range(null, null);

    static Range of(Collection<BigDecimal> values) {
      if (values.isEmpty()) {
        return NONE;
      }
      return new Range(values.stream().min(BigDecimal::compareTo).orElseThrow(),
          values.stream().max(BigDecimal::compareTo).orElseThrow());
    }

    boolean isEmpty() {
      return min == null;
    }
  }

  static VitalSignRanges of(Collection<Observation> observations) {
    var heartRate = new ArrayList<BigDecimal>();
    var systolic = new ArrayList<BigDecimal>();
    var diastolic = new ArrayList<BigDecimal>();
    var saturation = new ArrayList<BigDecimal>();
    for (var observation : observations) {
      if (!counts(observation)) {
        continue;
      }
      var code = observation.getCode();
      if (has(code, HEART_RATE)) {
        addValue(observation, heartRate);
      } else if (has(code, OXYGEN_SATURATION) || has(code, OXYGEN_SATURATION_BY_PULSE_OXIMETRY)) {
        addValue(observation, saturation);
      } else if (has(code, BLOOD_PRESSURE_PANEL)) {
        for (var component : observation.getComponent()) {
          if (component.hasValueQuantity() && component.getValueQuantity().hasValue()) {
            var value = component.getValueQuantity().getValue();
            if (has(component.getCode(), SYSTOLIC)) {
              systolic.add(value);
            } else if (has(component.getCode(), DIASTOLIC)) {
              diastolic.add(value);
            }
          }
        }
      }
    }
    return new VitalSignRanges(Range.of(heartRate), Range.of(systolic), Range.of(diastolic), Range.of(saturation));
  }

  /** Readings entered in error or cancelled are not readings. */
  static boolean counts(Observation observation) {
    var status = observation.getStatus();
    return status != Observation.ObservationStatus.ENTEREDINERROR
        && status != Observation.ObservationStatus.CANCELLED;
  }

  private static boolean has(CodeableConcept concept, String loinc) {
    return concept.getCoding().stream().anyMatch(c -> LOINC.equals(c.getSystem()) && loinc.equals(c.getCode()));
  }

  private static void addValue(Observation observation, List<BigDecimal> values) {
    if (observation.hasValueQuantity() && observation.getValueQuantity().hasValue()) {
      values.add(observation.getValueQuantity().getValue());
    }
  }
}
