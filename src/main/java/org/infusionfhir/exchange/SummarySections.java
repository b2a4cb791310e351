package org.infusionfhir.exchange;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Composition.SectionComponent;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.ig.ImplementationGuidePackage;
import org.infusionfhir.exchange.TreatmentRecord.InfusionSession;

/** The six sections of the summary, each a readable narrative and references to what it summarises. */
final class SummarySections {

  static final String SESSION_NUMBER =
      ImplementationGuidePackage.CANONICAL_BASE + "/StructureDefinition/session-number";
  static final String WEIGHT_BASED_DOSE =
      ImplementationGuidePackage.CANONICAL_BASE + "/StructureDefinition/weight-based-dose";
  static final String EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason";

  private SummarySections() {}

  static List<SectionComponent> of(TreatmentRecord record) {
    return List.of(indications(record), courseAndSessions(record), vitalSignRanges(record),
        adverseEvents(record), outcomeMeasures(record), safetyAlerts(record));
  }

  /** The Conditions the sessions are for, and the reasons given as text or codes (IV vitamins have no Condition). */
  static SectionComponent indications(TreatmentRecord record) {
    var lines = new ArrayList<String>();
    record.conditions().forEach(c -> lines.add(SummaryText.text(c.getCode())));
    var reasons = new LinkedHashSet<String>();
    record.sessions().forEach(s -> s.procedure().getReasonCode().forEach(r -> reasons.add(SummaryText.text(r))));
    reasons.forEach(reason -> lines.add(reason + " (reason given for the sessions)"));
    var narrative = lines.isEmpty() ? null : new SummaryNarrative().list(lines).build();
    return section(SummarySection.INDICATIONS, narrative, record.conditions());
  }

  /** The course (CarePlans) and a row per session in time order: date, number, drug, dose, duration. */
  static SectionComponent courseAndSessions(TreatmentRecord record) {
    if (record.sessions().isEmpty() && record.carePlans().isEmpty()) {
      return section(SummarySection.COURSE_AND_SESSIONS, null, List.of());
    }
    var narrative = new SummaryNarrative();
    record.carePlans().forEach(plan -> narrative.paragraph(describe(plan)));
    var rows = new ArrayList<List<String>>();
    for (var session : record.sessions()) {
      var procedure = session.procedure();
      var given = session.administrations();
      rows.add(List.of(
          SummaryText.date(RecordedTimes.sessionStart(procedure)),
          sessionNumber(session),
          join(given.stream().map(a -> drug(a, record)).toList()),
          join(given.stream().map(a -> SummaryText.quantity(a.getDosage().getDose())).toList()),
          join(given.stream().map(SummarySections::weightBasedDose).toList()),
          SummaryText.minutes(procedure.hasPerformedPeriod() ? procedure.getPerformedPeriod() : null)));
    }
    if (rows.isEmpty()) {
      narrative.paragraph("No infusion sessions recorded.");
    } else {
      narrative.table(List.of("Date", "Session", "Drug", "Dose", "Dose per kg", "Duration"), rows);
    }
    var entries = new ArrayList<Resource>(record.carePlans());
    record.sessions().forEach(s -> {
      entries.add(s.procedure());
      entries.addAll(s.administrations());
    });
    return section(SummarySection.COURSE_AND_SESSIONS, narrative.build(), entries);
  }

  /**
   * Lowest and highest heart rate, blood pressure and SpO2 per session. The entries are the sessions, not
   * the readings: a course has hundreds of them, and each is found with Observation?part-of=Procedure/[id].
   */
  static SectionComponent vitalSignRanges(TreatmentRecord record) {
    if (record.sessions().isEmpty()) {
      return section(SummarySection.VITAL_SIGN_RANGES, null, List.of());
    }
    var rows = record.sessions().stream().map(s -> List.of(
        SummaryText.date(RecordedTimes.sessionStart(s.procedure())),
        sessionNumber(s),
        SummaryText.range(s.vitals().heartRate()),
        SummaryText.bloodPressure(s.vitals().systolic(), s.vitals().diastolic()),
        SummaryText.range(s.vitals().oxygenSaturation()))).toList();
    var narrative = new SummaryNarrative()
        .table(List.of("Date", "Session", "Heart rate (/min)", "Blood pressure (mmHg)", "SpO2 (%)"), rows).build();
    return section(SummarySection.VITAL_SIGN_RANGES, narrative,
        record.sessions().stream().map(InfusionSession::procedure).toList());
  }

  static SectionComponent adverseEvents(TreatmentRecord record) {
    if (record.adverseEvents().isEmpty()) {
      return section(SummarySection.ADVERSE_EVENTS, null, List.of());
    }
    var rows = record.adverseEvents().stream().map(e -> List.of(
        SummaryText.dateTime(RecordedTimes.eventTime(e)),
        event(e),
        coded(e.getSeverity()),
        coded(e.getSeriousness()),
        coded(e.getOutcome()))).toList();
    var narrative = new SummaryNarrative()
        .table(List.of("Date", "Event", "Severity", "Seriousness", "Outcome"), rows).build();
    return section(SummarySection.ADVERSE_EVENTS, narrative, record.adverseEvents());
  }

  /** First against latest score of each measure, with the dates and the change. */
  static SectionComponent outcomeMeasures(TreatmentRecord record) {
    if (record.outcomes().isEmpty()) {
      return section(SummarySection.OUTCOME_MEASURES, null, List.of());
    }
    var rows = new ArrayList<List<String>>();
    var entries = new ArrayList<Resource>();
    for (var trend : record.outcomes()) {
      var first = score(trend.first());
      if (trend.hasOneScoreOnly()) {
        rows.add(List.of(trend.measure().label, first, "only one score recorded", SummaryText.NOTHING));
        entries.add(trend.first());
      } else {
        rows.add(List.of(trend.measure().label, first, score(trend.latest()), SummaryText.change(trend.change())));
        entries.add(trend.first());
        entries.add(trend.latest());
      }
    }
    var narrative = new SummaryNarrative().table(List.of("Measure", "First", "Latest", "Change"), rows).build();
    return section(SummarySection.OUTCOME_MEASURES, narrative, entries);
  }

