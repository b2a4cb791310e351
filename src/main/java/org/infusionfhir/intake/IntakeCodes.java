package org.infusionfhir.intake;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.infusionfhir.adapter.VitalSigns.CsvTable;
import org.springframework.stereotype.Component;

/** The intake's local-to-standard code tables under {@code src/main/resources/intake/}, loaded once. */
@Component
class IntakeCodes {

  record Indication(String key, String snomed, String snomedDisplay, String icd10, String icd10Display, String text) {}

  record EventCode(String key, String system, String code, String display) {}

  record Instrument(String key, String profile, String system, String code, String display, String text, int min,
      int max, boolean patientReported) {}

  private final Map<String, Indication> indications = new LinkedHashMap<>();
  private final Map<String, EventCode> events = new LinkedHashMap<>();
  private final Map<String, Instrument> instruments = new LinkedHashMap<>();

  IntakeCodes() {
    for (var row : CsvTable.read("intake/indications.csv")) {
      indications.put(row.get(0), new Indication(row.get(0), row.get(1), row.get(2), row.get(3), row.get(5), row.get(4)));
    }
    for (var row : CsvTable.read("intake/adverse-events.csv")) {
      events.put(row.get(0), new EventCode(row.get(0), row.get(1), row.get(2), row.get(3)));
    }
    for (var row : CsvTable.read("intake/instruments.csv")) {
      instruments.put(row.get(0), new Instrument(row.get(0), row.get(1), row.get(2), row.get(3), row.get(8), row.get(4),
          Integer.parseInt(row.get(5)), Integer.parseInt(row.get(6)), "patient".equals(row.get(7))));
    }
  }

  Optional<Indication> indication(String key) {
    return Optional.ofNullable(indications.get(key));
  }

  Optional<EventCode> event(String key) {
    return Optional.ofNullable(events.get(key));
  }

  Optional<Instrument> instrument(String key) {
    return Optional.ofNullable(instruments.get(key));
  }

  Iterable<String> indicationKeys() {
    return indications.keySet();
  }

  Iterable<String> eventKeys() {
    return events.keySet();
  }

  Iterable<String> instrumentKeys() {
    return instruments.keySet();
  }
}
