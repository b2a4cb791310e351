package org.infusionfhir.safety;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.Supplier;

/** The monitor's Micrometer meters ({@code /actuator/prometheus}), named once here. */
public class SafetyMetrics {

  private final MeterRegistry registry;
  final Counter evaluated;
  final Counter failures;
  final Counter joined;
  final Counter unitMismatches;
  final Counter escalated;
  final Timer evaluation;

  public SafetyMetrics(MeterRegistry registry) {
    this.registry = registry;
    evaluated = Counter.builder("infusion.safety.readings.evaluated")
        .description("Evaluations done: the readings of one patient stored by one write, or a discharge check").register(registry);
    failures = Counter.builder("infusion.safety.evaluation.failures")
        .description("Evaluations that failed (logged); the reading itself stays stored").register(registry);
    joined = Counter.builder("infusion.safety.alerts.joined")
        .description("Crossing readings added to the open alert of their episode").register(registry);
    unitMismatches = Counter.builder("infusion.safety.readings.unit.mismatch")
        .description("Readings not compared because their unit is not the rule's").register(registry);
    escalated = Counter.builder("infusion.safety.alerts.escalated")
        .description("Alerts escalated for being left unacknowledged").register(registry);
    evaluation = Timer.builder("infusion.safety.evaluation")
        .description("Time to evaluate one stored Observation against the rules").register(registry);
  }

  void opened(String rule) {
    Counter.builder("infusion.safety.alerts.opened").tag("rule", rule)
        .description("Alerts (DetectedIssues) opened, by rule").register(registry).increment();
  }

  void discharge(boolean withinLimits) {
    Counter.builder("infusion.safety.discharge.checks").tag("result", withinLimits ? "within-limits" : "alert")
        .description("Discharge checks of completed infusions, by result").register(registry).increment();
  }

  void backlog(Supplier<Number> size) {
    registry.gauge("infusion.safety.backlog", java.util.List.of(), size, s -> s.get().doubleValue());
  }
}
