package org.infusionfhir.hl7v2;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The mapping tables under {@code src/main/resources/hl7v2/}, loaded once: MDC observation codes to
 * LOINC measures, MDC units to UCUM, and what each measure becomes in FHIR. A new monitor parameter is
 * one line in {@code mdc-to-loinc.csv}.
 */
@Component
public class VitalSignCodes {

  /** A vital-sign measure and the FHIR shape it takes (a row of vital-sign-measures.csv). */
  public record Measure(String name, String loinc, String loincDisplay, String extraLoinc, String extraDisplay,
      String profile, Set<String> ucum, String panel, String panelDisplay) {

    public boolean isPanelComponent() {
      return panel != null;
    }
  }

  /** A UCUM unit with its human-readable form. */
  public record Unit(String ucum, String display) {}

  private final Map<String, Measure> measures = new HashMap<>();
  private final Map<String, Measure> byMdc = new HashMap<>();
  private final Map<String, Measure> byLoinc = new HashMap<>();
  private final Map<String, Unit> unitsByMdc = new HashMap<>();
  private final Map<String, Unit> unitsByUcum = new HashMap<>();

  public VitalSignCodes() {
    for (var row : read("hl7v2/vital-sign-measures.csv")) {
      var measure = new Measure(row.get(0), row.get(1), row.get(2), blankToNull(row.get(3)), blankToNull(row.get(4)),
          row.get(5), new LinkedHashSet<>(Arrays.asList(row.get(6).split(" "))), blankToNull(row.get(7)),
          blankToNull(row.get(8)));
      measures.put(measure.name(), measure);
      byLoinc.put(measure.loinc(), measure);
      if (measure.extraLoinc() != null) {
        byLoinc.put(measure.extraLoinc(), measure);
      }
    }
    for (var row : read("hl7v2/mdc-to-loinc.csv")) {
      var measure = measures.get(row.get(3));
      if (measure == null || !measure.loinc().equals(row.get(2))) {
        throw new IllegalStateException("hl7v2/mdc-to-loinc.csv: MDC " + row.get(0) + " names measure "
            + row.get(3) + " with LOINC " + row.get(2) + ", which vital-sign-measures.csv does not define");
      }
      byMdc.put(row.get(0), measure);
      byMdc.put(row.get(1), measure);
    }
    for (var row : read("hl7v2/mdc-units-to-ucum.csv")) {
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
    return Optional.ofNullable(byLoinc.get(code));
  }

  public Optional<Unit> unitForMdc(String code) {
    return Optional.ofNullable(unitsByMdc.get(code));
  }

  /** A UCUM unit we know how to display; any UCUM code is accepted, the measure decides if it fits. */
  public Unit unitForUcum(String code) {
    return unitsByUcum.getOrDefault(code, new Unit(code, code));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static List<List<String>> read(String resource) {
    var stream = VitalSignCodes.class.getClassLoader().getResourceAsStream(resource);
    if (stream == null) {
      throw new IllegalStateException("mapping table " + resource + " is missing from the classpath");
    }
    var rows = new ArrayList<List<String>>();
    try (var reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      boolean header = true;
      for (String line; (line = reader.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        if (header) {
          header = false;
          continue;
        }
        rows.add(Arrays.asList(line.split(",", -1)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
    return rows;
  }
}
