package org.infusionfhir.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The HL7 v2 inputs fuzzing found a fault with ({@code src/test/resources/fuzz-regressions/hl7v2}, see
 * docs/fuzzing.md), replayed over MLLP every run: each is answered with the ACK code its {@code .expected}
 * file names, and never with the AE of an internal failure.
 */
@H2FhirServer
class Hl7v2FuzzRegressionsTest extends FhirServerTestBase {

  static final Path REGRESSIONS = Path.of("src/test/resources/fuzz-regressions/hl7v2");
  static final String MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";

  @Autowired MllpListener listener;

  static List<Path> inputs() throws IOException {
    try (Stream<Path> files = Files.list(REGRESSIONS)) {
      return files.filter(f -> f.toString().endsWith(".hl7")).sorted().toList();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inputs")
  void inputThatOnceFailedIsAnsweredWithItsExpectedAck(Path file) throws IOException {
    var expected = Files.readString(file.resolveSibling(file.getFileName().toString().replace(".hl7", ".expected")))
        .strip();
    try (var mllp = new MllpClient(listener.port())) {
      mllp.writeRaw(MllpClient.frame(Files.readAllBytes(file)));
      var ack = mllp.readAck().text();
      assertThat(Hl7v2FuzzTest.field(ack, "MSA", 1)).as(ack).isEqualTo(expected);
      assertThat(ack).doesNotContain(Hl7v2FuzzTest.INTERNAL_FAILURE);
    }
  }

  /**
   * PID-3 is one identifier, whatever characters it holds: a comma in it once made the new patient's
   * conditional create a search for either value, and the readings were filed to the patient with the first.
   */
  @Test
  void anIdentifierHoldingSearchSyntaxNamesOnlyItsOwnPatient() {
    var existing = unique("MRN");
    var patient = new Patient().addIdentifier(new Identifier().setSystem(MRN_SYSTEM).setValue(existing));
    var existingId = client.create().resource(patient).execute().getId().toUnqualifiedVersionless().getValue();

    for (var odd : List.of(existing + "," + unique("MRN"), existing + "\\", existing + "&x=1", existing + "$x")) {
      var message = Hl7v2Messages.monitorMessage(unique("REG"), odd, OffsetDateTime.now(), Hl7v2Messages.heartRate(131));
      try (var mllp = new MllpClient(listener.port())) {
        var ack = mllp.send(message.replace(odd + "^^^CLINIC^MR", escapeHl7(odd) + "^^^CLINIC^MR"));
        assertThat(ack.code()).as(ack.text()).isEqualTo("AA");
      }
      var response = get("/Observation?subject.identifier=" + java.net.URLEncoder.encode(MRN_SYSTEM + "|"
          + escapeSearch(odd), java.nio.charset.StandardCharsets.UTF_8));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var filedTo = FHIR.newJsonParser().parseResource(Bundle.class, response.body());
      assertThat(filedTo.getEntry()).as(odd).hasSize(1);
      var observation = (Observation) filedTo.getEntryFirstRep().getResource();
      assertThat(observation.getSubject().getReference()).as(odd).isNotEqualTo(existingId);
    }
    var ofExisting = client.search().byUrl("Observation?subject=" + existingId).returnBundle(Bundle.class).execute();
    assertThat(ofExisting.getEntry()).isEmpty();
  }

  private static String escapeHl7(String value) {
    return value.replace("\\", "\\E\\").replace("&", "\\T\\");
  }

  private static String escapeSearch(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("$", "\\$").replace("|", "\\|");
  }

}
