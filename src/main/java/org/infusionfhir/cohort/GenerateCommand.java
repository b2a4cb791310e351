package org.infusionfhir.cohort;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code java -jar infusion-fhir.jar generate [options]}: writes a synthetic cohort of infusion-clinic
 * patients as FHIR transaction Bundles, Bulk Data NDJSON and HL7 v2 monitor messages, with no server or
 * database. The same seed and options give byte-identical files. Exit status: 0 done, 1 the files
 * could not be written, 2 usage error.
 */
public final class GenerateCommand {

  public static final int DONE = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  /** The server's default infusion.limits.max-bundle-entries. */
  private static final int BUNDLE_ENTRY_LIMIT = 5000;

  private static final String USAGE_TEXT = """
      usage: java -jar infusion-fhir.jar generate [options]
        --patients N              patients to generate (default 10)
        --seed S                  decides everything random; same seed and options, same bytes (default 1)
        --out DIR                 output folder (default target/cohort); its bundles/, ndjson/ and hl7v2/
                                  folders are emptied of earlier .json, .ndjson and .hl7 files first
        --format F                bundles, ndjson, hl7v2 or all, or a comma-separated list (default all)
        --sessions N              sessions per course (default: the induction series, 6 TRD, 4 PTSD,
                                  5 chronic pain, 6 IV vitamins); sessions beyond it are maintenance
        --vitals-interval SECONDS how often the monitor reports during ketamine sessions (default 300;
                                  1 to 3600; the blood-pressure cuff cycles no more than every 300 s)
        --start YYYY-MM-DD        earliest course start; courses start over the following year
                                  (default 2026-01-05)""";

  private final PrintStream out;
  private final PrintStream err;

  public GenerateCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** A usage error, with what was wrong. */
  private static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  public int run(List<String> args) {
    CohortOptions options;
    try {
      options = parse(args);
    } catch (UsageException e) {
      err.println("generate: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
    if (options == null) {
      out.println(USAGE_TEXT);
      return DONE;
    }
    long started = System.nanoTime();
    CohortTally tally;
    try {
      tally = new CohortGenerator(options, err).run();
    } catch (IOException | UncheckedIOException e) {
      err.println("generate: cannot write " + options.out() + ": " + e.getMessage());
      return FAILED;
    }
    summarise(options, tally, (System.nanoTime() - started) / 1e9);
    return DONE;
  }

  /** The options, or null when help was asked for. */
  static CohortOptions parse(List<String> args) throws UsageException {
    int patients = CohortOptions.DEFAULT_PATIENTS;
    long seed = CohortOptions.DEFAULT_SEED;
    Path out = CohortOptions.DEFAULT_OUT;
    var formats = EnumSet.allOf(OutputFormat.class);
    int sessions = 0;
    int interval = CohortOptions.DEFAULT_VITALS_INTERVAL;
    var start = CohortOptions.DEFAULT_START;
    for (int i = 0; i < args.size(); i++) {
      var arg = args.get(i);
      if (arg.equals("--help") || arg.equals("-h")) {
        return null;
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument '" + arg + "'");
      }
      String name;
      String value;
      int equals = arg.indexOf('=');
      if (equals > 0) {
        name = arg.substring(2, equals);
        value = arg.substring(equals + 1);
      } else {
        name = arg.substring(2);
        if (i + 1 >= args.size()) {
          throw new UsageException("--" + name + " needs a value");
        }
        value = args.get(++i);
      }
      switch (name) {
        case "patients" -> patients = number(name, value, 1, Integer.MAX_VALUE);
        case "seed" -> seed = seed(value);
        case "out" -> out = Path.of(value);
        case "format" -> formats = formats(value);
        case "sessions" -> sessions = number(name, value, 1, 500);
        case "vitals-interval" -> interval = number(name, value, 1, 3600);
        case "start" -> start = date(value);
        default -> throw new UsageException("unknown option --" + name);
      }
    }
    return new CohortOptions(patients, seed, out, formats, sessions, interval, start);
  }

  private static int number(String name, String value, int lowest, int highest) throws UsageException {
    try {
      int number = Integer.parseInt(value);
      if (number < lowest || number > highest) {
        throw new UsageException("--" + name + " must be from " + lowest + " to " + highest + ", not " + value);
      }
      return number;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " takes a whole number, not '" + value + "'");
    }
  }

  private static long seed(String value) throws UsageException {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new UsageException("--seed takes a whole number, not '" + value + "'");
    }
  }

  private static LocalDate date(String value) throws UsageException {
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw new UsageException("--start takes a date such as 2026-01-05, not '" + value + "'");
    }
  }

  private static EnumSet<OutputFormat> formats(String value) throws UsageException {
    var formats = EnumSet.noneOf(OutputFormat.class);
    for (var name : value.split(",")) {
      var trimmed = name.trim().toLowerCase(Locale.ROOT);
      if (trimmed.equals("all")) {
        formats.addAll(EnumSet.allOf(OutputFormat.class));
        continue;
      }
      var format = Arrays.stream(OutputFormat.values()).filter(f -> f.folder().equals(trimmed)).findFirst();
      if (format.isEmpty()) {
        throw new UsageException("--format takes bundles, ndjson, hl7v2 or all, not '" + name + "'");
      }
      formats.add(format.get());
    }
    return formats;
  }

  private void summarise(CohortOptions options, CohortTally tally, double seconds) {
    var courses = tally.courses().entrySet().stream()
        .map(e -> e.getKey().label() + " " + e.getValue()).collect(Collectors.joining(", "));
    out.printf(Locale.ROOT, "generated %,d patients (%s), seed %d, into %s%n", tally.patients(), courses,
        options.seed(), options.out());
    out.printf(Locale.ROOT, "  sessions          %,d%n", tally.sessions());
    if (options.writes(OutputFormat.BUNDLES) || options.writes(OutputFormat.NDJSON)) {
      var byType = tally.resources().entrySet().stream().filter(e -> e.getValue() > 0)
          .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
      out.printf(Locale.ROOT, "  resources         %,d (%s)%n", tally.resourceTotal(), byType);
    }
    if (options.writes(OutputFormat.HL7V2)) {
      out.printf(Locale.ROOT, "  HL7 v2 messages   %,d%n", tally.messages());
    }
    Map<OutputFormat, String> files = options.formats().stream().sorted().collect(Collectors.toMap(
        Function.identity(), f -> String.format(Locale.ROOT, "%s/ %,d", f.folder(), tally.files(f)),
        (a, b) -> a, () -> new EnumMap<>(OutputFormat.class)));
    out.println("  files             " + String.join(", ", files.values()));
    var rates = new ArrayList<String>();
    if (tally.resourceTotal() > 0) {
      rates.add(String.format(Locale.ROOT, "%,.0f resources/s", tally.resourceTotal() / seconds));
    }
    if (tally.messages() > 0) {
      rates.add(String.format(Locale.ROOT, "%,.0f messages/s", tally.messages() / seconds));
    }
    out.printf(Locale.ROOT, "  took              %.1f s (%s)%n", seconds, String.join(", ", rates));
    if (tally.largestBundle() > BUNDLE_ENTRY_LIMIT) {
      out.printf(Locale.ROOT, "  note: the largest Bundle has %,d entries; the server refuses more than"
          + " infusion.limits.max-bundle-entries (default %,d)%n", tally.largestBundle(), BUNDLE_ENTRY_LIMIT);
    }
  }
}
