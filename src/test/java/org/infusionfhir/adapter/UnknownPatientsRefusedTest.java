package org.infusionfhir.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hl7.fhir.r4.model.Bundle;
import org.infusionfhir.hl7v2.MllpListener;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.ActiveProfiles;

/**
 * With {@code infusion.patients.create-unknown=false}, neither adapter invents a patient: the monitor
 * message is refused with AE naming PID-3, the intake record with 422, and nothing is stored.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
      "infusion.security.embedded.key-file=target/test-data/issuer-key.json",
    "spring.datasource.url=jdbc:h2:mem:no-new-patients;DB_CLOSE_DELAY=-1",
    "infusion.patients.create-unknown=false"})
@ActiveProfiles("demo")
class UnknownPatientsRefusedTest extends FhirServerTestBase {

  @Autowired MllpListener listener;

  @Test
  void aMonitorMessageForAnUnknownPatientIsRefusedWithAe() {
    var message = Hl7v2Messages.read(Hl7v2Messages.VALID.resolve("pcd01-v26-new-patient.hl7"));
    try (var mllp = new MllpClient(listener.port())) {
      var ack = mllp.send(message);
      assertThat(ack.code()).isEqualTo("AE");
      assertThat(ack.field("ERR", 2)).startsWith("PID^1^3");
      assertThat(ack.field("ERR", 3)).startsWith("204^");
    }
    assertThat(countOf("Patient")).isZero();
    assertThat(countOf("Observation")).isZero();
  }

  @Test
  void anIntakeRecordForAnUnknownPatientIsRefusedWith422() throws Exception {
    var record = (ObjectNode) new ObjectMapper().readTree(Fixtures.ROOT.resolve("intake/session-new-patient.json").toFile());
    var response = send("POST", serverRoot() + "/intake/sessions", "application/json", record.toString());
    var outcome = assertOperationOutcome(response, 422, "no patient has identifier");
    assertThat(outcome.getIssueFirstRep().getExpression().get(0).getValue()).isEqualTo("$.patient.mrn");
    assertThat(countOf("Procedure")).isZero();
  }
}
