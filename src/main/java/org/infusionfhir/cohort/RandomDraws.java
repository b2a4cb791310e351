package org.infusionfhir.cohort;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The random choices of one part of a cohort (the clinic, or one patient), reproducible from the seed.
 * Each patient has a stream of its own, so patient 7 is the same whether 10 or 10,000 are generated.
 */
final class RandomDraws {

  private final SplittableRandom random;

  RandomDraws(long seed, long stream) {
    this.random = new SplittableRandom(mix(seed, stream));
  }

  /** A stream within a stream, such as one session's monitor readings within its patient's. */
  RandomDraws(long seed, long stream, long substream) {
    this.random = new SplittableRandom(mix(mix(seed, stream), substream));
  }

  /**
   * SplitMix64's finaliser over the seed and the stream number: streams of neighbouring seeds or patients
   * start far apart (SplittableRandom seeds that differ by its increment would give shifted sequences).
   */
  static long mix(long seed, long stream) {
    long z = seed * 0x9E3779B97F4A7C15L + (stream + 1) * 0xD1B54A32D192ED03L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A whole number from {@code lowest} to {@code highest}, both included. */
  int between(int lowest, int highest) {
    return random.nextInt(lowest, highest + 1);
  }

  double uniform(double lowest, double highest) {
    return random.nextDouble(lowest, highest);
  }

  /** True with the given chance in percent. */
  boolean percent(double percent) {
    return random.nextDouble() * 100 < percent;
  }

  /** Normally distributed (Box-Muller on StrictMath, so every platform draws the same numbers). */
  double normal(double mean, double standardDeviation) {
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return mean + standardDeviation * StrictMath.sqrt(-2.0 * StrictMath.log(u)) * StrictMath.cos(2 * StrictMath.PI * v);
  }

  /** A normal draw rounded and held within [lowest, highest]. */
  int normal(double mean, double standardDeviation, int lowest, int highest) {
    return clamp((int) Math.round(normal(mean, standardDeviation)), lowest, highest);
  }

  <T> T pick(List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  static int clamp(int value, int lowest, int highest) {
    return Math.max(lowest, Math.min(highest, value));
  }
}
