package org.infusionfhir.cohort;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The clinic a cohort is treated in: its clinicians and its infusion chairs, each chair with its bedside
 * monitor. They are shared by all patients of a cohort, so every patient's Bundle carries the ones it
 * references and the NDJSON holds each once.
 *
 * @param medicationId the id of the IV vitamin kit Medication the vitamin courses give
 */
record Clinic(List<Clinician> clinicians, List<Chair> chairs, String medicationId) {

  static final int CLINICIANS = 3;
  static final int CHAIRS = 6;
  private static final List<String> SPECIALTIES = List.of("Doctor of Medicine (anesthesiology)",
      "Doctor of Medicine (psychiatry)", "Doctor of Medicine (pain medicine)");

  /** A prescribing and supervising clinician. */
  record Clinician(String id, String family, String given, String qualification) {}

  /**
   * An infusion chair and its monitor.
   *
   * @param monitorEui64 the monitor's EUI-64 (OBX-18 in its PCD-01 messages), 16 hex digits
   */
  record Chair(String id, int number, String monitorEui64) {

    /** The monitor's name as the sending application in MSH-3. */
    String monitorName() {
      return "CHAIR" + number + "_MONITOR";
    }
  }

  static Clinic of(CohortIds ids, long seed, CohortTables tables) {
    var draws = new RandomDraws(seed, 0);
    var clinicians = new ArrayList<Clinician>();
    for (int n = 1; n <= CLINICIANS; n++) {
      clinicians.add(new Clinician(ids.shared("practitioner-" + n), draws.pick(tables.familyNames()),
          draws.pick(tables.givenNames(draws.percent(50))), SPECIALTIES.get(n - 1)));
    }
    var chairs = new ArrayList<Chair>();
    for (int n = 1; n <= CHAIRS; n++) {
      var eui = HexFormat.of().withUpperCase().toHexDigits(RandomDraws.mix(seed, -n));
      chairs.add(new Chair(ids.shared("chair-" + n), n, eui));
    }
    return new Clinic(List.copyOf(clinicians), List.copyOf(chairs), ids.shared("iv-vitamin-kit"));
  }
}
