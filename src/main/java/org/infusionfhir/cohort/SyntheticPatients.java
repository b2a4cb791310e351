package org.infusionfhir.cohort;

import java.time.LocalDate;
import java.util.Locale;
import org.infusionfhir.cohort.SyntheticPatient.Physiology;

/** Makes the people of a cohort: names, birth dates, body weight and resting vital signs that vary per person. */
final class SyntheticPatients {

  private final CohortIds ids;
  private final CohortTables tables;
  private final Clinic clinic;

  SyntheticPatients(CohortIds ids, CohortTables tables, Clinic clinic) {
    this.ids = ids;
    this.tables = tables;
    this.clinic = clinic;
  }

  SyntheticPatient patient(int number, RandomDraws draws, LocalDate firstSession) {
    boolean female = draws.percent(55);
    var given = draws.pick(tables.givenNames(female));
    String middle = null;
    if (draws.percent(40)) {
      middle = draws.pick(tables.givenNames(female));
      if (middle.equals(given)) {
        middle = null;
      }
    }
    var family = draws.pick(tables.familyNames());
    var birthDate = firstSession.minusYears(draws.between(19, 78)).minusDays(draws.between(0, 364));
    // 555-0100 to 555-0199 are the North American numbers set aside for fiction.
    var phone = String.format(Locale.ROOT, "+1-555-01%02d", draws.between(0, 99));
    double weight = female ? draws.normal(68, 12) : draws.normal(82, 13);
    weight = Math.round(Math.max(45, Math.min(140, weight)) * 10) / 10.0;

    int systolic = draws.normal(female ? 118 : 126, 11, 100, 150);
    int diastolic = Math.min(draws.normal(77, 7, 60, 92), systolic - 30);
    var physiology = new Physiology(
        draws.normal(72, 8, 55, 95), systolic, diastolic, draws.between(96, 99), draws.between(12, 17),
        Math.round(draws.uniform(36.4, 36.9) * 10) / 10.0,
        draws.normal(10, 4, 2, 20), draws.normal(14, 5, 4, 26), draws.normal(8, 3, 2, 15));
    return new SyntheticPatient(number, ids.patient(number), ids.medicalRecordNumber(number), family, given, middle,
        female, birthDate, phone, weight, draws.pick(clinic.clinicians()), physiology);
  }
}
