package org.infusionfhir.cohort;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.infusionfhir.cohort.CohortTables.ReactionKind;
import org.infusionfhir.cohort.TreatmentCourse.MonitorReading;
import org.infusionfhir.cohort.TreatmentCourse.Reaction;
import org.infusionfhir.cohort.TreatmentCourse.Score;

/**
 * The infusion reactions of a session, drawn at the rates of {@code cohort/adverse-event-rates.csv}. They
 * are drawn before the session's readings and scores, which they shape (a blood-pressure reaction raises
 * the readings, dissociation the CADSS score), and dated and described after them.
 */
final class SessionReactions {

  /** A reaction drawn for a session, before the readings tell its peak. */
  record Drawn(ReactionKind kind, int onsetMinute, boolean moderate) {}

  private final CohortTables tables;

  SessionReactions(CohortTables tables) {
    this.tables = tables;
  }

  List<Drawn> draw(CourseType type, RandomDraws draws) {
    var drawn = new ArrayList<Drawn>();
    int latest = type.infusionMinutes() + type.recoveryMinutes() - 10;
    for (var kind : tables.reactions()) {
      if (draws.percent(kind.percentFor(type))) {
        int onset = RandomDraws.clamp((int) Math.round(draws.normal(kind.onsetMinute(), 5)), 2, latest);
        drawn.add(new Drawn(kind, onset, draws.percent(kind.moderatePercent())));
      }
    }
    return drawn;
  }

  static Set<String> keys(List<Drawn> drawn) {
    var keys = new LinkedHashSet<String>();
    drawn.forEach(d -> keys.add(d.kind().key()));
    return keys;
  }

  /** The reactions as recorded: a blood-pressure or heart-rate reaction is dated at its highest reading. */
  static List<Reaction> recorded(List<Drawn> drawn, OffsetDateTime start, List<MonitorReading> readings,
      List<Score> scores) {
    var reactions = new ArrayList<Reaction>();
    for (var d : drawn) {
      var time = start.plusMinutes(d.onsetMinute());
      String detail = null;
      switch (d.kind().key()) {
        case "hypertension" -> {
          var peak = readings.stream().filter(r -> r.systolic() != null && r.offsetSeconds() >= 0)
              .max(Comparator.comparingInt(MonitorReading::systolic)).orElseThrow();
          time = peak.time();
          detail = String.format(Locale.ROOT, "peak %d/%d mmHg", peak.systolic(), peak.diastolic());
        }
        case "tachycardia" -> {
          var peak = readings.stream().filter(r -> r.offsetSeconds() >= 0)
              .max(Comparator.comparingInt(MonitorReading::heartRate)).orElseThrow();
          time = peak.time();
          detail = "heart rate up to " + peak.heartRate() + "/min";
        }
        case "dissociation" -> detail = scores.stream().filter(s -> s.name().equals("cadss")).findFirst()
            .map(s -> "CADSS " + s.value()).orElse(null);
        default -> {
          // The code's display says it all.
        }
      }
      reactions.add(new Reaction(d.kind(), time, d.moderate(), detail));
    }
    reactions.sort(Comparator.comparing(Reaction::time));
    return reactions;
  }
}
