package org.infusionfhir.cohort;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.infusionfhir.adapter.InfusionPhase;
import org.infusionfhir.cohort.TreatmentCourse.MonitorReading;

/**
 * What the bedside monitor reports through one session: from the baseline before the infusion, through
 * the infusion, to the end of recovery, every {@code intervalSeconds}. Ketamine raises heart rate and
 * blood pressure towards the end of the infusion and the rise fades in recovery; each patient answers
 * with their own rise, and a session with a blood-pressure or heart-rate reaction peaks higher.
 */
final class VitalSignTrack {

  /** A non-invasive cuff is not cycled more often than this, however often the monitor reports. */
  static final int CUFF_CYCLE_SECONDS = 300;
  // IV vitamin sessions are checked three times, as in fixtures/bundles/iv-vitamin-course.json.
  private static final int[] VITAMIN_CHECKS = {-600, 1800, 4200};

  private final int intervalSeconds;

  VitalSignTrack(int intervalSeconds) {
    this.intervalSeconds = intervalSeconds;
  }

  List<MonitorReading> readings(CourseType type, SyntheticPatient patient, OffsetDateTime start,
      Set<String> reactions, RandomDraws draws) {
    return type.ketamine() ? ketamine(type, patient.physiology(), start, reactions, draws)
        : vitamins(patient.physiology(), start, type.infusionMinutes(), draws);
  }

  private List<MonitorReading> ketamine(CourseType type, SyntheticPatient.Physiology body, OffsetDateTime start,
      Set<String> reactions, RandomDraws draws) {
    int infusionSeconds = type.infusionMinutes() * 60;
    var offsets = new ArrayList<Integer>();
    for (int t = -type.baselineMinutes() * 60; t < 0; t += intervalSeconds) {
      offsets.add(t);
    }
    int recoveryEnd = infusionSeconds + type.recoveryMinutes() * 60;
    for (int t = 0; t <= recoveryEnd; t += intervalSeconds) {
      offsets.add(t);
    }
    // The discharge check at the end of recovery, whatever the interval, so that the visit ends on time.
    if (offsets.get(offsets.size() - 1) != recoveryEnd) {
      offsets.add(recoveryEnd);
    }
    // The rise follows the infusion rate: the extended pain infusion runs at 0.5 mg/kg/h, two thirds of the
    // 0.75 mg/kg/h of 0.5 mg/kg over 40 minutes.
    double strength = Math.min(1, type.milligramsPerKilogram() * 60 / type.infusionMinutes() / 0.75);
    double hrRise = body.heartRateRise() * strength * draws.uniform(0.7, 1.3);
    double systolicRise = body.systolicRise() * strength * draws.uniform(0.7, 1.3);
    double diastolicRise = body.diastolicRise() * strength * draws.uniform(0.7, 1.3);
    if (reactions.contains("hypertension")) {
      systolicRise = Math.max(systolicRise, draws.normal(166, 5, 160, 178) - body.systolic());
      diastolicRise = Math.max(diastolicRise, draws.normal(98, 3, 95, 106) - body.diastolic());
    }
    if (reactions.contains("tachycardia")) {
      hrRise = Math.max(hrRise, draws.normal(116, 5, 108, 128) - body.heartRate());
    }
    int midInfusion = offsets.stream().filter(t -> t * 2 >= infusionSeconds).findFirst().orElse(0);
    int last = offsets.get(offsets.size() - 1);
    var readings = new ArrayList<MonitorReading>(offsets.size());
    Integer lastCuff = null;
    for (int t : offsets) {
      double effect = effect(t / 60.0, type.infusionMinutes());
      var phase = t < 0 ? InfusionPhase.BASELINE : t <= infusionSeconds ? InfusionPhase.DURING_INFUSION
          : InfusionPhase.RECOVERY;
      Integer systolic = null;
      Integer diastolic = null;
      if (lastCuff == null || t - lastCuff >= Math.max(intervalSeconds, CUFF_CYCLE_SECONDS)) {
        lastCuff = t;
        systolic = RandomDraws.clamp((int) Math.round(body.systolic() + systolicRise * effect + draws.normal(0, 3.5)),
            85, 200);
        diastolic = RandomDraws.clamp((int) Math.round(body.diastolic() + diastolicRise * effect
            + draws.normal(0, 2.5)), 45, systolic - 20);
      }
      int heartRate = RandomDraws.clamp((int) Math.round(body.heartRate() + hrRise * effect + draws.normal(0, 2.5)),
          40, 180);
      int saturation = RandomDraws.clamp((int) Math.round(body.oxygenSaturation() + draws.normal(0, 0.6))
          - (phase == InfusionPhase.DURING_INFUSION && draws.percent(10) ? 1 : 0), 90, 100);
      int respiratory = RandomDraws.clamp((int) Math.round(body.respiratoryRate() + draws.normal(0, 0.8)), 8, 28);
      var temperature = t == offsets.get(0) || t == midInfusion || t == last
          ? celsius(body.temperature() + draws.normal(0, 0.1)) : null;
      readings.add(new MonitorReading(t, start.plusSeconds(t), phase, heartRate, systolic, diastolic, saturation,
          respiratory, temperature));
    }
    return readings;
  }

  /**
   * How much of the drug's rise in heart rate and blood pressure shows at a minute of the session: none
   * before the start, building over the first half hour, held to the end of the infusion, then fading
   * with a time constant of about 15 minutes.
   */
  static double effect(double minute, int infusionMinutes) {
    if (minute < 0) {
      return 0;
    }
    double ramp = Math.min(30, infusionMinutes * 0.75);
    if (minute <= infusionMinutes) {
      return Math.min(1, minute / ramp);
    }
    return StrictMath.exp(-(minute - infusionMinutes) / 15.0);
  }

  private List<MonitorReading> vitamins(SyntheticPatient.Physiology body, OffsetDateTime start, int infusionMinutes,
      RandomDraws draws) {
    var readings = new ArrayList<MonitorReading>();
    for (int t : VITAMIN_CHECKS) {
      boolean baseline = t < 0;
      var phase = baseline ? InfusionPhase.BASELINE : t <= infusionMinutes * 60 ? InfusionPhase.DURING_INFUSION
          : InfusionPhase.RECOVERY;
      int systolic = RandomDraws.clamp((int) Math.round(body.systolic() + draws.normal(0, 3.5)), 85, 200);
      int diastolic = RandomDraws.clamp((int) Math.round(body.diastolic() + draws.normal(0, 2.5)), 45, systolic - 20);
      readings.add(new MonitorReading(t, start.plusSeconds(t), phase,
          RandomDraws.clamp((int) Math.round(body.heartRate() + draws.normal(0, 2.5)), 40, 180), systolic, diastolic,
          RandomDraws.clamp((int) Math.round(body.oxygenSaturation() + draws.normal(0, 0.6)), 90, 100),
          baseline ? RandomDraws.clamp((int) Math.round(body.respiratoryRate() + draws.normal(0, 0.8)), 8, 28) : null,
          baseline ? celsius(body.temperature() + draws.normal(0, 0.1)) : null));
    }
    return readings;
  }

  private static BigDecimal celsius(double value) {
    return BigDecimal.valueOf(value).setScale(1, RoundingMode.HALF_UP);
  }
}
