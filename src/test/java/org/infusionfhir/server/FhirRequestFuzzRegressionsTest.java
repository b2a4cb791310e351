package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.ServerErrorLog;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The FHIR requests fuzzing found a fault with ({@code src/test/resources/fuzz-regressions/fhir}, see
 * docs/fuzzing.md), replayed every run: each is answered with the status its {@code .expected} file names and,
 * when that is an error, with an OperationOutcome, and no error is logged. A request file is the request line (method and path under
 * {@code /fhir}, where {@code {patient}} stands for a Patient of the test's own), headers, an empty line and the
 * body.
 */
@H2FhirServer
class FhirRequestFuzzRegressionsTest extends FhirServerTestBase {

  static final Path REGRESSIONS = Path.of("src/test/resources/fuzz-regressions/fhir");

  static List<Path> requests() throws IOException {
    try (Stream<Path> files = Files.list(REGRESSIONS)) {
      return files.filter(f -> f.toString().endsWith(".txt")).sorted().toList();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void requestThatOnceFailedIsAnsweredWithItsExpectedStatus(Path file) throws Exception {
    // {patient} is a Patient of this test's own.
    var patient = client.create().resource(new org.hl7.fhir.r4.model.Patient().addName(
        new org.hl7.fhir.r4.model.HumanName().setFamily("Regression"))).execute().getId().getIdPart();
    var text = Files.readString(file).replace("{patient}", patient);
    var split = text.indexOf("\n\n");
    var head = text.substring(0, split).split("\n");
    var body = text.substring(split + 2);
    var requestLine = head[0].split(" ", 2);
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(fhirBase() + requestLine[1]))
        .method(requestLine[0], body.isEmpty() ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
        .header("Authorization", "Bearer " + systemToken);
    for (int i = 1; i < head.length; i++) {
      var colon = head[i].indexOf(':');
      request.header(head[i].substring(0, colon), head[i].substring(colon + 1).strip());
    }
    var expected = Integer.parseInt(Files.readString(file.resolveSibling(
        file.getFileName().toString().replace(".txt", ".expected"))).strip());

    var errors = ServerErrorLog.attached();
    var mark = errors.mark();

    var response = http.send(request.build(), BodyHandlers.ofString());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
    assertThat(errors.since(mark)).as("errors logged").isEmpty();
    if (expected >= 400) {
      // In the format asked for: the Accept's, else the body's (as HAPI answers), else JSON.
      var accept = Stream.of(head).filter(h -> h.toLowerCase().startsWith("accept:")).findFirst()
          .or(() -> Stream.of(head).filter(h -> h.toLowerCase().startsWith("content-type:")).findFirst())
          .orElse("json");
      var format = accept.contains("turtle") ? "turtle" : accept.contains("xml") ? "xml" : "json";
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type)
          .contains(format));
      assertThat(response.body()).contains("OperationOutcome");
    }
  }
}
