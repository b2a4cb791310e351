package org.infusionfhir.cohort;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.stream.Collectors;
import org.infusionfhir.cohort.TreatmentCourse.Session;

/** The human-readable texts of a course, worded as the clinicians of fixtures/bundles write them. */
final class CourseTexts {

  private CourseTexts() {}

  static String title(CourseType type) {
    return switch (type) {
      case TREATMENT_RESISTANT_DEPRESSION -> "IV ketamine course for treatment-resistant depression";
      case PTSD -> "IV ketamine course for PTSD";
      case CHRONIC_PAIN -> "Outpatient IV ketamine for chronic pain";
      case IV_VITAMINS -> "IV vitamin wellness course";
    };
  }

  static String description(CourseType type, int induction) {
    return switch (type) {
      case TREATMENT_RESISTANT_DEPRESSION -> "Induction: " + induction + " infusions of ketamine 0.5 mg/kg IV over 40"
          + " minutes, twice weekly; then maintenance infusions about every 4 weeks guided by PHQ-9.";
      case PTSD -> "Induction: " + induction + " infusions of ketamine 0.5 mg/kg IV over 40 minutes, twice weekly,"
          + " alongside trauma-focused psychotherapy; then maintenance about every 4 weeks if symptoms return.";
      case CHRONIC_PAIN -> "Induction: " + induction + " daily 4-hour infusions of ketamine 0.5 mg/kg/h (2 mg/kg per"
          + " session) on consecutive weekdays; then single booster infusions about every 8 weeks if pain returns.";
      case IV_VITAMINS -> induction + " weekly infusions of the IV vitamin kit (500 mL over 60 minutes), then one"
          + " infusion a month if wanted.";
    };
  }

  static String inductionActivity(CourseType type, int induction) {
    return switch (type) {
      case TREATMENT_RESISTANT_DEPRESSION, PTSD -> "Induction series: " + induction
          + " infusions of ketamine 0.5 mg/kg over 40 min, 2 per week";
      case CHRONIC_PAIN -> "Induction series: " + induction + " daily infusions of ketamine 0.5 mg/kg/h over 4 hours";
      case IV_VITAMINS -> "Course: " + induction + " weekly IV vitamin infusions";
    };
  }

  static String maintenanceActivity(CourseType type) {
    return switch (type) {
      case TREATMENT_RESISTANT_DEPRESSION ->
          "Maintenance: one infusion of ketamine 0.5 mg/kg over 40 min about every 4 weeks";
      case PTSD -> "Maintenance: one infusion about every 4 weeks if symptoms return";
      case CHRONIC_PAIN -> "Booster: one 4-hour infusion about every 8 weeks";
      case IV_VITAMINS -> "Maintenance: one IV vitamin infusion a month";
    };
  }

  static String ketamineDose(CourseType type, BigDecimal milligrams, double weightKg, BigDecimal perMinute) {
    if (type == CourseType.CHRONIC_PAIN) {
      return String.format(Locale.ROOT, "Ketamine 0.5 mg/kg/h for 4 hours, 2 mg/kg in total (%s mg for %.1f kg;"
          + " %s mg/min)", milligrams.toPlainString(), weightKg, perMinute.stripTrailingZeros().toPlainString());
    }
    return String.format(Locale.ROOT, "Ketamine 0.5 mg/kg (%s mg for %.1f kg) IV over 40 minutes (%s mg/min) by"
        + " syringe pump", milligrams.toPlainString(), weightKg, perMinute.stripTrailingZeros().toPlainString());
  }

  static String outcome(CourseType type, Session session) {
    var done = switch (type) {
      case CHRONIC_PAIN -> {
        var pre = session.scores().stream().filter(s -> s.name().equals("pain-pre")).findFirst().orElseThrow();
        var post = session.scores().stream().filter(s -> s.name().equals("pain-post")).findFirst().orElseThrow();
        yield "4-hour infusion completed; pain " + pre.value() + "/10 before and " + post.value() + "/10 after.";
      }
      case IV_VITAMINS -> "Infusion completed.";
      default -> "Infusion completed as planned.";
    };
    if (session.reactions().isEmpty()) {
      return done + (type == CourseType.IV_VITAMINS ? " Tolerated well, no reaction at the cannula site."
          : " Tolerated well.");
    }
    return done + " " + session.reactions().stream()
        .map(r -> (r.moderate() ? "moderate " : "mild ") + r.kind().display().toLowerCase(Locale.ROOT)
            + (r.detail() != null ? " (" + r.detail() + ")" : ""))
        .collect(Collectors.joining("; ", "Reactions: ", "."));
  }

  static String followUp(TreatmentCourse course, Session session) {
    var sessions = course.sessions();
    var escort = course.type().ketamine() ? " Discharged to escort; no driving until the next day." : "";
    if (session.number() < sessions.size()) {
      return "Next infusion " + sessions.get(session.number()).start().toLocalDate() + "." + escort;
    }
    if (!session.maintenance()) {
      return "Induction complete; " + (course.type().ketamine() ? "maintenance" : "monthly")
          + " infusions offered from " + course.maintenanceFrom() + "." + escort;
    }
    return "Maintenance continues; the next infusion is to be booked." + escort;
  }
}
