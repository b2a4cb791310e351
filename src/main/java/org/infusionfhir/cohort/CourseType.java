package org.infusionfhir.cohort;

import java.util.List;

/**
 * The four treatment courses a generated cohort mixes, each as the fixtures in {@code fixtures/bundles}
 * show it: the protocol, the induction series and its rhythm, the maintenance interval and what is
 * measured around each infusion.
 */
enum CourseType {

  TREATMENT_RESISTANT_DEPRESSION("treatment-resistant depression", "treatment-resistant-depression",
      "ketamine-0.5mgkg-40min", "Ketamine 0.5 mg/kg IV over 40 minutes", 0.5, 40, 5, 40, 6, Rhythm.TWICE_WEEKLY, 4,
      Outcomes.DEPRESSION, ReactionGroup.DEPRESSION),
  PTSD("PTSD", "ptsd",
      "ketamine-0.5mgkg-40min", "Ketamine 0.5 mg/kg IV over 40 minutes", 0.5, 40, 5, 40, 4, Rhythm.TWICE_WEEKLY, 4,
      Outcomes.PTSD, ReactionGroup.DEPRESSION),
  // Pain protocols run 0.5 mg/kg/h for 4 hours: 2 mg/kg per session, as fixtures/bundles/chronic-pain-ketamine.json.
  CHRONIC_PAIN("chronic pain", "chronic-pain",
      "ketamine-pain-extended", "Ketamine extended infusion for pain", 2.0, 240, 10, 60, 5, Rhythm.DAILY, 8,
      Outcomes.PAIN, ReactionGroup.PAIN),
  IV_VITAMINS("IV vitamins", null,
      "iv-vitamin-kit", "IV vitamin kit infusion", 0, 60, 10, 10, 6, Rhythm.WEEKLY, 0,
      Outcomes.NONE, ReactionGroup.VITAMIN);

  /** How induction sessions follow each other. */
  enum Rhythm { TWICE_WEEKLY, DAILY, WEEKLY }

  /** Which scores are taken around the sessions. */
  enum Outcomes { DEPRESSION, PTSD, PAIN, NONE }

  /** Which column of cohort/adverse-event-rates.csv applies. */
  enum ReactionGroup { DEPRESSION, PAIN, VITAMIN }

  /**
   * The mix, repeated every ten patients: 4 depression, 2 PTSD, 2 chronic pain and 2 IV vitamin courses.
   * Patients 1 to 4 hold one course of each kind, so a cohort of four covers them all.
   */
  private static final List<CourseType> MIX = List.of(TREATMENT_RESISTANT_DEPRESSION, PTSD, CHRONIC_PAIN, IV_VITAMINS,
      TREATMENT_RESISTANT_DEPRESSION, PTSD, TREATMENT_RESISTANT_DEPRESSION, CHRONIC_PAIN, IV_VITAMINS,
      TREATMENT_RESISTANT_DEPRESSION);

  private final String label;
  private final String indicationKey;
  private final String protocolCode;
  private final String protocolDisplay;
  private final double milligramsPerKilogram;
  private final int infusionMinutes;
  private final int baselineMinutes;
  private final int recoveryMinutes;
  private final int inductionSessions;
  private final Rhythm rhythm;
  private final int maintenanceWeeks;
  private final Outcomes outcomes;
  private final ReactionGroup reactionGroup;

  CourseType(String label, String indicationKey, String protocolCode, String protocolDisplay,
      double milligramsPerKilogram, int infusionMinutes, int baselineMinutes, int recoveryMinutes,
      int inductionSessions, Rhythm rhythm, int maintenanceWeeks, Outcomes outcomes, ReactionGroup reactionGroup) {
    this.label = label;
    this.indicationKey = indicationKey;
    this.protocolCode = protocolCode;
    this.protocolDisplay = protocolDisplay;
    this.milligramsPerKilogram = milligramsPerKilogram;
    this.infusionMinutes = infusionMinutes;
    this.baselineMinutes = baselineMinutes;
    this.recoveryMinutes = recoveryMinutes;
    this.inductionSessions = inductionSessions;
    this.rhythm = rhythm;
    this.maintenanceWeeks = maintenanceWeeks;
    this.outcomes = outcomes;
    this.reactionGroup = reactionGroup;
  }

  /** The course of the patient with this number (1-based). */
  static CourseType forPatient(int patientNumber) {
    return MIX.get((patientNumber - 1) % MIX.size());
  }

  boolean ketamine() {
    return this != IV_VITAMINS;
  }

  /** A short name for summaries. */
  String label() {
    return label;
  }

  /** The row of intake/indications.csv, or null for a wellness course without a Condition. */
  String indicationKey() {
    return indicationKey;
  }

  String protocolCode() {
    return protocolCode;
  }

  String protocolDisplay() {
    return protocolDisplay;
  }

  /** The ketamine dose per session, in mg per kg of body weight. */
  double milligramsPerKilogram() {
    return milligramsPerKilogram;
  }

  int infusionMinutes() {
    return infusionMinutes;
  }

  int baselineMinutes() {
    return baselineMinutes;
  }

  int recoveryMinutes() {
    return recoveryMinutes;
  }

  int inductionSessions() {
    return inductionSessions;
  }

  Rhythm rhythm() {
    return rhythm;
  }

  /** Weeks between maintenance infusions; 0 for a monthly IV vitamin infusion. */
  int maintenanceWeeks() {
    return maintenanceWeeks;
  }

  Outcomes outcomes() {
    return outcomes;
  }

  ReactionGroup reactionGroup() {
    return reactionGroup;
  }
}
