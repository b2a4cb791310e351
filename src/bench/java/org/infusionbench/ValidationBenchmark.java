package org.infusionbench;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Observation;
import org.infusionfhir.ig.OfflineValidator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH micro-benchmarks of validation: one vital-sign Observation (the heart-rate example of
 * {@code fixtures/}) against our heart-rate profile with the validator the server and the {@code validate}
 * command use. Cold figures come from fresh JVMs, as a server's first validations do; the warm figure is
 * the steady state. Run by the harness ({@code --validation-only}, or as part of a full run).
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ValidationBenchmark {

  /** The parsed example; parsing is not what is measured. */
  @State(Scope.Benchmark)
  public static class Input {
    FhirContext fhirContext;
    Observation observation;

    @Setup(Level.Trial)
    public void parse() throws Exception {
      fhirContext = FhirContext.forR4();
      var text = Files.readString(Path.of("fixtures/resources/infusion-heart-rate-example.json"));
      observation = fhirContext.newJsonParser().parseResource(Observation.class, text);
    }
  }

  /** A validator that has been built and used before. */
  @State(Scope.Benchmark)
  public static class Warm {
    OfflineValidator validator;
    int round;

    @Setup(Level.Trial)
    public void build(Input input) {
      validator = OfflineValidator.fromBundledPackage(input.fhirContext);
    }
  }

  /** Building the validator from the bundled IG package, in a fresh JVM. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Fork(3)
  @Warmup(iterations = 0)
  @Measurement(iterations = 1)
  public OfflineValidator validatorSetUp(Input input) {
    return OfflineValidator.fromBundledPackage(input.fhirContext);
  }

  /** Building it and validating once, in a fresh JVM: less {@link #validatorSetUp}, the cold validation. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Fork(3)
  @Warmup(iterations = 0)
  @Measurement(iterations = 1)
  public ValidationResult validatorSetUpAndFirstValidation(Input input) {
    return OfflineValidator.fromBundledPackage(input.fhirContext).validate(input.observation);
  }

  /** Steady state; sampled, so that the median and the 95th percentile are reported. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @Fork(1)
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  public ValidationResult warmValidation(Input input, Warm warm) {
    // A different value each time, so that no cache of an identical resource answers for the validator.
    input.observation.getValueQuantity().setValue(60 + warm.round++ % 60);
    return warm.validator.validate(input.observation);
  }

  /**
   * Runs the three benchmarks and returns the harness's figures (milliseconds): {@code setupMs},
   * {@code coldMs} (the first validation after set-up), {@code warmMedianMs}, {@code warmP95Ms} and
   * {@code warmPerSecond}.
   */
  static Map<String, Double> measure() throws Exception {
    var options = new OptionsBuilder().include(ValidationBenchmark.class.getName() + "\\.").build();
    var byName = new LinkedHashMap<String, RunResult>();
    for (var result : new Runner(options).run()) {
      var label = result.getParams().getBenchmark();
      byName.put(label.substring(label.lastIndexOf('.') + 1), result);
    }
    double setUp = byName.get("validatorSetUp").getPrimaryResult().getScore();
    double setUpAndFirst = byName.get("validatorSetUpAndFirstValidation").getPrimaryResult().getScore();
    var warm = byName.get("warmValidation").getPrimaryResult().getStatistics();
    var figures = new LinkedHashMap<String, Double>();
    figures.put("setupMs", setUp);
    figures.put("coldMs", setUpAndFirst - setUp);
    figures.put("warmMedianMs", warm.getPercentile(50));
    figures.put("warmP95Ms", warm.getPercentile(95));
    figures.put("warmPerSecond", 1000.0 / warm.getMean());
    return figures;
  }
}
