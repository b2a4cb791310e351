package org.infusionfhir.cohort;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.infusionfhir.cohort.TreatmentCourse.Score;

/**
 * The scores taken around each session, as the fixtures take them, following each patient's own course:
 * PHQ-9 (total and item 9) and GAD-7 before the first session, every third induction session and each
 * maintenance session, and after the last induction session; MOAA/S during and CADSS at the end of each
 * 40-minute infusion; pain NRS before and after each pain infusion. About half of patients respond
 * (PHQ-9 falling by half or more over the induction), fewer respond partly, the rest hardly at all.
 */
final class OutcomeScores {

  /** A patient's scores before treatment and how far they fall over the induction series (0 to 1). */
  record Outlook(int phq9, int item9, int gad7, int pain, double response) {}

  /** Where a session stands in its course. */
  record SessionPoint(int number, boolean maintenance, boolean lastInduction, int inductionSessions,
      OffsetDateTime start, OffsetDateTime end, OffsetDateTime recoveryEnd) {}

  private final CohortTables tables;

  OutcomeScores(CohortTables tables) {
    this.tables = tables;
  }

  Outlook outlook(CourseType type, RandomDraws draws) {
    double response = draws.percent(55) ? draws.uniform(0.5, 0.8)
        : draws.percent(50) ? draws.uniform(0.25, 0.5) : draws.uniform(0.0, 0.2);
    return switch (type.outcomes()) {
      case DEPRESSION -> new Outlook(draws.normal(19, 3, 12, 27), draws.pick(List.of(0, 0, 0, 1, 1, 1, 1, 2, 2, 3)),
          draws.normal(13, 3, 5, 21), 0, response);
      case PTSD -> new Outlook(draws.normal(15, 3, 8, 24), draws.pick(List.of(0, 0, 0, 0, 1, 1, 1, 2)),
          draws.normal(14, 3, 6, 21), 0, response);
      case PAIN -> new Outlook(0, 0, 0, draws.normal(7, 1, 5, 9), response);
      case NONE -> new Outlook(0, 0, 0, 0, 0);
    };
  }

  List<Score> scores(CourseType type, Outlook outlook, SessionPoint point, Set<String> reactions, RandomDraws draws) {
    var scores = new ArrayList<Score>();
    switch (type.outcomes()) {
      case DEPRESSION, PTSD -> {
        boolean everyThird = type.outcomes() == CourseType.Outcomes.DEPRESSION && (point.number() - 1) % 3 == 0;
        if (point.number() == 1 || point.maintenance() || everyThird && !point.maintenance()) {
          double improvement = point.maintenance() ? outlook.response() * 0.8
              : outlook.response() * (point.number() - 1) / point.inductionSessions();
          mood(scores, "pre", point.start().minusMinutes(25), outlook, improvement, draws);
        }
        if (point.lastInduction()) {
          mood(scores, "post", point.recoveryEnd().plusMinutes(5), outlook, outlook.response(), draws);
        }
        if (type.outcomes() == CourseType.Outcomes.DEPRESSION) {
          scores.add(new Score("moaas", tables.instrument("MOAA/S"), point.start().plusMinutes(20),
              sedation(false, reactions, draws)));
        }
        scores.add(new Score("cadss", tables.instrument("CADSS"), point.end(), dissociation(point.number(), reactions,
            draws)));
      }
      case PAIN -> {
        double progress = point.maintenance() ? 0.5
            : (point.number() - 1) / (double) Math.max(1, point.inductionSessions() - 1);
        int before = draws.normal(outlook.pain() * (1 - 0.35 * outlook.response() * progress), 0.6, 0, 10);
        int relief = Math.max(1, (int) Math.round(draws.normal(2.5 + 1.5 * outlook.response(), 0.8)));
        var nrs = tables.instrument("pain-nrs");
        scores.add(new Score("pain-pre", nrs, point.start().minusMinutes(15), before));
        scores.add(new Score("moaas", tables.instrument("MOAA/S"), point.start().plusMinutes(120),
            sedation(true, reactions, draws)));
        scores.add(new Score("pain-post", nrs, point.recoveryEnd(), Math.max(0, before - relief)));
      }
      case NONE -> {
        // IV vitamin courses are not scored.
      }
    }
    return scores;
  }

  private void mood(List<Score> scores, String when, OffsetDateTime time, Outlook outlook, double improvement,
      RandomDraws draws) {
    int total = draws.normal(outlook.phq9() * (1 - improvement), 1.2, 0, 27);
    // PHQ-9 item 9 is one of the nine items of the total; it eases with the rest of the score.
    int item9 = total < 5 ? 0 : RandomDraws.clamp((int) Math.round(outlook.item9() * (1 - improvement)), 0,
        Math.min(3, total));
    scores.add(new Score("phq9-total-" + when, tables.instrument("PHQ-9"), time, total));
    scores.add(new Score("phq9-item9-" + when, tables.instrument("PHQ-9 item 9"), time, item9));
    scores.add(new Score("gad7-" + when, tables.instrument("GAD-7"), time,
        draws.normal(outlook.gad7() * (1 - improvement * 0.9), 1.2, 0, 21)));
  }

  /** MOAA/S: 5 is awake and responsive; ketamine at these doses leaves most patients at 4 or 5. */
  private static int sedation(boolean longInfusion, Set<String> reactions, RandomDraws draws) {
    if (reactions.contains("sedation")) {
      return draws.percent(80) ? 3 : 2;
    }
    return draws.percent(longInfusion ? 55 : 25) ? 4 : 5;
  }

  /**
   * CADSS total at the end of the infusion (its peak): usually well under 30 and lower as sessions go on;
   * a session with marked dissociation scores 30 or more.
   */
  private static int dissociation(int sessionNumber, Set<String> reactions, RandomDraws draws) {
    if (reactions.contains("dissociation")) {
      return draws.normal(38, 5, 30, 55);
    }
    int score = draws.normal(Math.max(6, 16 - 1.2 * (sessionNumber - 1)), 6, 0, 29);
    return reactions.contains("hallucination") || reactions.contains("emergence-reaction") ? Math.min(29, score + 8)
        : score;
  }
}
