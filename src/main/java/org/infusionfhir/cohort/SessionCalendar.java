package org.infusionfhir.cohort;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * When a course's infusions happen: the induction series in its rhythm (twice a week, on consecutive
 * weekdays, or weekly), then maintenance infusions every few weeks, on weekdays, at the times a clinic
 * books them. Times are in the clinic's zone, with the offset of the day (winter and summer time).
 */
final class SessionCalendar {

  static final ZoneId CLINIC_ZONE = ZoneId.of("Europe/Berlin");

  /** The infusion start times, and the date maintenance begins (planned, when none is generated). */
  record Schedule(List<OffsetDateTime> starts, LocalDate maintenanceFrom) {}

  Schedule schedule(CourseType type, LocalDate earliest, int induction, int maintenance, RandomDraws draws) {
    var days = new ArrayList<LocalDate>();
    var day = firstDay(type.rhythm(), earliest);
    for (int n = 0; n < induction; n++) {
      days.add(day);
      day = switch (type.rhythm()) {
        // Monday and Thursday, or Tuesday and Friday.
        case TWICE_WEEKLY -> day.plusDays(n % 2 == 0 ? 3 : 4);
        case DAILY -> weekday(day.plusDays(1));
        case WEEKLY -> day.plusWeeks(1);
      };
    }
    var maintenanceFrom = nextMaintenance(type, days.get(days.size() - 1));
    day = maintenanceFrom;
    for (int n = 0; n < maintenance; n++) {
      days.add(day);
      day = nextMaintenance(type, day);
    }
    var preferred = slot(type, draws);
    var starts = new ArrayList<OffsetDateTime>();
    for (var date : days) {
      var time = draws.percent(70) ? preferred : slot(type, draws);
      starts.add(date.atTime(time).atZone(CLINIC_ZONE).toOffsetDateTime());
    }
    return new Schedule(List.copyOf(starts), maintenanceFrom);
  }

  private static LocalDate firstDay(CourseType.Rhythm rhythm, LocalDate earliest) {
    return switch (rhythm) {
      case TWICE_WEEKLY -> {
        var day = earliest;
        while (day.getDayOfWeek() != DayOfWeek.MONDAY && day.getDayOfWeek() != DayOfWeek.TUESDAY) {
          day = day.plusDays(1);
        }
        yield day;
      }
      // A daily series starts on a Monday, so five sessions fill one working week.
      case DAILY -> {
        var day = earliest;
        while (day.getDayOfWeek() != DayOfWeek.MONDAY) {
          day = day.plusDays(1);
        }
        yield day;
      }
      case WEEKLY -> weekday(earliest);
    };
  }

  private static LocalDate nextMaintenance(CourseType type, LocalDate after) {
    return weekday(type.maintenanceWeeks() > 0 ? after.plusWeeks(type.maintenanceWeeks()) : after.plusMonths(1));
  }

  private static LocalDate weekday(LocalDate day) {
    var result = day;
    while (result.getDayOfWeek() == DayOfWeek.SATURDAY || result.getDayOfWeek() == DayOfWeek.SUNDAY) {
      result = result.plusDays(1);
    }
    return result;
  }

  /** A booking on the half hour: long pain infusions start first thing, others through the day. */
  private static LocalTime slot(CourseType type, RandomDraws draws) {
    return switch (type) {
      case CHRONIC_PAIN -> LocalTime.of(8, 0).plusMinutes(30L * draws.between(0, 2));
      case IV_VITAMINS -> LocalTime.of(9, 0).plusMinutes(30L * draws.between(0, 16));
      default -> LocalTime.of(8, 30).plusMinutes(30L * draws.between(0, 13));
    };
  }
}
