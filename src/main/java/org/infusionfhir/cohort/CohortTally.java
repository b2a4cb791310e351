package org.infusionfhir.cohort;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a run made: patients by course, sessions, resources by type, messages and files. */
final class CohortTally {

  // The order resources are listed in the summary, as a course reads.
  private static final List<String> TYPES = List.of("Patient", "Practitioner", "Location", "Medication", "Condition",
      "CarePlan", "Encounter", "Procedure", "MedicationAdministration", "Observation", "AdverseEvent");

  private final Map<CourseType, Integer> courses = new EnumMap<>(CourseType.class);
  private final Map<String, Long> resources = new LinkedHashMap<>();
  private final Map<OutputFormat, Integer> files = new EnumMap<>(OutputFormat.class);
  private int patients;
  private long sessions;
  private long messages;
  private int largestBundle;

  CohortTally() {
    TYPES.forEach(type -> resources.put(type, 0L));
  }

  void course(TreatmentCourse course) {
    patients++;
    courses.merge(course.type(), 1, Integer::sum);
    sessions += course.sessions().size();
  }

  void resource(EncodedResource resource) {
    resources.merge(resource.type(), 1L, Long::sum);
  }

  void bundle(int entries) {
    files.merge(OutputFormat.BUNDLES, 1, Integer::sum);
    largestBundle = Math.max(largestBundle, entries);
  }

  void messages(int count) {
    files.merge(OutputFormat.HL7V2, 1, Integer::sum);
    messages += count;
  }

  void files(OutputFormat format, int count) {
    files.put(format, count);
  }

  int patients() {
    return patients;
  }

  Map<CourseType, Integer> courses() {
    return courses;
  }

  long sessions() {
    return sessions;
  }

  /** Resources by type; each shared clinic resource once. */
  Map<String, Long> resources() {
    return resources;
  }

  long resourceTotal() {
    return resources.values().stream().mapToLong(Long::longValue).sum();
  }

  long messages() {
    return messages;
  }

  int files(OutputFormat format) {
    return files.getOrDefault(format, 0);
  }

  int largestBundle() {
    return largestBundle;
  }
}
