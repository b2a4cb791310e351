package org.infusionfhir.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Each export belongs to the client (and patient) whose token started it: its status, its cancel and its files
 * answer that caller only. Anyone else, export rights or not, gets the 404 of a job or Binary that does not exist.
 * Two backend clients and two patients, over HTTP.
 */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportOwnershipTest extends FhirServerTestBase {

  private static final ObjectMapper JSON_MAPPER = new ObjectMapper();

  private String clientA;
  private String clientB;
  private String patientP;
  private String patientQ;
  private String statusOfA;
  private String fileOfA;
  private String statusOfP;
  private String fileOfP;

  @BeforeAll
  void eachClientAndPatientStartsAnExport() {
    connectClient();
    var p = client.create().resource(new Patient().setActive(true)).execute().getId().getIdPart();
    var q = client.create().resource(new Patient().setActive(true)).execute().getId().getIdPart();
    var group = new Group().setType(Group.GroupType.PERSON).setActual(true);
    group.addMember().setEntity(new Reference("Patient/" + p));
    var groupId = client.create().resource(group).execute().getId().getIdPart();

    clientA = bearer(tokens.issue(unique("exporter-a"), "system/*.read", null));
    clientB = bearer(tokens.issue(unique("exporter-b"), "system/*.read", null));
    patientP = bearer(tokens.issue(unique("portal"), "patient/*.read", p));
    patientQ = bearer(tokens.issue(unique("portal"), "patient/*.read", q));

    statusOfA = kickOff("/Group/" + groupId + "/$export?_type=Patient", clientA);
    fileOfA = firstFile(awaitManifest(statusOfA, clientA));
    statusOfP = kickOff("/Patient/" + p + "/$export?_type=Patient", patientP);
    fileOfP = firstFile(awaitManifest(statusOfP, patientP));
  }

  @Test
  void theStarterPollsAndDownloadsItsExport() {
    assertThat(get(statusOfA, "Authorization", clientA).statusCode()).isEqualTo(200);
    assertThat(get(fileOfA, "Authorization", clientA, "Accept", "application/fhir+ndjson").statusCode()).isEqualTo(200);
    assertThat(get(statusOfP, "Authorization", patientP).statusCode()).isEqualTo(200);
    assertThat(get(fileOfP, "Authorization", patientP, "Accept", "application/fhir+ndjson").statusCode()).isEqualTo(200);
  }

  @Test
  void anotherTokenOfTheSameClientIsTheSameStarter() {
    var sameClient = bearer(tokens.issue(subjectOf(clientA), "system/*.read", null));
    assertThat(sameClient).isNotEqualTo(clientA);
    assertThat(get(statusOfA, "Authorization", sameClient).statusCode()).isEqualTo(200);
  }

  @Test
  void anotherClientWithExportRightsGetsTheStatusOfAJobThatDoesNotExist() {
    var theirs = get(statusOfA, "Authorization", clientB);
    var unknownJob = statusOfA.substring(0, statusOfA.indexOf("_jobId=") + 7) + unique("no-such-job");
    var none = get(unknownJob, "Authorization", clientB);

    assertThat(theirs.statusCode()).as(theirs.body()).isEqualTo(404);
    assertThat(diagnostics(theirs).replace(jobIdOf(statusOfA), "ID"))
        .isEqualTo(diagnostics(none).replace(jobIdOf(unknownJob), "ID"));
    // The suite's own system/*.* token did not start it either.
    assertThat(get(statusOfA).statusCode()).isEqualTo(404);
  }

  @Test
  void anotherClientCannotCancelTheExport() {
    // Cancelled at once, while queued: HAPI cancels a job that has not finished (a finished one answers 404).
    var running = kickOff("/$export?_type=Observation,Patient,Procedure", clientA);
    var cancel = send("DELETE", running, null, (String) null, "Authorization", clientB);
    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(404);
    assertThat(get(running, "Authorization", clientA).statusCode()).isIn(200, 202);
    var ownCancel = send("DELETE", running, null, (String) null, "Authorization", clientA);
    assertThat(ownCancel.statusCode()).as(ownCancel.body()).isEqualTo(202);
    assertThat(get(running, "Authorization", clientA).statusCode()).isEqualTo(404);
  }

  @Test
  void anotherClientGetsTheAnswerOfAFileThatDoesNotExist() {
    var theirs = get(fileOfA, "Authorization", clientB, "Accept", "application/fhir+ndjson");
    var missingId = unique("no-such-file");
    var none = get("/Binary/" + missingId, "Authorization", clientB, "Accept", "application/fhir+ndjson");

    assertThat(theirs.statusCode()).as(theirs.body()).isEqualTo(404);
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(diagnostics(theirs).replace(idOf(fileOfA), "ID")).isEqualTo(diagnostics(none).replace(missingId, "ID"));
    assertThat(theirs.body()).doesNotContain("\"resourceType\":\"Patient\"");
  }

  @Test
  void aSearchOfBinariesLeavesOutOtherClientsFiles() {
    var query = "/Binary?_id=" + idOf(fileOfA);
    assertThat(bundle(get(query, "Authorization", clientB)).getEntry()).isEmpty();
    assertThat(bundle(get(query, "Authorization", clientA)).getEntry()).hasSize(1);
  }

  @Test
  void anotherPatientCannotPollOrDownloadAPatientsExport() {
    assertThat(get(statusOfP, "Authorization", patientQ).statusCode()).isEqualTo(404);
    assertThat(get(fileOfP, "Authorization", patientQ, "Accept", "application/fhir+ndjson").statusCode())
        .isEqualTo(404);
  }

  @Test
  void aPatientTokenReadsNoBinaryButItsOwnExportsFiles() {
    assertThat(get(fileOfA, "Authorization", patientP, "Accept", "application/fhir+ndjson").statusCode())
        .isEqualTo(404);
    var stored = new Binary().setContentType("text/plain").setData("a scanned consent".getBytes(StandardCharsets.UTF_8));
    var other = client.create().resource(stored).execute().getId().getIdPart();
    assertThat(get("/Binary/" + other).statusCode()).isEqualTo(200);
    assertThat(get("/Binary/" + other, "Authorization", patientP).statusCode()).isEqualTo(404);
  }

  private String kickOff(String path, String authorization) {
    var response = get(path, "Authorization", authorization, "Prefer", "respond-async", "Accept", JSON);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return response.headers().firstValue("Content-Location").orElseThrow();
  }

  private JsonNode awaitManifest(String statusUrl, String authorization) {
    var done = new AtomicReference<HttpResponse<String>>();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      var response = get(statusUrl, "Authorization", authorization);
      done.set(response);
      return response.statusCode() != 202;
    });
    assertThat(done.get().statusCode()).as(done.get().body()).isEqualTo(200);
    try {
      return JSON_MAPPER.readTree(done.get().body());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String firstFile(JsonNode manifest) {
    var urls = new ArrayList<String>();
    manifest.get("output").forEach(output -> urls.add(output.get("url").asText()));
    assertThat(urls).isNotEmpty();
    return urls.get(0);
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  /** The {@code sub} of a bearer token, read from its payload. */
  private static String subjectOf(String bearer) {
    try {
      var payload = bearer.substring("Bearer ".length()).split("\\.")[1];
      return JSON_MAPPER.readTree(java.util.Base64.getUrlDecoder().decode(payload)).get("sub").asText();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String jobIdOf(String statusUrl) {
    return statusUrl.substring(statusUrl.indexOf("_jobId=") + 7);
  }

  private static String idOf(String binaryUrl) {
    return binaryUrl.substring(binaryUrl.lastIndexOf('/') + 1);
  }

  private static String diagnostics(HttpResponse<String> response) {
    var parser = response.body().strip().startsWith("<") ? FHIR.newXmlParser() : FHIR.newJsonParser();
    var outcome = parser.parseResource(OperationOutcome.class, response.body());
    return outcome.getIssueFirstRep().getDiagnostics();
  }

  private static Bundle bundle(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(Bundle.class, response.body());
  }
}
