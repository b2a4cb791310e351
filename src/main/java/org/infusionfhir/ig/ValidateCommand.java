package org.infusionfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * {@code java -jar infusion-fhir.jar validate [--format text|json] PATH...}: validates files or folders
 * of FHIR JSON/XML resources and Bundles against the R4 core and our implementation guide, offline, with
 * no server or database. Exit status: 0 all valid, 1 any invalid, 2 usage error.
 */
public final class ValidateCommand {

  public static final int VALID = 0;
  public static final int INVALID = 1;
  public static final int USAGE = 2;

  private final PrintStream out;
  private final PrintStream err;

  public ValidateCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** One file's verdict: the messages at warning level and above, or why it could not be read. */
  public record FileReport(Path file, List<SingleValidationMessage> messages) {
    boolean valid() {
      return messages.stream().noneMatch(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal());
    }
  }

  public int run(List<String> args) {
    var format = "text";
    var paths = new ArrayList<Path>();
    for (int i = 0; i < args.size(); i++) {
      var arg = args.get(i);
      if (arg.equals("--format") && i + 1 < args.size()) {
        format = args.get(++i);
      } else if (arg.startsWith("--format=")) {
        format = arg.substring("--format=".length());
      } else if (arg.startsWith("-")) {
        return usage("unknown option " + arg);
      } else {
        paths.add(Path.of(arg));
      }
    }
    if (!format.equals("text") && !format.equals("json")) {
      return usage("--format must be text or json, not " + format);
    }
    if (paths.isEmpty()) {
      return usage("no PATH given");
    }
    for (var path : paths) {
      if (!Files.exists(path)) {
        return usage("no such file or folder: " + path);
      }
    }
    List<Path> files;
    try {
      files = FhirFiles.under(paths);
    } catch (IOException e) {
      return usage("cannot read: " + e.getMessage());
    }
    if (files.isEmpty()) {
      return usage("no .json or .xml files under " + paths);
    }

    var fhirContext = FhirContext.forR4Cached();
    var validator = OfflineValidator.fromBundledPackage(fhirContext);
    int invalid = 0;
    for (var file : files) {
      var report = validate(validator, file);
      if (!report.valid()) {
        invalid++;
      }
      if (format.equals("json")) {
        out.println(fhirContext.newJsonParser().encodeResourceToString(toOperationOutcome(fhirContext, report)));
      } else {
        printText(report);
      }
    }
    if (format.equals("text")) {
      out.printf(Locale.ROOT, "%d file(s): %d valid, %d invalid%n", files.size(), files.size() - invalid, invalid);
    }
    return invalid == 0 ? VALID : INVALID;
  }

  public static FileReport validate(OfflineValidator validator, Path file) {
    var messages = new ArrayList<SingleValidationMessage>();
    try {
      validator.validate(Files.readString(file)).getMessages().stream()
          .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.WARNING.ordinal())
          .forEach(messages::add);
    } catch (IOException e) {
      messages.add(fatal("cannot be read: " + e.getMessage()));
    } catch (DataFormatException | com.google.gson.JsonParseException e) {
      // Not well-formed JSON or XML: the parser says where.
      messages.add(fatal("cannot be parsed as FHIR: " + e.getMessage()));
    }
    return new FileReport(file, messages);
  }

  private static SingleValidationMessage fatal(String text) {
    var message = new SingleValidationMessage();
    message.setSeverity(ResultSeverityEnum.FATAL);
    message.setLocationString("(file)");
    message.setMessage(text);
    return message;
  }

  private void printText(FileReport report) {
    out.println(report.file() + ": " + (report.valid() ? "valid" : "INVALID"));
    for (var m : report.messages()) {
      var location = m.getLocationString() != null ? m.getLocationString() : "(file)";
      out.println("  " + m.getSeverity().name() + " " + location + ": " + m.getMessage());
    }
  }

  static OperationOutcome toOperationOutcome(FhirContext fhirContext, FileReport report) {
    var outcome = (OperationOutcome) new ValidationResult(fhirContext, report.messages()).toOperationOutcome();
    outcome.getMeta().setSource(report.file().toAbsolutePath().toUri().toString());
    return outcome;
  }


  private int usage(String problem) {
    err.println("validate: " + problem);
    err.println("usage: java -jar infusion-fhir.jar validate [--format text|json] PATH...");
    return USAGE;
  }
}
