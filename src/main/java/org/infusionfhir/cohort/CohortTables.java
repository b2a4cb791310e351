package org.infusionfhir.cohort;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infusionfhir.adapter.VitalSigns.CsvTable;

/**
 * The data the generator draws on, loaded once. Codes come from the intake's tables
 * ({@code intake/indications.csv}, {@code instruments.csv}, {@code adverse-events.csv}), so a generated
 * record is coded exactly as one the charting app sends; rates, monitor channels and names are the
 * generator's own ({@code cohort/*.csv}).
 */
final class CohortTables {

  /** An indication: SNOMED CT and ICD-10-CM codes and the clinic's wording. */
  record Indication(String snomed, String snomedDisplay, String icd10, String icd10Display, String text) {}

  /** An outcome or safety score: our profile, its code and range, and who reports it. */
  record Instrument(String profile, String system, String code, String display, String text, int min, int max,
      boolean patientReported) {}

  /** An infusion reaction with how often it happens and how it is usually recorded. */
  record ReactionKind(String key, String system, String code, String display, double depressionPercent,
      double painPercent, double vitaminPercent, int onsetMinute, double moderatePercent, String outcome,
      String causality, String relatedness) {

    double percentFor(CourseType course) {
      return switch (course.reactionGroup()) {
        case DEPRESSION -> depressionPercent;
        case PAIN -> painPercent;
        case VITAMIN -> vitaminPercent;
      };
    }
  }

  /** The OBX row a monitor sends for one measure (of adapter/vital-sign-measures.csv). */
  record MonitorChannel(String measure, String mdcCode, String mdcReferenceId, String unitCode,
      String unitReferenceId, String containment) {}

  private final Map<String, Indication> indications = new HashMap<>();
  private final Map<String, Instrument> instruments = new HashMap<>();
  private final List<ReactionKind> reactions = new ArrayList<>();
  private final Map<String, MonitorChannel> channels = new LinkedHashMap<>();
  private final List<String> femaleNames = new ArrayList<>();
  private final List<String> maleNames = new ArrayList<>();
  private final List<String> familyNames = new ArrayList<>();

  CohortTables() {
    for (var row : CsvTable.read("intake/indications.csv")) {
      indications.put(row.get(0), new Indication(row.get(1), row.get(2), row.get(3), row.get(5), row.get(4)));
    }
    for (var row : CsvTable.read("intake/instruments.csv")) {
      instruments.put(row.get(0), new Instrument(row.get(1), row.get(2), row.get(3), row.get(8), row.get(4),
          Integer.parseInt(row.get(5)), Integer.parseInt(row.get(6)), "patient".equals(row.get(7))));
    }
    var eventCodes = new HashMap<String, List<String>>();
    for (var row : CsvTable.read("intake/adverse-events.csv")) {
      eventCodes.put(row.get(0), row);
    }
    for (var row : CsvTable.read("cohort/adverse-event-rates.csv")) {
      var code = eventCodes.get(row.get(0));
      if (code == null) {
        throw new IllegalStateException("cohort/adverse-event-rates.csv: " + row.get(0)
            + " is not an event of intake/adverse-events.csv");
      }
      reactions.add(new ReactionKind(row.get(0), code.get(1), code.get(2), code.get(3), Double.parseDouble(row.get(1)),
          Double.parseDouble(row.get(2)), Double.parseDouble(row.get(3)), Integer.parseInt(row.get(4)),
          Double.parseDouble(row.get(5)), row.get(6), row.get(7), row.get(8)));
    }
    for (var row : CsvTable.read("cohort/monitor-channels.csv")) {
      channels.put(row.get(0), new MonitorChannel(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5)));
    }
    for (var row : CsvTable.read("cohort/names.csv")) {
      switch (row.get(0)) {
        case "female" -> femaleNames.add(row.get(1));
        case "male" -> maleNames.add(row.get(1));
        case "family" -> familyNames.add(row.get(1));
        default -> throw new IllegalStateException("cohort/names.csv: unknown kind " + row.get(0));
      }
    }
  }

  Indication indication(String key) {
    return required(indications, key, "intake/indications.csv");
  }

  Instrument instrument(String key) {
    return required(instruments, key, "intake/instruments.csv");
  }

  List<ReactionKind> reactions() {
    return reactions;
  }

  MonitorChannel channel(String measure) {
    return required(channels, measure, "cohort/monitor-channels.csv");
  }

  List<String> givenNames(boolean female) {
    return female ? femaleNames : maleNames;
  }

  List<String> familyNames() {
    return familyNames;
  }

  private static <T> T required(Map<String, T> table, String key, String file) {
    var value = table.get(key);
    if (value == null) {
      throw new IllegalStateException(file + " has no row " + key);
    }
    return value;
  }
}
