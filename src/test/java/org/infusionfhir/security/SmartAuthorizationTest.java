package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.infusionfhir.ig.FixtureLoader;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Hl7v2Messages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Issue 6's matrix: tokens against endpoints, with exact status codes, and no other patient's data in
 * any answer a patient-held token gets. Patient A is the depression course (trd-patient), B the PTSD
 * course (ptsd-patient).
 */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmartAuthorizationTest extends FhirServerTestBase {

  static final String A = "trd-patient";
  static final String B = "ptsd-patient";
  /** Every patient but A that the fixtures hold: none of them may appear in an answer to A's token. */
  static final List<String> NOT_A = List.of(B, "pain-patient", "vit-patient");

  @Autowired FixtureLoader loader;

  String observationOfA;
  String observationOfB;
  /** The patient this class writes about: A and B are read only, their totals are counted by other classes. */
  String writtenAbout;

  @BeforeAll
  void loadTwoPatients() throws java.io.IOException {
    connectClient();
    loader.load(Fixtures.jsonFiles(Fixtures.BUNDLES));
    observationOfA = firstObservationOf(A);
    observationOfB = firstObservationOf(B);
    writtenAbout = client.create().resource(new org.hl7.fhir.r4.model.Patient().addIdentifier(
        new org.hl7.fhir.r4.model.Identifier().setSystem("urn:infusion-fhir:test").setValue(unique("writes"))))
        .execute().getId().toUnqualifiedVersionless().getValue();
  }

  /** The heart-rate example as a new reading of {@link #writtenAbout}, outside the demo courses. */
  String observationToWrite() throws java.io.IOException {
    var observation = FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Observation.class,
        Files.readString(Fixtures.RESOURCES.resolve("infusion-heart-rate-example.json")));
    observation.setIdElement(null);
    observation.setSubject(new org.hl7.fhir.r4.model.Reference(writtenAbout));
    observation.getPartOf().clear();
    observation.setEncounter(null);
    return FHIR.newJsonParser().encodeResourceToString(observation);
  }

  /** A fixture record or message with a patient of its own (created on write) instead of a demo patient's MRN. */
  static String newPatient(String text, String demoMrn) {
    return text.replace(demoMrn, unique("MRN"));
  }

  private String firstObservationOf(String patient) {
    return client.search().byUrl("Observation?subject=Patient/" + patient + "&category=vital-signs&_count=1")
        .returnBundle(Bundle.class).execute().getEntryFirstRep().getResource().getIdElement().toUnqualifiedVersionless()
        .getValue();
  }

  /** The ten tokens of the issue, by name. */
  Map<String, String> tokens() {
    var expired = tokens.claims("test-suite", "system/*.*", null)
        .issuedAt(Instant.now().minusSeconds(7200)).notBefore(Instant.now().minusSeconds(7200))
        .expiresAt(Instant.now().minusSeconds(3600)).build();
    var good = tokens.issue("test-suite", "system/*.*", null);
    var parts = good.split("\\.");
    // Same header and signature, one claim changed: the signature no longer matches.
    var payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]))
        .replace("\"system/*.*\"", "\"system/*.* user/*.*\"");
    var tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payload.getBytes()) + "." + parts[2];
    return Map.of(
        "none", "",
        "garbage", "Bearer not-a-jwt",
        "tampered", "Bearer " + tampered,
        "expired", "Bearer " + tokens.sign(expired),
        "wrong issuer", "Bearer " + tokens.sign(tokens.claims("test-suite", "system/*.*", null)
            .issuer("https://issuer.example.test").build()),
        "wrong audience", "Bearer " + tokens.sign(tokens.claims("test-suite", "system/*.*", null)
            .audience(List.of("https://another-server.example.test/fhir")).build()),
        "patient A", "Bearer " + tokens.issue("portal-a", "patient/*.read", A),
        "patient B", "Bearer " + tokens.issue("portal-b", "patient/*.read", B),
        "read-only", "Bearer " + tokens.issue("ehr-sync", "system/*.read", null),
        "system", "Bearer " + tokens.issue("backend", "system/*.*", null));
  }

  /** Endpoint name -> the request it sends (method, path, body). */
  record Call(String method, String path, String contentType, String body, String... headers) {}

  Map<String, Call> endpoints() {
    try {
      var session = newPatient(Files.readString(Fixtures.ROOT.resolve("intake/session-in-progress.json"))
          .replace("RKC-2026-000420", unique("RKC-matrix")), "MRN-31877");
      var oru = newPatient(Hl7v2Messages.withControlId(Hl7v2Messages.read(Hl7v2Messages.valid().get(0)), unique("MX")),
          "MRN-20481");
      var observation = observationToWrite();
      return Map.of(
          "read", new Call("GET", "/" + observationOfA, null, null),
          "search", new Call("GET", "/Observation?category=vital-signs&_count=500", null, null),
          "$everything", new Call("GET", "/Patient/" + A + "/$everything?_count=1000", null, null),
          "$summary", new Call("GET", "/Patient/" + A + "/$summary", null, null),
          "$export", new Call("GET", "/$export?_type=Patient", null, null, "Prefer", "respond-async"),
          "write", new Call("POST", "/Observation", JSON, observation),
          "hl7v2", new Call("POST", serverRoot() + "/hl7v2", "x-application/hl7-v2+er7", oru),
          "intake", new Call("POST", serverRoot() + "/intake/sessions", "application/json", session));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Stream<Arguments> matrix() {
    var rejected = Stream.of("none", "garbage", "tampered", "expired", "wrong issuer", "wrong audience")
        .flatMap(token -> Stream.of("read", "search", "$everything", "$summary", "$export", "write", "hl7v2",
            "intake").map(endpoint -> Arguments.of(token, endpoint, 401)));
    var granted = Stream.of(
        Arguments.of("patient A", "read", 200),
        Arguments.of("patient A", "search", 200),
        Arguments.of("patient A", "$everything", 200),
        Arguments.of("patient A", "$summary", 200),
        Arguments.of("patient A", "$export", 403),
        Arguments.of("patient A", "write", 403),
        Arguments.of("patient A", "hl7v2", 403),
        Arguments.of("patient A", "intake", 403),
        Arguments.of("patient B", "read", 403),
        Arguments.of("patient B", "search", 200),
        Arguments.of("patient B", "$everything", 403),
        Arguments.of("patient B", "$summary", 403),
        Arguments.of("patient B", "$export", 403),
        Arguments.of("patient B", "write", 403),
        Arguments.of("patient B", "hl7v2", 403),
        Arguments.of("patient B", "intake", 403),
        Arguments.of("read-only", "read", 200),
        Arguments.of("read-only", "search", 200),
        Arguments.of("read-only", "$everything", 200),
        Arguments.of("read-only", "$summary", 200),
        Arguments.of("read-only", "$export", 202),
        Arguments.of("read-only", "write", 403),
        Arguments.of("read-only", "hl7v2", 403),
        Arguments.of("read-only", "intake", 403),
        Arguments.of("system", "read", 200),
        Arguments.of("system", "search", 200),
        Arguments.of("system", "$everything", 200),
        Arguments.of("system", "$summary", 200),
        Arguments.of("system", "$export", 202),
        Arguments.of("system", "write", 201),
        Arguments.of("system", "hl7v2", 200),
        Arguments.of("system", "intake", 201));
    return Stream.concat(rejected, granted);
  }

  @ParameterizedTest(name = "{0} token, {1}: {2}")
  @MethodSource("matrix")
  void eachTokenGetsExactlyItsStatusAtEachEndpoint(String token, String endpoint, int status) {
    var call = endpoints().get(endpoint);
    var headers = Stream.concat(Stream.of("Authorization", tokens().get(token)), Stream.of(call.headers()))
        .toArray(String[]::new);
    var response = send(call.method(), call.path(), call.contentType(), call.body(), headers);

    assertThat(response.statusCode()).as(token + " " + endpoint + ": " + response.body()).isEqualTo(status);
    if (status == 202) {
      cancelExport(response, tokens().get(token));
    }
    if (status == 401) {
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
          .startsWith("Bearer"));
      assertOperationOutcome(response, 401, token.equals("none") ? "No access token" : "not accepted");
    }
    if (status == 403) {
      assertThat(response.body()).contains("OperationOutcome").doesNotContain(".java:");
    }
    var ownPatient = token.equals("patient A") ? A : token.equals("patient B") ? B : null;
    if (ownPatient != null) {
      // Not a single reference to a patient the token is not held to, whatever the status.
      Stream.of(A, B, "pain-patient", "vit-patient").filter(p -> !p.equals(ownPatient))
          .forEach(other -> assertThat(response.body()).as(token + " " + endpoint).doesNotContain("Patient/" + other));
    }
  }

  @Nested
  class PatientHeldTokens {

    String patientA() {
      return "Bearer " + tokens.issue("portal-a", "patient/*.read", A);
    }

    @Test
    void aSearchWithoutPatientIsNarrowedToTheTokensPatient() {
      var response = get("/Observation?category=vital-signs&_count=1000", "Authorization", patientA());
      var bundle = FHIR.newJsonParser().parseResource(Bundle.class, response.body());
      assertThat(bundle.getEntry()).isNotEmpty().allSatisfy(e -> assertThat(
          ((org.hl7.fhir.r4.model.Observation) e.getResource()).getSubject().getReference())
          .isEqualTo("Patient/" + A));
    }

    @Test
    void anotherPatientsResourceIsRefusedByIdAndBySearch() {
      assertThat(get("/" + observationOfB, "Authorization", patientA()).statusCode())
          .isEqualTo(403);
      assertThat(get("/Observation?subject=Patient/" + B, "Authorization", patientA())
          .statusCode()).isEqualTo(403);
      assertThat(get("/Patient/" + B, "Authorization", patientA()).statusCode())
          .isEqualTo(403);
    }

    @Test
    void everythingHoldsOnlyThePatientsOwnRecordAndSharedResources() {
      var response = get("/Patient/" + A + "/$everything?_count=2000", "Authorization", patientA());
      assertThat(response.statusCode()).isEqualTo(200);
      var types = FHIR.newJsonParser().parseResource(Bundle.class, response.body()).getEntry().stream()
          .map(e -> e.getResource().fhirType()).distinct().toList();
      assertThat(types).contains("Patient", "Observation", "Procedure", "MedicationAdministration")
          .doesNotContain("AuditEvent");
      NOT_A.forEach(other -> assertThat(response.body()).doesNotContain("Patient/" + other));
    }

    @Test
    void aPatientTokenExportsItsOwnCompartmentOnly() {
      var own = send("GET", "/Patient/" + A + "/$export?_type=Patient,Observation", null, (String) null,
          "Authorization", patientA(), "Prefer", "respond-async");
      assertThat(own.statusCode()).as(own.body()).isEqualTo(202);
      cancelExport(own, patientA());
      assertThat(send("GET", "/Patient/" + B + "/$export", null, (String) null, "Authorization", patientA(),
          "Prefer", "respond-async").statusCode()).isEqualTo(403);
      assertThat(send("GET", "/Patient/$export", null, (String) null, "Authorization", patientA(),
          "Prefer", "respond-async").statusCode()).isEqualTo(403);
    }

    @Test
    void v1ReadScopeOnOneTypeReachesThatTypeOnly() {
      var observationsOnly = "Bearer " + tokens.issue("portal-a", "patient/Observation.read", A);
      assertThat(get("/" + observationOfA, "Authorization", observationsOnly).statusCode())
          .isEqualTo(200);
      assertThat(get("/Procedure?subject=Patient/" + A, "Authorization", observationsOnly)
          .statusCode()).isEqualTo(403);
      assertThat(get("/Patient/" + A + "/$summary", "Authorization", observationsOnly)
          .statusCode()).isEqualTo(403);
    }

    @Test
    void v2GranularScopeSeesVitalSignsButNoQuestionnaireScores() {
      var vitalsOnly = "Bearer " + tokens.issue("monitor-app", "patient/Observation.rs?category=vital-signs", A);
      var response = get("/Observation?_count=1000", "Authorization", vitalsOnly);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var observations = FHIR.newJsonParser().parseResource(Bundle.class, response.body()).getEntry();
      assertThat(observations).isNotEmpty().allSatisfy(e -> assertThat(
          ((org.hl7.fhir.r4.model.Observation) e.getResource()).getCategoryFirstRep().getCodingFirstRep().getCode())
          .isEqualTo("vital-signs"));
      var phq9 = client.search().byUrl("Observation?subject=Patient/" + A + "&code=http://loinc.org|44261-6&_count=1")
          .returnBundle(Bundle.class).execute().getEntryFirstRep().getResource().getIdElement()
          .toUnqualifiedVersionless().getValue();
      assertThat(get("/" + phq9, "Authorization", vitalsOnly).statusCode()).isEqualTo(403);
    }

    @Test
    void v2ReadWithoutSearchAllowsReadsButNotSearches() {
      var readOnly = "Bearer " + tokens.issue("portal-a", "patient/Observation.r", A);
      assertThat(get("/" + observationOfA, "Authorization", readOnly).statusCode())
          .isEqualTo(200);
      assertThat(get("/Observation?category=vital-signs", "Authorization", readOnly)
          .statusCode()).isEqualTo(403);
    }
  }

  @Nested
  class WritesAndSystemScopes {

    @Test
    void writesNeedAWriteScopeAndAPatientWriteScopeStaysInItsCompartment() throws Exception {
      var observation = observationToWrite();
      var userWrite = "Bearer " + tokens.issue("charting", "user/Observation.cu user/*.read", null);
      assertThat(send("POST", "/Observation", JSON, observation, "Authorization", userWrite).statusCode())
          .isEqualTo(201);
      var patientBWrite = "Bearer " + tokens.issue("portal-b", "patient/Observation.c", B);
      assertThat(send("POST", "/Observation", JSON, observation, "Authorization", patientBWrite).statusCode())
          .isEqualTo(403);
      var createOnly = "Bearer " + tokens.issue("charting", "user/Observation.c", null);
      assertThat(send("PUT", "/" + observationOfA, JSON, observation.replaceFirst("\\{",
          "{\"id\":\"" + observationOfA.substring(observationOfA.indexOf('/') + 1) + "\","),
          "Authorization", createOnly).statusCode()).isEqualTo(403);
    }

    @Test
    void auditEventsAndMaintenanceOperationsNeedSystemScopes() {
      var user = "Bearer " + tokens.issue("clinician", "user/*.read", null);
      assertThat(get("/AuditEvent", "Authorization", user).statusCode()).isEqualTo(403);
      assertThat(get("/AuditEvent", "Authorization",
          "Bearer " + tokens.issue("siem", "system/AuditEvent.rs", null)).statusCode()).isEqualTo(200);
      assertThat(send("POST", "/$mark-all-resources-for-reindexing", JSON, "{\"resourceType\":\"Parameters\"}",
          "Authorization", "Bearer " + tokens.issue("ehr", "system/*.read system/*.write", null)).statusCode())
          .isEqualTo(403);
    }

    @Test
    void theGuideAndValidateAreOpenToAnyValidToken() {
      var narrow = "Bearer " + tokens.issue("portal-a", "patient/Observation.rs", A);
      assertThat(get("/StructureDefinition?_summary=count", "Authorization", narrow)
          .statusCode()).isEqualTo(200);
      // Validation ran for the narrow token: 200 with the empty Observation's errors in the outcome.
      var validated = send("POST", "/Observation/$validate", JSON, "{\"resourceType\":\"Observation\"}",
          "Authorization", narrow);
      assertThat(validated.statusCode()).as(validated.body()).isEqualTo(200);
      assertThat(FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.OperationOutcome.class, validated.body())
          .getIssue()).anyMatch(i -> i.getSeverity() == org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity.ERROR);
    }
  }

  /**
   * Cancels a kicked-off export, so that no job of this class is left running for the classes after it.
   * Whether it was still running or had finished (its files are deleted then), its status is gone after.
   * Only the token's client that started it may cancel it ({@code authorization}, as sent at kick-off).
   */
  void cancelExport(java.net.http.HttpResponse<String> kickOff, String authorization) {
    var status = kickOff.headers().firstValue("Content-Location").orElseThrow();
    send("DELETE", status, null, (String) null, "Authorization", authorization);
    assertThat(get(status, "Authorization", authorization).statusCode()).isEqualTo(404);
  }
}
