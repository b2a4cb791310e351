package org.infusionfhir.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The session records fuzzing found a fault with ({@code src/test/resources/fuzz-regressions/intake}, see
 * docs/fuzzing.md), posted every run: each is answered with the status its {@code .expected} file names, a
 * refusal with an OperationOutcome that names the field at fault.
 */
@H2FhirServer
class IntakeFuzzRegressionsTest extends FhirServerTestBase {

  static final Path REGRESSIONS = Path.of("src/test/resources/fuzz-regressions/intake");

  static List<Path> records() throws IOException {
    try (Stream<Path> files = Files.list(REGRESSIONS)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void recordThatOnceFailedIsAnsweredWithItsExpectedStatus(Path file) throws IOException {
    var expected = Integer.parseInt(Files.readString(file.resolveSibling(
        file.getFileName().toString().replace(".json", ".expected"))).strip());

    var response = send("POST", serverRoot() + "/intake/sessions", "application/json",
        BodyPublishers.ofByteArray(Files.readAllBytes(file)));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
    if (expected >= 400) {
      assertThat(response.body()).contains("OperationOutcome").contains("\"expression\"");
    }
  }

  /** The body is read as bytes whatever the Content-Type says: a charset Spring does not know was its own 415. */
  @Test
  void aRecordUnderAContentTypeOfAnUnknownCharsetIsRead() throws IOException {
    var record = Files.readString(Path.of("fixtures/intake/session-in-progress.json"))
        .replace("RKC-2026-000420", unique("FUZZ-S")).replace("MRN-31877", unique("FUZZ-MRN"));

    var response = send("POST", serverRoot() + "/intake/sessions", "application/json; charset=nonsense", record);

    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
  }
}
