package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.infusionfhir.security.LocalTokens;
import org.infusionfhir.security.SecurityProperties;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.infusionfhir.support.Postgres;
import org.infusionfhir.support.ServerNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Two server processes on one PostgreSQL database, on different ports, as replicas behind a load balancer run:
 * the same configured issuer and key, the same database, nothing else shared. Both start at once on an empty
 * database with the {@code migrate} action, so the schema is migrated by one while the other starts. Every test
 * sends its requests to both and checks that they answer as one server.
 */
@ExtendWith(Postgres.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicasTest {

  static final String ISSUER = "http://replicas.example.test";
  static final String MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";
  static final FhirContext FHIR = FhirContext.forR4Cached();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final Path dir = Path.of("target/test-data/replicas");
  String databaseUrl;
  ServerNode a;
  ServerNode b;
  String token;

  @BeforeAll
  void startTwoNodesAtOnceOnAnEmptyDatabase() throws Exception {
    databaseUrl = Postgres.freshDatabase("infusion_replicas_test");
    var keyFile = dir.resolve("shared/issuer-key.json").toAbsolutePath();
    Files.createDirectories(keyFile.getParent());
    Files.deleteIfExists(keyFile);
    token = "Bearer " + new LocalTokens(new SecurityProperties(true, "infusion-fhir", Duration.ofSeconds(30), null,
        null, null, new SecurityProperties.Embedded(ISSUER, keyFile, null, Duration.ofHours(2)), List.of()))
        .issue("replicas-test", "system/*.*", null);
    a = ServerNode.launch("replica A", dir.resolve("a"), nodeProperties(keyFile, "a"));
    b = ServerNode.launch("replica B", dir.resolve("b"), nodeProperties(keyFile, "b"));
    a.awaitReady(Duration.ofMinutes(4));
    b.awaitReady(Duration.ofMinutes(4));
  }

  /** What replicas share (database, issuer, key, clients) and what is each node's own (its loopback secret). */
  private List<String> nodeProperties(Path keyFile, String node) throws java.io.IOException {
    Files.deleteIfExists(dir.resolve(node).resolve("server.log"));
    return List.of(
        "spring.datasource.url=" + databaseUrl,
        "spring.datasource.username=" + Postgres.USER,
        "spring.datasource.password=" + Postgres.PASSWORD,
        "spring.datasource.hikari.maximum-pool-size=10",
        "infusion.database.schema-action=migrate",
        "infusion.security.embedded.issuer=" + ISSUER,
        "infusion.security.embedded.key-file=" + keyFile,
        "infusion.security.embedded.clients-file=" + Path.of("src/test/resources/security/clients.json").toAbsolutePath(),
        "infusion.auth.admin-secret-file=" + dir.resolve(node).resolve("admin-secret").toAbsolutePath(),
        "infusion.batch.check-interval=1s",
        // Work a killed node left is taken over because its node is gone, never by age (production: 5 min, for
        // pieces queued by a release that did not record their node).
        "infusion.batch.stalled-after=1h",
        "infusion.subscriptions.allowed-endpoints=http://127.0.0.1:",
        "infusion.subscriptions.retry-first-wait=100ms",
        "infusion.subscriptions.retry-longest-wait=500ms",
        // A killed node's delivery in hand is sent by another after this (production: 1 min).
        "infusion.subscriptions.delivery-claim=5s",
        "infusion.subscriptions.outbox-check=500ms");
  }

  @AfterAll
  void stop() {
    for (var node : new ServerNode[] {a, b}) {
      if (node != null) {
        node.close();
      }
    }
  }

  // --- the schema ---

  @Test
  void theSchemaWasMigratedOnceThoughBothNodesStartedOnAnEmptyDatabaseAtOnce() {
    var jdbc = new JdbcTemplate(new DriverManagerDataSource(databaseUrl, Postgres.USER, Postgres.PASSWORD));
    for (var table : List.of("FLY_HFJ_MIGRATION", "INFUSION_MIGRATION")) {
      var rows = jdbc.queryForList("SELECT \"version\", \"success\" FROM \"" + table + "\"");
      assertThat(rows).as(table).isNotEmpty();
      assertThat(rows.stream().map(r -> r.get("version")).distinct().count()).as("each version once in " + table)
          .isEqualTo(rows.size());
      assertThat(rows).as(table).allSatisfy(r -> assertThat(r.get("success")).isEqualTo(true));
    }
    // One node did the work while the other waited for the lock, then found nothing left to do.
    var logs = a.logText() + b.logText();
    assertThat(logs).contains("Another process is migrating the schema; waiting for it to finish");
    assertThat(logs).contains("0 of");
  }

  @Test
  void eachNodeRunsHapisClusteredJobsUnderTheirDatabaseLocks() {
    for (var node : List.of(a, b)) {
      assertThat(node.logText()).as(node.name())
          .contains("HAPI's clustered jobs run on one replica at a time, each under a database lock named by the job");
    }
  }

  // --- requests served by either node ---

  @Test
  void pageLinksMadeOnOneNodeAreServedByTheOther() throws Exception {
    var family = "Paging" + UUID.randomUUID().toString().substring(0, 8);
    var bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (int i = 0; i < 23; i++) {
      var patient = new org.hl7.fhir.r4.model.Patient();
      patient.addName().setFamily(family).addGiven("P" + i);
      bundle.addEntry().setResource(patient).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
    }
    assertThat(send(a, "POST", "", FHIR.newJsonParser().encodeResourceToString(bundle)).statusCode()).isEqualTo(200);

    var ids = new HashSet<String>();
    var page = parse(send(a, "GET", "/Patient?family=" + family + "&_count=10", null), Bundle.class);
    var pages = 1;
    ids.addAll(idsOf(page));
    // Each next link, made by the node that served the page, is followed on the other node.
    var nodes = new ServerNode[] {b, a};
    while (page.getLink("next") != null) {
      var next = URI.create(page.getLink("next").getUrl());
      var node = nodes[pages % 2 == 1 ? 0 : 1];
      var response = sendTo(onNode(node, next.toString()), "GET", null);
      assertThat(response.statusCode()).as("page %d on %s: %s", pages + 1, node, response.body()).isEqualTo(200);
      page = parse(response, Bundle.class);
      ids.addAll(idsOf(page));
      pages++;
    }
    assertThat(pages).isEqualTo(3);
    assertThat(ids).hasSize(23);
  }

  @Test
  void aConditionalCreateRacedOnTwoNodesLeavesOneResource() throws Exception {
    for (int round = 0; round < 5; round++) {
      var mrn = "RACE-" + UUID.randomUUID();
      var patient = new org.hl7.fhir.r4.model.Patient();
      patient.addIdentifier().setSystem(MRN_SYSTEM).setValue(mrn);
      var body = FHIR.newJsonParser().encodeResourceToString(patient);
      var condition = "identifier=" + URLEncoder.encode(MRN_SYSTEM + "|" + mrn, StandardCharsets.UTF_8);
      var statuses = atOnce(
          () -> send(a, "POST", "/Patient", body, "If-None-Exist", condition).statusCode(),
          () -> send(b, "POST", "/Patient", body, "If-None-Exist", condition).statusCode());
      assertThat(statuses).as("round %d", round).allSatisfy(s -> assertThat(s).isIn(200, 201));
      var found = parse(send(b, "GET", "/Patient?" + condition, null), Bundle.class);
      assertThat(found.getEntry()).as("round %d", round).hasSize(1);
    }
  }

  @Test
  void aClientAssertionUsedOnOneNodeIsRefusedOnTheOther() throws Exception {
    var assertion = clientAssertion(UUID.randomUUID().toString());
    var form = "grant_type=client_credentials&scope=system%2F*.read"
        + "&client_assertion_type=" + URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            StandardCharsets.UTF_8)
        + "&client_assertion=" + assertion;
    var first = token(a, form);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    var replay = token(b, form);
    assertThat(replay.statusCode()).as(replay.body()).isEqualTo(401);
    assertThat(replay.body()).contains("invalid_client").contains("jti has been used before");
  }

  @Test
  void aTokenRevokedOnOneNodeIsRefusedOnTheOther() throws Exception {
    var basic = "Basic " + java.util.Base64.getEncoder().encodeToString(
        "charting-app:charting-test-secret".getBytes(StandardCharsets.UTF_8));
    var issued = HTTP.send(HttpRequest.newBuilder(URI.create(a.root() + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", basic)
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=system%2F*.read")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    var accessToken = new com.fasterxml.jackson.databind.ObjectMapper().readTree(issued.body())
        .get("access_token").asText();
    var read = HttpRequest.newBuilder(URI.create(b.fhir() + "/Patient?_count=1"))
        .header("Authorization", "Bearer " + accessToken).build();
    assertThat(HTTP.send(read, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);

    var revoked = HTTP.send(HttpRequest.newBuilder(URI.create(a.root() + "/oauth2/revoke"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", basic)
        .POST(HttpRequest.BodyPublishers.ofString("token=" + accessToken)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
    assertThat(HTTP.send(read, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
  }

  @Test
  void anHl7MessageAckedByOneNodeAndResentToTheOtherIsStoredOnce() throws Exception {
    var mrn = "RESEND-" + UUID.randomUUID().toString().substring(0, 8);
    var message = Hl7v2Messages.monitorMessage("CTL-" + UUID.randomUUID(), mrn, OffsetDateTime.now(ZoneOffset.UTC),
        Hl7v2Messages.heartRate(71));
    assertThat(mllp(a, message)).isEqualTo("AA");
    assertThat(mllp(b, message)).isEqualTo("AA");
    assertThat(patients(mrn)).hasSize(1);
    assertThat(observationCount(mrn)).isEqualTo(1);
  }

  @Test
  void copiesOfAnHl7MessageArrivingOnBothNodesAtOnceAreStoredOnceAndBothAcked() throws Exception {
    for (int round = 0; round < 3; round++) {
      var mrn = "TWIN-" + UUID.randomUUID().toString().substring(0, 8);
      var message = Hl7v2Messages.monitorMessage("CTL-" + UUID.randomUUID(), mrn,
          OffsetDateTime.now(ZoneOffset.UTC), Hl7v2Messages.heartRate(72 + round));
      var codes = atOnce(() -> mllp(a, message), () -> mllp(b, message));
      assertThat(codes).as("round %d", round).containsOnly("AA");
      assertThat(patients(mrn)).as("round %d", round).hasSize(1);
      assertThat(observationCount(mrn)).as("round %d", round).isEqualTo(1);
    }
  }

  // --- caches ---

  /**
   * A SearchParameter created on A is used on B from B's next request: B indexes a resource written right after
   * by it, and searches by it (HAPI alone re-reads the SearchParameters of another node once a minute, and B
   * would index the write without the parameter, for good, and refuse the search).
   */
  @Test
  void aSearchParameterCreatedOnOneNodeIsUsedOnTheOtherAtOnce() throws Exception {
    var code = "note-" + UUID.randomUUID().toString().replaceAll("[^a-f]", "").substring(0, 6);
    var parameter = new org.hl7.fhir.r4.model.SearchParameter().setUrl(ISSUER + "/SearchParameter/" + code)
        .setName(code).setCode(code).setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE)
        .setType(org.hl7.fhir.r4.model.Enumerations.SearchParamType.STRING).setExpression("Observation.note.text")
        .setDescription("replicas test: the text of an Observation's note");
    parameter.addBase("Observation");
    var created = send(a, "POST", "/SearchParameter", FHIR.newJsonParser().encodeResourceToString(parameter));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    var text = "Replica" + UUID.randomUUID().toString().substring(0, 8);
    var observation = new org.hl7.fhir.r4.model.Observation()
        .setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
    observation.getCode().setText("replicas test");
    observation.addNote().setText(text);
    var written = send(b, "POST", "/Observation", FHIR.newJsonParser().encodeResourceToString(observation));
    assertThat(written.statusCode()).as(written.body()).isEqualTo(201);
    var id = FHIR.newJsonParser().parseResource(written.body()).getIdElement().getIdPart();

    for (var node : List.of(b, a)) {
      var found = send(node, "GET", "/Observation?" + code + "=" + text, null);
      assertThat(found.statusCode()).as(node.name() + ": " + found.body()).isEqualTo(200);
      assertThat(idsOf(parse(found, Bundle.class))).as(node.name()).containsExactly(id);
    }
  }

  // --- batch work ---

  @Test
  void anExportStartedOnANodeKilledWithKill9IsPolledAndDownloadedOnTheOther() throws Exception {
    var family = "Export" + UUID.randomUUID().toString().substring(0, 8);
    for (int i = 0; i < 3; i++) {
      var patient = new org.hl7.fhir.r4.model.Patient();
      patient.addName().setFamily(family);
      assertThat(send(b, "POST", "/Patient", FHIR.newJsonParser().encodeResourceToString(patient)).statusCode())
          .isEqualTo(201);
    }
    var kickOff = send(a, "GET", "/$export?_type=Patient", null, "Prefer", "respond-async");
    assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
    var status = onNode(b, kickOff.headers().firstValue("Content-Location").orElseThrow());
    a.kill();
    try {
      var manifest = new java.util.concurrent.atomic.AtomicReference<String>();
      org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
        var poll = sendTo(status, "GET", null);
        assertThat(poll.statusCode()).as(poll.body()).isIn(200, 202);
        if (poll.statusCode() == 200) {
          manifest.set(poll.body());
        }
        return manifest.get() != null;
      });
      var outputs = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest.get()).get("output");
      assertThat(outputs).isNotEmpty();
      var exported = new StringBuilder();
      for (var output : outputs) {
        var file = sendTo(onNode(b, output.get("url").asText()), "GET", null, "Accept", "application/fhir+ndjson");
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        exported.append(file.body());
      }
      assertThat(exported.toString().split(family, -1)).hasSize(4);
    } finally {
      a.restart().awaitReady(Duration.ofMinutes(4));
    }
  }

  /** The same path and query on {@code node}: what a load balancer does with a link another replica made. */
  private static String onNode(ServerNode node, String url) {
    var uri = URI.create(url);
    return node.root() + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
  }

  // --- subscriptions ---

  @Test
  void aSubscriptionCreatedOnOneNodeIsNotifiedOnceOfEachWriteOnEitherNode() throws Exception {
    var down = new java.util.concurrent.atomic.AtomicBoolean(false);
    var received = new java.util.concurrent.ConcurrentLinkedQueue<String>();
    var receiver = org.infusionfhir.support.RestHookEndpoint.start(down, received);
    String subscriptionId = null;
    try {
      var code = UUID.randomUUID().toString();
      // Active, and matched on both nodes: $delivery-status answers the same on each (well before HAPI's own
      // once-a-minute reload of the registry).
      subscriptionId = subscribe(code, receiver.getAddress().getPort());

      var written = new ArrayList<String>();
      for (var node : List.of(b, a, b, a)) {
        written.add(observation(node, code));
      }
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
          written.stream().allMatch(o -> received.stream().anyMatch(path -> path.endsWith("/Observation/" + o))));
      // A last write as a fence: once it is in, every copy a second node would have sent of the earlier ones is.
      var fence = observation(a, code);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
          received.stream().anyMatch(path -> path.endsWith("/Observation/" + fence)));
      written.add(fence);
      for (var o : written) {
        assertThat(received.stream().filter(path -> path.endsWith("/Observation/" + o)).count())
            .as("notifications of Observation/%s: %s", o, received).isEqualTo(1);
      }
      // Counted in the database: both nodes give the same answer, whichever node delivered which.
      for (var node : List.of(a, b)) {
        assertThat(count(deliveryStatus(node, subscriptionId), "delivered")).as(node.name()).isEqualTo(written.size());
      }
    } finally {
      if (subscriptionId != null) {
        send(a, "DELETE", "/Subscription/" + subscriptionId, null);
      }
      receiver.stop(0);
    }
  }

  /**
   * A delivery whose endpoint is down waits in the database: both nodes killed with kill -9 while it waits,
   * the endpoint back up and the nodes restarted, it arrives once, and both nodes report it delivered.
   */
  @Test
  void aDeliveryPendingWhenBothNodesAreKilledArrivesOnceAfterTheyRestart() throws Exception {
    var down = new java.util.concurrent.atomic.AtomicBoolean(true);
    var received = new java.util.concurrent.ConcurrentLinkedQueue<String>();
    var receiver = org.infusionfhir.support.RestHookEndpoint.start(down, received);
    String subscriptionId = null;
    try {
      var code = UUID.randomUUID().toString();
      subscriptionId = subscribe(code, receiver.getAddress().getPort());
      var id = subscriptionId;
      var pendingOne = observation(b, code);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
        var status = deliveryStatus(a, id);
        return count(status, "failedAttempts") >= 1 && count(status, "pending") == 1;
      });

      a.kill();
      b.kill();
      down.set(false);
      a.restart();
      b.restart();
      a.awaitReady(Duration.ofMinutes(4));
      b.awaitReady(Duration.ofMinutes(4));

      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
          received.stream().anyMatch(path -> path.endsWith("/Observation/" + pendingOne)));
      var fence = observation(a, code);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
          received.stream().anyMatch(path -> path.endsWith("/Observation/" + fence)));
      assertThat(received.stream().filter(path -> path.endsWith("/Observation/" + pendingOne)).count())
          .as("notifications of Observation/%s: %s", pendingOne, received).isEqualTo(1);
      for (var node : List.of(a, b)) {
        var status = deliveryStatus(node, id);
        assertThat(count(status, "delivered")).as(node.name()).isEqualTo(2);
        assertThat(count(status, "pending")).as(node.name()).isZero();
        assertThat(count(status, "failedAttempts")).as(node.name()).isPositive();
        assertThat(status.getParameterValue("state").primitiveValue()).as(node.name()).isEqualTo("ok");
      }
    } finally {
      for (var node : List.of(a, b)) {
        if (!node.alive()) {
          node.restart().awaitReady(Duration.ofMinutes(4));
        }
      }
      if (subscriptionId != null) {
        send(a, "DELETE", "/Subscription/" + subscriptionId, null);
      }
      receiver.stop(0);
    }
  }

  /** A rest-hook Subscription on Observations with {@code code}, created on A and matching on both nodes. */
  private String subscribe(String code, int port) throws Exception {
    var subscription = new org.hl7.fhir.r4.model.Subscription()
        .setStatus(org.hl7.fhir.r4.model.Subscription.SubscriptionStatus.REQUESTED).setReason("replicas test")
        .setCriteria("Observation?code=" + ISSUER + "/code|" + code);
    subscription.getChannel().setType(org.hl7.fhir.r4.model.Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint("http://127.0.0.1:" + port + "/hook").setPayload("application/fhir+json");
    var created = send(a, "POST", "/Subscription", FHIR.newJsonParser().encodeResourceToString(subscription));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    var id = FHIR.newJsonParser().parseResource(created.body()).getIdElement().getIdPart();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
        List.of(a, b).stream().allMatch(node -> matching(node, id)));
    return id;
  }

  private org.hl7.fhir.r4.model.Parameters deliveryStatus(ServerNode node, String subscriptionId) throws Exception {
    var response = send(node, "GET", "/Subscription/" + subscriptionId + "/$delivery-status", null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Parameters.class, response.body());
  }

  /** A count in a $delivery-status answer; 0 before the Subscription's first delivery. */
  private static int count(org.hl7.fhir.r4.model.Parameters status, String name) {
    var value = status.getParameterValue(name);
    return value == null ? 0 : Integer.parseInt(value.primitiveValue());
  }

  private boolean matching(ServerNode node, String subscriptionId) {
    HttpResponse<String> response;
    try {
      response = send(node, "GET", "/Subscription/" + subscriptionId + "/$delivery-status", null);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    if (response.statusCode() != 200) {
      return false;
    }
    var status = FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Parameters.class, response.body());
    return "active".equals(status.getParameterValue("subscriptionStatus").primitiveValue())
        && status.getParameterBool("matching");
  }

  private String observation(ServerNode node, String code) throws Exception {
    var observation = new org.hl7.fhir.r4.model.Observation()
        .setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
    observation.getCode().addCoding().setSystem(ISSUER + "/code").setCode(code);
    var response = send(node, "POST", "/Observation", FHIR.newJsonParser().encodeResourceToString(observation));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return FHIR.newJsonParser().parseResource(response.body()).getIdElement().getIdPart();
  }

  // --- helpers ---

  private List<String> patients(String mrn) throws Exception {
    var found = parse(send(a, "GET", "/Patient?identifier=" + URLEncoder.encode(MRN_SYSTEM + "|" + mrn,
        StandardCharsets.UTF_8), null), Bundle.class);
    return idsOf(found);
  }

  private int observationCount(String mrn) throws Exception {
    var patients = patients(mrn);
    assertThat(patients).hasSize(1);
    var found = parse(send(b, "GET", "/Observation?subject=Patient/" + patients.get(0) + "&_summary=count", null),
        Bundle.class);
    return found.getTotal();
  }

  private static String mllp(ServerNode node, String message) {
    try (var client = new MllpClient(node.mllpPort())) {
      return client.send(message).code();
    }
  }

  /** Runs both at the same instant (released together by a barrier) and returns their results. */
  @SafeVarargs
  private static <T> List<T> atOnce(Callable<T>... calls) throws Exception {
    var barrier = new CyclicBarrier(calls.length);
    var pool = Executors.newFixedThreadPool(calls.length);
    try {
      var futures = new ArrayList<java.util.concurrent.Future<T>>();
      for (var call : calls) {
        futures.add(pool.submit(() -> {
          barrier.await();
          return call.call();
        }));
      }
      var results = new ArrayList<T>();
      for (var future : futures) {
        results.add(future.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private String clientAssertion(String jti) throws Exception {
    var key = RSAKey.parse(Files.readString(Path.of("src/test/resources/security/backend-client-key.json")));
    var claims = new JWTClaimsSet.Builder().issuer("ehr-bulk-sync").subject("ehr-bulk-sync")
        .audience(ISSUER + "/oauth2/token").jwtID(jti)
        .expirationTime(new Date(System.currentTimeMillis() + 240_000)).build();
    var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static HttpResponse<String> token(ServerNode node, String form) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(node.root() + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(ServerNode node, String method, String path, String body, String... headers)
      throws Exception {
    return sendTo(node.fhir() + path, method, body, headers);
  }

  private HttpResponse<String> sendTo(String url, String method, String body, String... headers) throws Exception {
    return org.infusionfhir.support.NodeHttp.request(token, url, method, body, headers);
  }


  private static <T extends IBaseResource> T parse(HttpResponse<String> response, Class<T> type) {
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return FHIR.newJsonParser().parseResource(type, response.body());
  }

  private static List<String> idsOf(Bundle bundle) {
    return bundle.getEntry().stream().filter(e -> e.getResource() != null)
        .map(e -> e.getResource().getIdElement().getIdPart()).toList();
  }
}