  /** The safety monitor's alerts: when, the rule, severity, what was found, and whether acknowledged and by whom. */
  static SectionComponent safetyAlerts(TreatmentRecord record) {
    if (record.safetyAlerts().isEmpty()) {
      return section(SummarySection.SAFETY_ALERTS, null, List.of());
    }
    var rows = record.safetyAlerts().stream().map(a -> List.of(
        SummaryText.dateTime(a.getIdentifiedDateTimeType()),
        a.getCode().hasText() ? a.getCode().getText() : SummaryText.display(a.getCode()),
        a.getSeverity() == null ? SummaryText.NOTHING : a.getSeverity().toCode(),
        a.hasDetail() ? a.getDetail() : SummaryText.NOTHING,
        acknowledgement(a))).toList();
    var narrative = new SummaryNarrative()
        .table(List.of("Identified", "Alert", "Severity", "Detail", "Acknowledged"), rows).build();
    return section(SummarySection.SAFETY_ALERTS, narrative, record.safetyAlerts());
  }

  private static String acknowledgement(DetectedIssue alert) {
    if (!alert.hasMitigation()) {
      return "open";
    }
    var mitigation = alert.getMitigation().get(alert.getMitigation().size() - 1);
    var text = new StringBuilder(mitigation.getAction().hasText() ? mitigation.getAction().getText()
        : SummaryText.display(mitigation.getAction()));
    if (mitigation.hasDate()) {
      text.append(", ").append(SummaryText.dateTime(mitigation.getDateElement()));
    }
    if (mitigation.getAuthor().hasReference()) {
      text.append(", ").append(mitigation.getAuthor().hasDisplay() ? mitigation.getAuthor().getDisplay()
          : mitigation.getAuthor().getReference());
    }
    return text.toString();
  }

  /** A section; with no narrative it is empty: "None recorded" and emptyReason nilknown. */
  private static SectionComponent section(SummarySection kind, Narrative narrative, List<? extends Resource> entries) {
    var section = new SectionComponent().setTitle(kind.title).setCode(kind.concept());
    if (narrative == null) {
      section.setText(SummaryNarrative.noneRecorded());
      section.setEmptyReason(new CodeableConcept().addCoding(
          new Coding(EMPTY_REASON, "nilknown", "Nil Known")));
      return section;
    }
    section.setText(narrative);
    entries.stream().map(r -> r.getIdElement().toUnqualifiedVersionless().getValue()).distinct()
        .forEach(id -> section.addEntry(new Reference(id)));
    return section;
  }

  private static String describe(CarePlan plan) {
    var text = new StringBuilder(plan.hasTitle() ? plan.getTitle() : "Treatment course");
    text.append(" (").append(plan.getStatus() == null ? "status unknown" : plan.getStatus().toCode());
    if (plan.getPeriod().hasStart()) {
      text.append(", from ").append(SummaryText.date(plan.getPeriod().getStartElement()));
    }
    if (plan.getPeriod().hasEnd()) {
      text.append(" to ").append(SummaryText.date(plan.getPeriod().getEndElement()));
    }
    text.append(")");
    if (plan.hasDescription()) {
      text.append(": ").append(plan.getDescription());
    }
    return text.toString();
  }

  private static String sessionNumber(InfusionSession session) {
    var number = session.procedure().getExtensionByUrl(SESSION_NUMBER);
    return number == null || number.getValue() == null ? SummaryText.NOTHING
        : number.getValue().primitiveValue();
  }

  /** The drug: the coded medication's display or text, else the referenced (or contained) Medication's code. */
  private static String drug(MedicationAdministration administration, TreatmentRecord record) {
    if (administration.hasMedicationCodeableConcept()) {
      return SummaryText.display(administration.getMedicationCodeableConcept());
    }
    var reference = administration.getMedicationReference();
    if (reference.getResource() instanceof Medication contained) {
      return SummaryText.text(contained.getCode());
    }
    return record.medications().stream()
        .filter(m -> m.getIdElement().toUnqualifiedVersionless().getValue().equals(reference.getReference()))
        .findFirst()
        .map(m -> SummaryText.text(m.getCode()))
        .orElse(reference.hasDisplay() ? reference.getDisplay() : SummaryText.NOTHING);
  }

  private static String weightBasedDose(MedicationAdministration administration) {
    var dose = administration.getDosage().getExtensionByUrl(WEIGHT_BASED_DOSE);
    return dose != null && dose.getValue() instanceof Quantity quantity
        ? SummaryText.quantity(quantity) : SummaryText.NOTHING;
  }

  private static String event(AdverseEvent event) {
    var display = SummaryText.display(event.getEvent());
    var text = event.getEvent().getText();
    var described = text == null || text.equals(display) ? display : display + ": " + text;
    return event.getActuality() == AdverseEvent.AdverseEventActuality.POTENTIAL ? described + " (potential)"
        : described;
  }

  private static String coded(CodeableConcept concept) {
    return concept.isEmpty() ? SummaryText.NOTHING : SummaryText.display(concept);
  }

  /** "21 on 2026-02-02" */
  private static String score(Observation observation) {
    return SummaryText.number(OutcomeTrend.score(observation)) + " on "
        + SummaryText.date(RecordedTimes.effective(observation));
  }

  private static String join(List<String> values) {
    return values.isEmpty() ? SummaryText.NOTHING : String.join("; ", values);
  }
}
