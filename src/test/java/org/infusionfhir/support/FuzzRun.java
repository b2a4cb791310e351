package org.infusionfhir.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * How long the fuzz properties run (docs/fuzzing.md). In the suite each property runs its {@link Budget#tries}
 * with the fixed seed {@value #SUITE_SEED}, so every build tries the same inputs. With {@code -Dfuzz.minutes=N}
 * each property runs for its {@link Budget#share} of N minutes, in rounds of random seeds, each seed printed
 * so that a failure can be replayed with {@code -Dfuzz.seed=S}.
 */
public final class FuzzRun implements AroundPropertyHook {

  public static final String SUITE_SEED = "20261206";
  private static final int ROUND_TRIES = 200;

  /** A fuzz property's tries in the suite and its share of a long run's minutes. */
  @Target(ElementType.METHOD)
  @Retention(RetentionPolicy.RUNTIME)
  public @interface Budget {
    int tries();

    double share();
  }

  /** Added to a test class, it applies to each of its properties. */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    var budget = context.findAnnotation(Budget.class)
        .orElseThrow(() -> new IllegalStateException(context.label() + " has no @FuzzRun.Budget"));
    var attributes = context.attributes();
    // jqwik would replay a stored failing sample first; a run tries exactly what its seed says.
    attributes.setAfterFailure(AfterFailureMode.RANDOM_SEED);
    // The generators aim at odd input themselves; jqwik's edge cases would repeat the same few inputs.
    attributes.setEdgeCases(EdgeCasesMode.NONE);
    // jqwik shrinks on a thread of its own and leaves it running when its time is up: its requests would
    // reach the server during the next property. The failing input is printed whole, and its seed replays it.
    attributes.setShrinking(ShrinkingMode.OFF);
    var minutes = System.getProperty("fuzz.minutes");
    var seed = System.getProperty("fuzz.seed");
    var name = context.label();
    if (minutes == null || minutes.isBlank()) {
      // A seed from a long run is replayed with a long run's round of tries.
      attributes.setTries(seed == null || seed.isBlank() ? budget.tries() : Math.max(budget.tries(), ROUND_TRIES));
      attributes.setSeed(seed == null || seed.isBlank() ? SUITE_SEED : seed);
      var result = property.execute();
      System.out.printf("fuzz %s: %d input(s), seed %s, %s%n", name, result.countTries(),
          result.seed().orElse("?"), result.status());
      return result;
    }
    var slice = Duration.ofMillis((long) (Double.parseDouble(minutes) * 60_000 * budget.share()));
    var deadline = System.nanoTime() + slice.toNanos();
    long inputs = 0;
    int rounds = 0;
    int failedRounds = 0;
    PropertyExecutionResult result;
    PropertyExecutionResult firstFailure = null;
    do {
      var roundSeed = seed == null || seed.isBlank() ? Long.toString(ThreadLocalRandom.current().nextLong()) : seed;
      System.out.printf("fuzz %s: round %d, seed %s%n", name, ++rounds, roundSeed);
      attributes.setTries(ROUND_TRIES);
      attributes.setSeed(roundSeed);
      result = property.execute();
      inputs += result.countTries();
      if (result.status() != PropertyExecutionResult.Status.SUCCESSFUL) {
        // A long run goes on after a failure, so that one fault does not hide the next.
        failedRounds++;
        firstFailure = firstFailure == null ? result : firstFailure;
        var message = result.throwable().map(Throwable::getMessage).orElse("").replaceAll("\\s+", " ");
        System.out.printf("fuzz %s: FAILED in round %d, replay with -Dfuzz.seed=%s: %s%n", name, rounds, roundSeed,
            message.substring(0, Math.min(message.length(), 600)));
      }
    } while (System.nanoTime() < deadline && (seed == null || seed.isBlank()));
    System.out.printf("fuzz %s: %d input(s) in %d round(s) of %s, %d round(s) failed%n", name, inputs, rounds, slice,
        failedRounds);
    return firstFailure == null ? result : firstFailure;
  }
}
