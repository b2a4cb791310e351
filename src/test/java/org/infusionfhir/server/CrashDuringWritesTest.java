package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.NodeHttp;
import org.infusionfhir.support.Postgres;
import org.infusionfhir.support.RestHookEndpoint;
import org.infusionfhir.support.ServerNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One server killed with kill -9 while transaction Bundles and intake records are written, an export runs and
 * rest-hook notifications wait for an endpoint that is down, then started again on the same database: each
 * Bundle and each record is there whole or not at all, every one answered 2xx is there, the AuditEvent of every
 * answered request is there, the export finishes, and every waiting notification arrives once.
 */
class CrashDuringWritesTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ISSUER = "http://crash.example.test";
  private static final String SYSTEM = "http://example.test/crash";
  private static final String SESSION_TAG = "http://infusion-fhir.org/fhir/sid/intake-session";
  private static final int OBSERVATIONS_PER_BUNDLE = 3;

  @Test
  void writesInFlightWhenTheServerIsKilledAreWholeOrAbsentOnH2() throws Exception {
    crashAndCheck(freshDir("h2"), List.of());
  }

  @Test
  @ExtendWith(Postgres.class)
  void writesInFlightWhenTheServerIsKilledAreWholeOrAbsentOnPostgresql() throws Exception {
    var url = Postgres.freshDatabase("infusion_crash_writes_test");
    crashAndCheck(freshDir("postgresql"), List.of("spring.datasource.url=" + url, "spring.datasource.username=" + Postgres.USER,
        "spring.datasource.password=" + Postgres.PASSWORD, "infusion.database.schema-action=migrate"));
  }

  /** The node's data folder, kept after the run (its server.log) and emptied before the next. */
  private static Path freshDir(String name) throws java.io.IOException {
    var dir = Path.of("target/test-data/crash-during-writes", name);
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    return Files.createDirectories(dir);
  }

  /** What the writers sent and what was answered. */
  private final Set<String> bundlesSent = ConcurrentHashMap.newKeySet();
  private final Map<String, String> bundlesAcked = new ConcurrentHashMap<>(); // run key -> Patient id
  private final Map<String, Integer> readsAnswered = new ConcurrentHashMap<>(); // Patient id -> reads answered 200
  private final Set<String> sessionsSent = ConcurrentHashMap.newKeySet();
  private final Set<String> sessionsAcked = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean writing = new AtomicBoolean(true);
  private final ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();

  private void crashAndCheck(Path dataDir, List<String> database) throws Exception {
    var keyFile = dataDir.resolve("issuer-key.json");
    var token = NodeHttp.systemToken(ISSUER, keyFile);
    var properties = new ArrayList<>(database);
    properties.addAll(NodeHttp.issuerProperties(ISSUER, keyFile));
    properties.addAll(List.of("infusion.subscriptions.allowed-endpoints=http://127.0.0.1:",
        "infusion.subscriptions.retry-first-wait=100ms", "infusion.subscriptions.retry-longest-wait=500ms",
        "infusion.subscriptions.outbox-check=500ms", "infusion.batch.check-interval=1s"));
    var endpointDown = new AtomicBoolean(true);
    var notified = new ConcurrentLinkedQueue<String>();
    var endpoint = RestHookEndpoint.start(endpointDown, notified);
    var node = ServerNode.launch("crash during writes", dataDir, properties).awaitReady(Duration.ofMinutes(4));
    var http = new NodeHttp(node, token);
    try {
      var run = UUID.randomUUID().toString().substring(0, 8);
      var subscription = subscribe(http, run, endpoint.getAddress().getPort());
      var writers = Executors.newFixedThreadPool(3);
      writers.submit(() -> writeBundles(http, run, 0));
      writers.submit(() -> writeBundles(http, run, 1));
      writers.submit(() -> writeIntakeRecords(http, run));
      Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> bundlesAcked.size() >= 10);
      var exportedBefore = Set.copyOf(bundlesAcked.values());
      var kickOff = http.fhir("GET", "/$export?_type=Patient", null, "Prefer", "respond-async");
      assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
      var status = kickOff.headers().firstValue("Content-Location").orElseThrow();
      Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> bundlesAcked.size() >= 20 && sessionsAcked.size() >= 3
          || refusals.size() > 5);
      assertThat(refusals).as("refused writes").isEmpty();
      node.kill();
      writing.set(false);
      writers.shutdown();
      assertThat(writers.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
      System.out.printf("[crash] killed with %d of %d Bundles and %d of %d intake records answered%n",
          bundlesAcked.size(), bundlesSent.size(), sessionsAcked.size(), sessionsSent.size());

      endpointDown.set(false);
      node.restart().awaitReady(Duration.ofMinutes(4));
      assertBundlesWholeOrAbsent(http, run);
      assertIntakeRecordsWholeOrAbsent(http);
      assertEveryAnsweredRequestAudited(http);
      assertExportFinishes(http, status.substring(status.indexOf("/fhir/")), exportedBefore);
      assertEveryStoredPatientNotifiedOnce(http, run, notified);
      http.fhir("DELETE", "/Subscription/" + subscription, null);
    } finally {
      writing.set(false);
      node.close();
      endpoint.stop(0);
    }
  }

  /** Transaction Bundles of a Patient and three Observations about it, each with the run's identifier. */
  private void writeBundles(NodeHttp http, String run, int writer) {
    for (int i = 0; writing.get(); i++) {
      var key = run + "-" + writer + "-" + i;
      var bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
      var patient = new Patient().addIdentifier(new org.hl7.fhir.r4.model.Identifier().setSystem(SYSTEM).setValue(key));
      patient.addName().setFamily("Crash").addGiven(key);
      var patientUrl = "urn:uuid:" + UUID.randomUUID();
      bundle.addEntry().setFullUrl(patientUrl).setResource(patient).getRequest()
          .setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
      for (int o = 0; o < OBSERVATIONS_PER_BUNDLE; o++) {
        var observation = new Observation().setStatus(Observation.ObservationStatus.FINAL)
            .setSubject(new Reference(patientUrl));
        observation.addIdentifier().setSystem(SYSTEM).setValue(key + "-" + o);
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
        bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(observation).getRequest()
            .setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
      }
      bundlesSent.add(key);
      try {
        var response = http.fhir("POST", "", FHIR.newJsonParser().encodeResourceToString(bundle));
        if (response.statusCode() == 200) {
          var answer = FHIR.newJsonParser().parseResource(Bundle.class, response.body());
          var id = answer.getEntryFirstRep().getResponse().getLocation().split("/")[1];
          bundlesAcked.put(key, id);
          if (http.fhir("GET", "/Patient/" + id, null).statusCode() == 200) {
            readsAnswered.merge(id, 1, Integer::sum);
          }
        } else {
          refusals.add("Bundle " + response.statusCode() + ": " + response.body());
        }
      } catch (Exception serverGone) {
        return;
      }
    }
  }

  /** The charting app's session records, each of a new patient. */
  private void writeIntakeRecords(NodeHttp http, String run) {
    try {
      var fixture = (ObjectNode) JSON.readTree(Fixtures.ROOT.resolve("intake/session-new-patient.json").toFile());
      for (int i = 0; writing.get(); i++) {
        var record = fixture.deepCopy();
        var session = "CRASH-" + run + "-" + i;
        record.put("sessionId", session);
        ((ObjectNode) record.get("patient")).put("mrn", session);
        sessionsSent.add(session);
        var response = http.send("POST", "/intake/sessions", record.toString(), "Content-Type", "application/json",
            "Accept", "application/json");
        if (response.statusCode() == 201) {
          sessionsAcked.add(session);
        } else {
          refusals.add("intake " + response.statusCode() + ": " + response.body());
        }
      }
    } catch (Exception serverGone) {
      // the server was killed under this request
    }
  }

  private void assertBundlesWholeOrAbsent(NodeHttp http, String run) throws Exception {
    int whole = 0;
    for (var key : bundlesSent) {
      int patients = http.count("/Patient?identifier=" + SYSTEM + "%7C" + key);
      int observations = 0;
      for (int o = 0; o < OBSERVATIONS_PER_BUNDLE; o++) {
        observations += http.count("/Observation?identifier=" + SYSTEM + "%7C" + key + "-" + o);
      }
      assertThat(List.of(patients, observations)).as("Bundle " + key).isIn(List.of(0, 0),
          List.of(1, OBSERVATIONS_PER_BUNDLE));
      if (bundlesAcked.containsKey(key)) {
        assertThat(patients).as("answered Bundle " + key).isEqualTo(1);
      }
      whole += patients;
    }
    System.out.printf("[crash] %d Bundles sent, %d answered 200, %d stored whole, none in part%n",
        bundlesSent.size(), bundlesAcked.size(), whole);
  }

  private void assertIntakeRecordsWholeOrAbsent(NodeHttp http) throws Exception {
    Integer wholeSize = null;
    int stored = 0;
    for (var session : sessionsAcked) {
      int size = resourcesOf(http, session);
      assertThat(size).as("answered record " + session).isPositive();
      assertThat(wholeSize == null || wholeSize == size).as("record %s has %d resources, others %d", session, size,
          wholeSize).isTrue();
      wholeSize = size;
    }
    for (var session : sessionsSent) {
      int size = resourcesOf(http, session);
      assertThat(size).as("record " + session).isIn(0, wholeSize);
      stored += size > 0 ? 1 : 0;
    }
    System.out.printf("[crash] %d intake records sent, %d answered 201, %d stored whole (%d resources each), "
        + "none in part%n", sessionsSent.size(), sessionsAcked.size(), stored, wholeSize);
  }

  private static int resourcesOf(NodeHttp http, String session) throws Exception {
    int size = 0;
    for (var type : List.of("Encounter", "Procedure", "MedicationAdministration", "Observation", "AdverseEvent")) {
      size += http.count("/" + type + "?_tag=" + SESSION_TAG + "%7C" + session);
    }
    return size;
  }

  /** The AuditEvent of the transaction that created each answered Patient, and one of each read answered. */
  private void assertEveryAnsweredRequestAudited(NodeHttp http) throws Exception {
    for (var patient : bundlesAcked.values()) {
      int audited = http.count("/AuditEvent?entity=Patient/" + patient);
      assertThat(audited).as("AuditEvents of Patient/" + patient).isGreaterThanOrEqualTo(
          1 + readsAnswered.getOrDefault(patient, 0));
    }
  }

  private void assertExportFinishes(NodeHttp http, String status, Set<String> exportedBefore) throws Exception {
    var done = new java.util.concurrent.atomic.AtomicReference<java.net.http.HttpResponse<String>>();
    Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
      done.set(http.send("GET", status, null));
      return done.get().statusCode() != 202;
    });
    assertThat(done.get().statusCode()).as(done.get().body()).isEqualTo(200);
    var exported = new ArrayList<String>();
    for (var output : JSON.readTree(done.get().body()).get("output")) {
      var file = output.get("url").asText();
      var ndjson = http.send("GET", file.substring(file.indexOf("/fhir/")), null, "Accept", "application/fhir+ndjson");
      ndjson.body().lines().forEach(line -> exported.add(FHIR.newJsonParser().parseResource(line)
          .getIdElement().getIdPart()));
    }
    assertThat(exported).as("Patients exported").containsAll(exportedBefore);
  }

  private void assertEveryStoredPatientNotifiedOnce(NodeHttp http, String run, ConcurrentLinkedQueue<String> notified)
      throws Exception {
    var stored = new ArrayList<String>();
    var search = http.fhir("GET", "/Patient?identifier=" + SYSTEM + "%7C&_elements=id&_count=1000", null);
    for (var entry : FHIR.newJsonParser().parseResource(Bundle.class, search.body()).getEntry()) {
      stored.add(entry.getResource().getIdElement().getIdPart());
    }
    assertThat(stored).containsAll(bundlesAcked.values());
    try {
      Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> stored.stream().allMatch(id ->
          notified.stream().anyMatch(path -> path.endsWith("/Patient/" + id))));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("stored " + stored + ", notified " + notified, e);
    }
    for (var id : stored) {
      assertThat(notified.stream().filter(path -> path.endsWith("/Patient/" + id)).count())
          .as("notifications of Patient/" + id).isEqualTo(1);
    }
    System.out.printf("[crash] %d Patients stored, each notified once after the restart%n", stored.size());
  }

  /** A rest-hook Subscription on this run's Patients; returns its id once the server matches with it. */
  private static String subscribe(NodeHttp http, String run, int port) throws Exception {
    var subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
        .setReason("crash test").setCriteria("Patient?identifier=" + SYSTEM + "|");
    subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint("http://127.0.0.1:" + port + "/hook").setPayload("application/fhir+json");
    var created = http.fhir("POST", "/Subscription", FHIR.newJsonParser().encodeResourceToString(subscription));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    var id = FHIR.newJsonParser().parseResource(created.body()).getIdElement().getIdPart();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        http.fhir("GET", "/Subscription/" + id, null).body().contains("\"status\":\"active\""));
    return id;
  }
}
