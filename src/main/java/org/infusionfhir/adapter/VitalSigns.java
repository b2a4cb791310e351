package org.infusionfhir.adapter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.ig.ImplementationGuidePackage;
import org.springframework.stereotype.Component;

/**
 * The vital-sign measures both adapters write, from {@code adapter/vital-sign-measures.csv}: the LOINC
 * code, our profile and the UCUM units of each, and the Observation skeleton that conforms to it.
 */
@Component
public class VitalSigns {

  public static final String CANONICAL = ImplementationGuidePackage.CANONICAL_BASE;
  static final String LOINC = "http://loinc.org";
  static final String UCUM = "http://unitsofmeasure.org";

  /** A vital-sign measure and the FHIR shape it takes (a row of vital-sign-measures.csv). */
  public record Measure(String name, String loinc, String loincDisplay, String extraLoinc, String extraDisplay,
      String profile, Set<String> ucum, String panel, String panelDisplay) {

    public boolean isPanelComponent() {
      return panel != null;
    }
  }

  /** A UCUM unit with its human-readable form. */
  public record Unit(String ucum, String display) {}

  private final Map<String, Measure> byName = new HashMap<>();
  private final Map<String, Measure> byLoinc = new HashMap<>();

  public VitalSigns() {
    for (var row : CsvTable.read("adapter/vital-sign-measures.csv")) {
      var measure = new Measure(row.get(0), row.get(1), row.get(2), blankToNull(row.get(3)), blankToNull(row.get(4)),
          row.get(5), new LinkedHashSet<>(Arrays.asList(row.get(6).split(" "))), blankToNull(row.get(7)),
          blankToNull(row.get(8)));
      byName.put(measure.name(), measure);
      byLoinc.put(measure.loinc(), measure);
      if (measure.extraLoinc() != null) {
        byLoinc.put(measure.extraLoinc(), measure);
      }
    }
  }

  public Measure measure(String name) {
    var measure = byName.get(name);
    if (measure == null) {
      throw new IllegalStateException("vital-sign-measures.csv defines no measure " + name);
    }
    return measure;
  }

  public Optional<Measure> byLoinc(String code) {
    return Optional.ofNullable(byLoinc.get(code));
  }

  /**
   * A final vital-sign Observation of {@code measure} (or of its panel, when it is a panel component)
   * with profile, category, code, subject and effective time set; the caller adds the value or components.
   */
  public Observation observation(Measure measure, Reference patient, OffsetDateTime time) {
    var observation = new Observation();
    observation.getMeta().addProfile(CANONICAL + "/StructureDefinition/" + measure.profile());
    observation.setStatus(Observation.ObservationStatus.FINAL);
    observation.addCategory(new CodeableConcept(new Coding(
        "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")));
    if (measure.isPanelComponent()) {
      observation.setCode(new CodeableConcept(new Coding(LOINC, measure.panel(), measure.panelDisplay()))
          .setText("Blood pressure"));
    } else {
      observation.setCode(code(measure).setText(measure.loincDisplay()));
    }
    observation.setSubject(patient);
    observation.setEffective(dateTime(time));
    return observation;
  }

  /** The LOINC coding(s) of a measure. */
  public CodeableConcept code(Measure measure) {
    var code = new CodeableConcept();
    code.addCoding(new Coding(LOINC, measure.loinc(), measure.loincDisplay()));
    if (measure.extraLoinc() != null) {
      code.addCoding(new Coding(LOINC, measure.extraLoinc(), measure.extraDisplay()));
    }
    return code;
  }

  public static Quantity quantity(BigDecimal value, Unit unit) {
    return new Quantity().setValue(value).setUnit(unit.display()).setSystem(UCUM).setCode(unit.ucum());
  }

  /** A FHIR dateTime to the second that keeps the offset the source gave. */
  public static DateTimeType dateTime(OffsetDateTime time) {
    return new DateTimeType(Date.from(time.toInstant()), TemporalPrecisionEnum.SECOND,
        TimeZone.getTimeZone(time.getOffset()));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  /**
   * A small CSV table on the classpath: '#' comment lines, one header line, no quoting; the last column
   * takes the rest of the line, so it may hold commas (a display text).
   */
  public static final class CsvTable {
    private CsvTable() {}

    public static List<List<String>> read(String resource) {
      var stream = VitalSigns.class.getClassLoader().getResourceAsStream(resource);
      if (stream == null) {
        throw new IllegalStateException("mapping table " + resource + " is missing from the classpath");
      }
      var rows = new ArrayList<List<String>>();
      try (var reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        int columns = 0;
        for (String line; (line = reader.readLine()) != null; ) {
          if (line.isBlank() || line.startsWith("#")) {
            continue;
          }
          if (columns == 0) {
            columns = line.split(",", -1).length;
            continue;
          }
          var row = Arrays.asList(line.split(",", columns));
          if (row.size() != columns) {
            throw new IllegalStateException(resource + ": '" + line + "' has " + row.size() + " of " + columns + " columns");
          }
          rows.add(row);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + resource, e);
      }
      return rows;
    }
  }
}
