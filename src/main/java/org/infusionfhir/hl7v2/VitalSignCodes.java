package org.infusionfhir.hl7v2;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.adapter.VitalSigns.CsvTable;
import org.infusionfhir.adapter.VitalSigns.Measure;
import org.infusionfhir.adapter.VitalSigns.Unit;
import org.springframework.stereotype.Component;

/**
 * The HL7 v2 mapping tables under {@code src/main/resources/hl7v2/}, loaded once: MDC observation codes to
 * LOINC measures and MDC units to UCUM. A new monitor parameter is one line in {@code mdc-to-loinc.csv}.
 */
@Component
public class VitalSignCodes {

  private final VitalSigns vitalSigns;
  private final Map<String, Measure> byMdc = new HashMap<>();
  private final Map<String, Unit> unitsByMdc = new HashMap<>();
  private final Map<String, Unit> unitsByUcum = new HashMap<>();

  public VitalSignCodes(VitalSigns vitalSigns) {
    this.vitalSigns = vitalSigns;
    for (var row : CsvTable.read("hl7v2/mdc-to-loinc.csv")) {
      var measure = vitalSigns.measure(row.get(3));
      if (!measure.loinc().equals(row.get(2))) {
        throw new IllegalStateException("hl7v2/mdc-to-loinc.csv: MDC " + row.get(0) + " maps to LOINC " + row.get(2)
            + " but its measure " + measure.name() + " is LOINC " + measure.loinc());
      }
      byMdc.put(row.get(0), measure);
      byMdc.put(row.get(1), measure);
    }
    for (var row : CsvTable.read("hl7v2/mdc-units-to-ucum.csv")) {
      var unit = new Unit(row.get(2), row.get(3));
      unitsByMdc.put(row.get(0), unit);
      unitsByMdc.put(row.get(1), unit);
      unitsByUcum.putIfAbsent(unit.ucum(), unit);
    }
  }

  /** The measure for an MDC code, given as its number or its reference id. */
  public Optional<Measure> measureForMdc(String code) {
    return Optional.ofNullable(byMdc.get(code));
  }

  public Optional<Measure> measureForLoinc(String code) {
    return vitalSigns.byLoinc(code);
  }

  public Optional<Unit> unitForMdc(String code) {
    return Optional.ofNullable(unitsByMdc.get(code));
  }

  /** A UCUM unit we know how to display; any UCUM code is accepted, the measure decides if it fits. */
  public Unit unitForUcum(String code) {
    return unitsByUcum.getOrDefault(code, new Unit(code, code));
  }
}
