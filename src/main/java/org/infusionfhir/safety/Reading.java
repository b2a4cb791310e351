package org.infusionfhir.safety;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Type;

/**
 * One value an Observation carries, under one of its codes: the Observation's own value, or a component's
 * (a blood pressure panel's systolic and diastolic). Scores come as integers, vitals as Quantities.
 *
 * @param measure {@code system|code} of the coding the value was found under
 * @param component whether it is a component's value (searched by {@code component-code}, not {@code code})
 */
public record Reading(String measure, BigDecimal value, String unit, boolean component) {

  /** Every numeric value of {@code observation}, once under each of its codings. */
  public static List<Reading> of(Observation observation) {
    var readings = new ArrayList<Reading>();
    add(readings, observation.getCode(), observation.getValue(), false);
    for (var component : observation.getComponent()) {
      add(readings, component.getCode(), component.getValue(), true);
    }
    return readings;
  }

  /** The time a reading was taken: effective[x] (dateTime, instant or a period's start), else issued. */
  public static Optional<Instant> time(Observation observation) {
    var effective = observation.getEffective();
    if (observation.hasEffectiveDateTimeType()) {
      return Optional.of(observation.getEffectiveDateTimeType().getValue().toInstant());
    }
    if (observation.hasEffectiveInstantType()) {
      return Optional.of(observation.getEffectiveInstantType().getValue().toInstant());
    }
    if (effective instanceof org.hl7.fhir.r4.model.Period period && period.hasStart()) {
      return Optional.of(period.getStart().toInstant());
    }
    return observation.hasIssued() ? Optional.of(observation.getIssued().toInstant()) : Optional.empty();
  }

  /** The value of {@code observation} (or of its component) under {@code measure}, if it carries one. */
  public static Optional<Reading> of(Observation observation, String measure) {
    return of(observation).stream().filter(r -> r.measure().equals(measure)).findFirst();
  }

  public String text() {
    return value.stripTrailingZeros().toPlainString() + (unit == null ? "" : " " + unit);
  }

  private static void add(List<Reading> readings, CodeableConcept code, Type value, boolean component) {
    BigDecimal number = null;
    String unit = null;
    if (value instanceof Quantity quantity && quantity.hasValue()) {
      number = quantity.getValue();
      unit = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
    } else if (value instanceof org.hl7.fhir.r4.model.IntegerType integer && integer.getValue() != null) {
      number = BigDecimal.valueOf(integer.getValue());
    }
    if (number == null) {
      return;
    }
    for (var coding : code.getCoding()) {
      if (coding.hasSystem() && coding.hasCode()) {
        readings.add(new Reading(coding.getSystem() + "|" + coding.getCode(), number, unit, component));
      }
    }
  }
}
