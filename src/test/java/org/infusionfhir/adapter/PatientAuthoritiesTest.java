package org.infusionfhir.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.infusionfhir.hl7v2.MllpListener;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * A server with the production defaults (no {@code demo} profile) maps no assigning authority, the demo clinic's
 * {@code CLINIC} included: the fixtures' monitor messages and intake records are refused, naming the authority
 * and the setting to add, and nothing is stored.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "infusion.security.embedded.key-file=target/test-data/issuer-key.json",
    "spring.datasource.url=jdbc:h2:mem:production-authorities;DB_CLOSE_DELAY=-1"})
class PatientAuthoritiesTest extends FhirServerTestBase {

  @Autowired MllpListener listener;
  @Autowired PatientMatchingProperties properties;

  @Test
  void theProductionDefaultsMapNoAuthorityAndAssumeNone() {
    assertThat(properties.authorities()).isEmpty();
    assertThat(properties.defaultAuthority()).isNull();
  }

  @Test
  void aDemoMonitorMessageUnderClinicIsRefusedWithAeNamingTheAuthority() {
    var message = Hl7v2Messages.read(Hl7v2Messages.VALID.resolve("pcd01-v26-full-panel.hl7"));
    assertThat(message).contains("^^^CLINIC^MR");
    try (var mllp = new MllpClient(listener.port())) {
      var ack = mllp.send(message);
      assertThat(ack.code()).isEqualTo("AE");
      assertThat(ack.field("ERR", 2)).startsWith("PID^1^3");
      assertThat(ack.field("ERR", 3)).startsWith("103^");
      assertThat(ack.text()).contains("assigning authority 'CLINIC' (PID-3.4, mrnAuthority) is not configured")
          .contains("infusion.patients.authorities.CLINIC");
    }
    assertThat(countOf("Observation")).isZero();
    assertThat(countOf("Patient")).isZero();
  }

  @Test
  void aMonitorMessageNamingNoAuthorityIsRefusedWithAe() {
    var message = Hl7v2Messages.read(Hl7v2Messages.VALID.resolve("pcd01-v26-full-panel.hl7"))
        .replace("^^^CLINIC^MR", "^^^^MR");
    try (var mllp = new MllpClient(listener.port())) {
      var ack = mllp.send(message);
      assertThat(ack.code()).isEqualTo("AE");
      assertThat(ack.field("ERR", 2)).startsWith("PID^1^3");
      assertThat(ack.text()).contains("infusion.patients.default-authority is not set");
    }
    assertThat(countOf("Observation")).isZero();
  }

  @Test
  void aDemoIntakeRecordUnderClinicIsRefusedWith422NamingMrnAuthority() throws Exception {
    var record = Files.readString(Fixtures.ROOT.resolve("intake/session-trd-s7.json"));
    assertThat(record).contains("\"mrnAuthority\": \"CLINIC\"");
    var response = send("POST", serverRoot() + "/intake/sessions", "application/json", record);
    var outcome = assertOperationOutcome(response, 422, "assigning authority 'CLINIC' (PID-3.4, mrnAuthority) is not configured");
    assertThat(outcome.getIssueFirstRep().getExpression().get(0).getValue()).isEqualTo("$.patient.mrnAuthority");
    assertThat(countOf("Procedure")).isZero();
  }
}
