package org.infusionfhir.cohort;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Set;

/**
 * What to generate.
 *
 * @param patients how many patients
 * @param seed decides everything random; the same seed and options give byte-identical files
 * @param out the folder that receives {@code bundles/}, {@code ndjson/} and {@code hl7v2/}
 * @param sessions sessions per course, or 0 for each course's induction series (6, 4, 5 or 6); sessions
 *     beyond the induction series are maintenance infusions
 * @param vitalsIntervalSeconds how often the monitor reports during a ketamine session
 * @param start the earliest date a course starts; courses start over the following year
 */
record CohortOptions(int patients, long seed, Path out, Set<OutputFormat> formats, int sessions,
    int vitalsIntervalSeconds, LocalDate start) {

  static final int DEFAULT_PATIENTS = 10;
  static final long DEFAULT_SEED = 1;
  static final Path DEFAULT_OUT = Path.of("target", "cohort");
  static final int DEFAULT_VITALS_INTERVAL = 300;
  static final LocalDate DEFAULT_START = LocalDate.of(2026, 1, 5);

  CohortOptions {
    formats = Set.copyOf(formats);
  }

  boolean writes(OutputFormat format) {
    return formats.contains(format);
  }
}
