package org.infusionfhir.cohort;

import java.util.Locale;

/**
 * The resource ids and medical record numbers of one cohort. They are made of the seed and counters, so
 * the same seed gives the same ids (loading again updates in place) and two seeds never collide:
 * {@code syn1-p000042} is patient 42 of seed 1, {@code syn1-p000042-s3} its third session,
 * {@code syn1-practitioner-2} a clinician shared by the cohort.
 */
record CohortIds(String prefix) {

  static CohortIds forSeed(long seed) {
    return new CohortIds("syn" + Long.toUnsignedString(seed));
  }

  String patient(int number) {
    return String.format(Locale.ROOT, "%s-p%06d", prefix, number);
  }

  /** The medical record number: patient 42 of seed 1 is SYN1-000042. */
  String medicalRecordNumber(int number) {
    return String.format(Locale.ROOT, "%s-%06d", prefix.toUpperCase(Locale.ROOT), number);
  }

  String shared(String name) {
    return prefix + "-" + name;
  }

  static String session(String patientId, int sessionNumber) {
    return patientId + "-s" + sessionNumber;
  }

  /**
   * The time part of a reading's id, as in the fixtures: minutes from the infusion start, {@code m005}
   * for 5 minutes before it, {@code 0040} for 40 after; seconds, when the monitor reports more often
   * than once a minute, follow as {@code 0012s35}.
   */
  static String offset(int offsetSeconds) {
    int magnitude = Math.abs(offsetSeconds);
    var minutes = offsetSeconds < 0
        ? String.format(Locale.ROOT, "m%03d", magnitude / 60)
        : String.format(Locale.ROOT, "%04d", magnitude / 60);
    return magnitude % 60 == 0 ? minutes : minutes + String.format(Locale.ROOT, "s%02d", magnitude % 60);
  }
}
