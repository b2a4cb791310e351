package org.infusionfhir.cohort;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Locale;
import java.util.stream.Stream;
import org.infusionfhir.adapter.VitalSigns;

/**
 * Generates a cohort one patient at a time: plans the course, turns it into FHIR and HL7 v2, writes it
 * and forgets it, so memory stays flat however many patients are asked for.
 */
final class CohortGenerator {

  private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

  private final CohortOptions options;
  private final PrintStream progress;

  CohortGenerator(CohortOptions options, PrintStream progress) {
    this.options = options;
    this.progress = progress;
  }

  CohortTally run() throws IOException {
    var ids = CohortIds.forSeed(options.seed());
    var tables = new CohortTables();
    var clinic = Clinic.of(ids, options.seed(), tables);
    var clinicResources = new ClinicResources(clinic);
    var planner = new CoursePlanner(options, ids, tables, clinic);
    var fhir = new CourseResources(tables, clinicResources, new VitalSigns());
    var messages = new MonitorMessages(tables);
    var parser = parser();
    boolean writesFhir = options.writes(OutputFormat.BUNDLES) || options.writes(OutputFormat.NDJSON);

    var tally = new CohortTally();
    var bundles = options.writes(OutputFormat.BUNDLES) ? new BundleFiles(folder(OutputFormat.BUNDLES)) : null;
    var hl7v2 = options.writes(OutputFormat.HL7V2) ? folder(OutputFormat.HL7V2) : null;
    try (var ndjson = options.writes(OutputFormat.NDJSON) ? new NdjsonFiles(folder(OutputFormat.NDJSON)) : null) {
      var shared = new HashMap<String, EncodedResource>();
      if (writesFhir) {
        for (var resource : clinicResources.all()) {
          var encoded = EncodedResource.of(resource, parser);
          shared.put(encoded.url(), encoded);
          tally.resource(encoded);
          if (ndjson != null) {
            ndjson.write(encoded);
          }
        }
      }
      long started = System.nanoTime();
      long lastReport = started;
      for (int number = 1; number <= options.patients(); number++) {
        var course = planner.plan(number);
        tally.course(course);
        if (writesFhir) {
          var resources = fhir.build(course);
          var own = new ArrayList<EncodedResource>(resources.own().size());
          for (var resource : resources.own()) {
            var encoded = EncodedResource.of(resource, parser);
            own.add(encoded);
            tally.resource(encoded);
            if (ndjson != null) {
              ndjson.write(encoded);
            }
          }
          if (bundles != null) {
            var referenced = resources.shared().stream()
                .map(r -> shared.get(r.fhirType() + "/" + r.getIdElement().getIdPart())).toList();
            tally.bundle(bundles.write(course.patient().id(), referenced, own));
          }
        }
        if (hl7v2 != null) {
          for (var session : course.sessions()) {
            var text = messages.session(course, session);
            Files.writeString(hl7v2.resolve(session.id() + ".hl7"), text.text(), StandardCharsets.UTF_8);
            tally.messages(text.messages());
          }
        }
        long now = System.nanoTime();
        if (now - lastReport >= PROGRESS_EVERY_NANOS && number < options.patients()) {
          lastReport = now;
          progress.printf(Locale.ROOT, "generate: %,d of %,d patients, %,d resources, %,d messages, %.0f s%n", number,
              options.patients(), tally.resourceTotal(), tally.messages(), (now - started) / 1e9);
        }
      }
      if (ndjson != null) {
        tally.files(OutputFormat.NDJSON, ndjson.files());
      }
    }
    return tally;
  }

  /**
   * A compact JSON parser on a context of its own. HAPI walks every reference of a resource it encodes,
   * looking for referenced resources without ids to contain; ours reference by id only, so that walk
   * (a fifth of encoding) is switched off, on this context alone.
   */
  private static IParser parser() {
    var context = FhirContext.forR4();
    context.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
    return context.newJsonParser();
  }

  /**
   * The format's folder under the output folder, emptied of what an earlier run wrote there, so that a
   * smaller cohort does not leave the files of a larger one behind.
   */
  private Path folder(OutputFormat format) throws IOException {
    var folder = options.out().resolve(format.folder());
    Files.createDirectories(folder);
    var extension = switch (format) {
      case BUNDLES -> ".json";
      case NDJSON -> ".ndjson";
      case HL7V2 -> ".hl7";
    };
    try (Stream<Path> files = Files.list(folder)) {
      for (var file : files.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(extension))
          .toList()) {
        Files.delete(file);
      }
    }
    return folder;
  }
}
