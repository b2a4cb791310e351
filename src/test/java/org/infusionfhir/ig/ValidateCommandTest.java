package org.infusionfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.infusionfhir.support.Fixtures;
import org.junit.jupiter.api.Test;

/** The offline {@code validate} command over the fixtures, in-process. */
class ValidateCommandTest {

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int exit = new ValidateCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void everyValidFixtureIsValidAndTheExitStatusIsZero() {
    var result = run(Fixtures.BUNDLES.toString(), Fixtures.RESOURCES.toString());
    assertThat(result.out()).doesNotContain("INVALID");
    assertThat(result.exit()).as(result.out()).isZero();
    int files = Fixtures.jsonFiles(Fixtures.BUNDLES).size() + Fixtures.jsonFiles(Fixtures.RESOURCES).size();
    assertThat(result.out()).contains(files + " file(s): " + files + " valid, 0 invalid");
  }

  @Test
  void everyInvalidFixtureFailsWithItsExpectedErrorAsOneOperationOutcomePerFile() {
    var result = run("--format", "json", Fixtures.INVALID.toString());
    assertThat(result.exit()).isEqualTo(ValidateCommand.INVALID);
    var byFile = new HashMap<String, OperationOutcome>();
    var parser = FhirContext.forR4Cached().newJsonParser();
    result.out().lines().filter(l -> l.startsWith("{")).forEach(line -> {
      var outcome = parser.parseResource(OperationOutcome.class, line);
      byFile.put(Path.of(java.net.URI.create(outcome.getMeta().getSource())).getFileName().toString(), outcome);
    });
    var invalid = Fixtures.invalid();
    assertThat(invalid).hasSizeGreaterThanOrEqualTo(10);
    assertThat(byFile).hasSize(invalid.size());
    for (var example : invalid) {
      var outcome = byFile.get(example.file().getFileName().toString());
      assertThat(errorsOf(outcome))
          .as("%s should fail at %s with '%s'", example, example.location(), example.phrase())
          .anyMatch(e -> e.getValue().contains(example.location())
              && e.getKey().toLowerCase().contains(example.phrase().toLowerCase()));
    }
  }

  static List<Map.Entry<String, String>> errorsOf(OperationOutcome outcome) {
    return outcome.getIssue().stream()
        .filter(i -> i.getSeverity() == IssueSeverity.ERROR || i.getSeverity() == IssueSeverity.FATAL)
        .map(i -> Map.entry(i.getDiagnostics(),
            i.getExpression().isEmpty() ? "" : i.getExpression().get(0).getValue()))
        .toList();
  }

  @Test
  void textReportNamesFileSeverityLocationAndMessage() {
    var invalid = Fixtures.invalid().get(0);
    var result = run(invalid.file().toString());
    assertThat(result.exit()).isEqualTo(ValidateCommand.INVALID);
    assertThat(result.out()).contains(invalid.file() + ": INVALID").containsPattern("\\n  (ERROR|FATAL) \\S+: ");
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(run().exit()).isEqualTo(ValidateCommand.USAGE);
    var missing = run("no/such/folder");
    assertThat(missing.exit()).isEqualTo(ValidateCommand.USAGE);
    assertThat(missing.err()).contains("no such file or folder: no/such/folder");
    assertThat(run("--format", "yaml", Fixtures.RESOURCES.toString()).exit()).isEqualTo(ValidateCommand.USAGE);
  }
}
