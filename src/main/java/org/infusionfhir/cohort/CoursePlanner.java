package org.infusionfhir.cohort;

import java.time.LocalDate;
import java.util.ArrayList;
import org.infusionfhir.cohort.TreatmentCourse.Session;

/**
 * Plans one patient's course from the seed and the patient's number: who they are, which course, when
 * each session is, and what happens in it. Nothing but the seed, the number and the options decide it.
 */
final class CoursePlanner {

  private final CohortOptions options;
  private final Clinic clinic;
  private final SyntheticPatients people;
  private final SessionCalendar calendar = new SessionCalendar();
  private final VitalSignTrack track;
  private final OutcomeScores outcomes;
  private final SessionReactions reactions;

  CoursePlanner(CohortOptions options, CohortIds ids, CohortTables tables, Clinic clinic) {
    this.options = options;
    this.clinic = clinic;
    this.people = new SyntheticPatients(ids, tables, clinic);
    this.track = new VitalSignTrack(options.vitalsIntervalSeconds());
    this.outcomes = new OutcomeScores(tables);
    this.reactions = new SessionReactions(tables);
  }

  /** The number of sessions a course of this type gets with these options. */
  static int sessions(CourseType type, CohortOptions options) {
    return options.sessions() == 0 ? type.inductionSessions() : options.sessions();
  }

  TreatmentCourse plan(int number) {
    var draws = new RandomDraws(options.seed(), number);
    var type = CourseType.forPatient(number);
    // Courses start through the year after the start date, as referrals come in.
    var earliest = options.start().plusDays(draws.between(0, 364));
    var patient = people.patient(number, draws, earliest);
    int total = sessions(type, options);
    int induction = Math.min(total, type.inductionSessions());
    var schedule = calendar.schedule(type, earliest, induction, total - induction, draws);
    LocalDate onset = type.indicationKey() == null ? null
        : schedule.starts().get(0).toLocalDate().minusDays(draws.between(180, 3650));
    var outlook = outcomes.outlook(type, draws);

    var sessions = new ArrayList<Session>(total);
    for (int n = 1; n <= total; n++) {
      var start = schedule.starts().get(n - 1);
      var end = start.plusMinutes(type.infusionMinutes());
      var chair = draws.pick(clinic.chairs());
      double weight = Math.round((patient.weightKg() + draws.normal(0, 0.4)) * 10) / 10.0;
      var drawn = reactions.draw(type, draws);
      var keys = SessionReactions.keys(drawn);
      // The readings draw from a stream of their own, so that how often the monitor reports (a volume
      // setting) changes the readings only, not the rest of the course.
      var readings = track.readings(type, patient, start, keys, new RandomDraws(options.seed(), number, n));
      var recoveryEnd = readings.get(readings.size() - 1).time();
      var point = new OutcomeScores.SessionPoint(n, n > induction, n == induction, induction, start, end, recoveryEnd);
      var scores = outcomes.scores(type, outlook, point, keys, draws);
      sessions.add(new Session(CohortIds.session(patient.id(), n), n, n > induction, start, end, chair, weight,
          readings, scores, SessionReactions.recorded(drawn, start, readings, scores)));
    }
    return new TreatmentCourse(patient, type, onset, induction, schedule.maintenanceFrom(), sessions);
  }
}
