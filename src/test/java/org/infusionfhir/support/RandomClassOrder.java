package org.infusionfhir.support;

import java.util.Collections;
import java.util.stream.Collectors;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * Runs the test classes in a random order, so that no class can lean on another having run first.
 * JUnit's own {@link ClassOrderer.Random} logs its seed only at java.util.logging CONFIG level, which
 * nobody sees; this one prints the seed and the order, so that a failing order can be run again with
 * {@code -Djunit.jupiter.execution.order.random.seed=N} (JUnit's own key, read from the system properties
 * that surefire passes on).
 */
public final class RandomClassOrder implements ClassOrderer {

  public static final String SEED_KEY = "junit.jupiter.execution.order.random.seed";

  /** One seed per run: surefire asks for an order once per class while it scans, then once for them all. */
  private static final long RUN_SEED = new java.util.Random().nextLong();

  @Override
  public void orderClasses(ClassOrdererContext context) {
    var classes = context.getClassDescriptors();
    long seed = context.getConfigurationParameter(SEED_KEY).map(Long::parseLong).orElse(RUN_SEED);
    Collections.shuffle(classes, new java.util.Random(seed));
    // Only the order that runs is worth printing: not surefire's one-class scans, not nested classes.
    boolean topLevel = classes.stream().allMatch(c -> c.getTestClass().getEnclosingClass() == null);
    if (classes.size() > 1 && topLevel) {
      // System.out, not a logger: surefire shows it on the console whatever the logging set-up.
      System.out.println("test class order: random, seed " + seed + " (run again with -D" + SEED_KEY + "=" + seed
          + "): " + classes.stream().map(c -> c.getTestClass().getSimpleName()).collect(Collectors.joining(", ")));
    }
  }
}
