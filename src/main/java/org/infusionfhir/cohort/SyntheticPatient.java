package org.infusionfhir.cohort;

import java.time.LocalDate;
import org.infusionfhir.cohort.Clinic.Clinician;

/**
 * A generated person and what stays the same about them across sessions.
 *
 * @param number the patient's place in the cohort, from 1
 * @param clinician the clinician who leads the course
 * @param physiology resting vital signs and how they answer ketamine
 */
record SyntheticPatient(int number, String id, String medicalRecordNumber, String family, String given,
    String middle, boolean female, LocalDate birthDate, String phone, double weightKg, Clinician clinician,
    Physiology physiology) {

  /**
   * Resting values and the rise at the height of a 0.5 mg/kg infusion (ketamine raises heart rate and
   * blood pressure by a sympathomimetic effect that peaks late in the infusion and fades in recovery).
   */
  record Physiology(int heartRate, int systolic, int diastolic, int oxygenSaturation, int respiratoryRate,
      double temperature, int heartRateRise, int systolicRise, int diastolicRise) {}
}
