package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.infusionfhir.security.LocalTokens;
import org.infusionfhir.server.storage.ClusterLock;
import org.infusionfhir.server.storage.ReplicaLease;
import org.infusionfhir.security.SecurityProperties;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.infusionfhir.support.NodeHttp;
import org.infusionfhir.support.Postgres;
import org.infusionfhir.support.ServerNode;
import org.infusionfhir.support.TcpProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL out of reach for 30 s under load (REST reads, searches and writes, an HL7 v2 feed), then back: the
 * server is cut off by a TCP proxy this test owns between it and the database, which drops the open connections
 * and refuses new ones; the machine's PostgreSQL itself is never stopped.
 */
@ExtendWith(Postgres.class)
class DatabaseOutageTest {

  private static final Duration OUTAGE = Duration.ofSeconds(30);
  /** Hikari waits 5 s for a connection; an answer takes no longer than that and some slack for a busy machine. */
  private static final Duration ANSWER_BOUND = Duration.ofSeconds(12);
  private static final String ISSUER = "http://outage.example.test";

  /** One answer the load got: when its request was sent, what came back, how long it took. */
  record Answer(String kind, long sentAt, int status, long millis, String retryAfter, String body) {}

  private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final Set<String> createdIds = ConcurrentHashMap.newKeySet();
  private final Set<String> ackedControlIds = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> ackCodes = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private NodeHttp http;
  private ServerNode node;

  @Test
  void anOutageIsAnswered503WithRetryAfterReadinessGoesDownAndNothingAcknowledgedIsLost() throws Exception {
    var dir = Path.of("target/test-data/outage");
    var url = Postgres.freshDatabase("infusion_outage_test");
    var database = URI.create(url.substring("jdbc:".length()));
    var keyFile = dir.resolve("issuer-key.json");
    Files.createDirectories(dir);
    Files.deleteIfExists(keyFile);
    Files.deleteIfExists(dir.resolve("server.log"));
    var token = NodeHttp.systemToken(ISSUER, keyFile);
    try (var proxy = new TcpProxy(database.getHost(), database.getPort())) {
      var properties = new ArrayList<>(List.of(
          "spring.datasource.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + database.getPath(),
          "spring.datasource.username=" + Postgres.USER, "spring.datasource.password=" + Postgres.PASSWORD,
          "infusion.database.schema-action=migrate"));
      properties.addAll(NodeHttp.issuerProperties(ISSUER, keyFile));
      node = ServerNode.launch("outage test", dir, properties);
      http = new NodeHttp(node, token);
      node.awaitReady(Duration.ofMinutes(4));
      try {
        var load = Executors.newFixedThreadPool(4);
        load.submit(this::writePatients);
        load.submit(this::readAndSearch);
        load.submit(this::feedMonitor);
        awaitWrites(20);

        long cutAt = System.nanoTime();
        proxy.cut();
        var readinessDuringOutage = new TreeMap<Integer, Integer>();
        while (System.nanoTime() - cutAt < OUTAGE.toNanos()) {
          readinessDuringOutage.merge(node.readiness(), 1, Integer::sum);
        }
        long restoredAt = System.nanoTime();
        proxy.restore();
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
            .until(() -> node.readiness() == 200);
        int writesBefore = writesAfter(restoredAt);
        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> writesAfter(restoredAt) >= writesBefore + 20
            && ackedControlIds.size() > 0 && acksAfter(restoredAt) >= 5);
        running.set(false);
        load.shutdown();
        assertThat(load.awaitTermination(1, TimeUnit.MINUTES)).isTrue();

        report(cutAt, restoredAt, readinessDuringOutage, proxy.refused());
        assertThat(readinessDuringOutage).as("readiness during the outage").containsKey(503);
        for (var answer : answers) {
          assertThat(answer.status()).as("%s answered %s: %s", answer.kind(), answer.status(), answer.body())
              .isNotEqualTo(500).isIn(200, 201, 503, -2);
          assertThat(answer.millis()).as("%s took %d ms", answer.kind(), answer.millis())
              .isLessThan(ANSWER_BOUND.toMillis());
          if (answer.status() == 503) {
            assertThat(answer.retryAfter()).as("Retry-After of a 503").isEqualTo("5");
            assertThat(answer.body()).contains("\"resourceType\":\"OperationOutcome\"").contains("transient");
          }
        }
        // Sent well inside the outage (not in flight when it began, nor when it ended): every one was refused.
        long settled = cutAt + Duration.ofSeconds(1).toNanos();
        long ending = restoredAt - ANSWER_BOUND.toNanos();
        var duringOutage = answers.stream()
            .filter(a -> !a.kind().equals("mllp") && a.sentAt() > settled && a.sentAt() < ending).toList();
        assertThat(duringOutage).isNotEmpty().allSatisfy(a -> assertThat(a.status()).isEqualTo(503));
        assertThat(ackCodes).as("ACK codes").containsKey("AE").doesNotContainKey("AR");

        // Nothing acknowledged is lost: every 201 readable, every AA stored once.
        for (var id : createdIds) {
          assertThat(send("GET", "/Patient/" + id, null).statusCode()).as("Patient/" + id).isEqualTo(200);
        }
        assertAcknowledgedMessagesStoredOnce(url);
        // The replica's lease went with its connection; it holds it again, so other replicas see it alive.
        var lease = ClusterLock.keyOf(ReplicaLease.lockName(replicaName(dir.resolve("server.log"))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> advisoryLockHeld(url, lease));
      } finally {
        running.set(false);
        node.close();
      }
    }
  }

  private void writePatients() {
    while (running.get()) {
      var mrn = UUID.randomUUID().toString();
      var body = """
          {"resourceType":"Patient","identifier":[{"system":"http://example.test/outage","value":"%s"}],
           "name":[{"family":"Outage","given":["Test"]}]}""".formatted(mrn);
      var response = timed("write", "POST", "/Patient", body);
      if (response != null && response.statusCode() == 201) {
        var location = response.headers().firstValue("Location").orElseThrow();
        createdIds.add(location.replaceAll(".*/Patient/([^/]+)/_history/.*", "$1"));
      }
    }
  }

  private void readAndSearch() {
    while (running.get()) {
      timed("search", "GET", "/Patient?identifier=http%3A%2F%2Fexample.test%2Foutage%7Cx&_count=5", null);
      createdIds.stream().findAny().ifPresent(id -> timed("read", "GET", "/Patient/" + id, null));
    }
  }

  /** An HL7 v2 feed on one connection, each message resent until AA, as a monitor does. */
  private void feedMonitor() {
    var run = UUID.randomUUID().toString().substring(0, 8);
    var start = OffsetDateTime.now(ZoneOffset.UTC).minusHours(1);
    int sent = 0;
    MllpClient client = null;
    while (running.get()) {
      var message = Hl7v2Messages.monitorMessage(run + "-" + sent, "OUTAGE-" + run,
          start.plusSeconds(sent), Hl7v2Messages.heartRate(60 + sent % 40));
      long began = System.nanoTime();
      try {
        if (client == null) {
          client = new MllpClient(node.mllpPort());
        }
        var code = client.send(message).code();
        ackCodes.merge(code, 1, Integer::sum);
        answers.add(new Answer("mllp", began, "AA".equals(code) ? 200 : -2, millis(began), null, code));
        if ("AA".equals(code)) {
          ackedControlIds.add(run + "-" + sent);
          sent++;
        }
      } catch (RuntimeException brokenConnection) {
        client = null;
      }
    }
    if (client != null) {
      client.close();
    }
  }

  private HttpResponse<String> timed(String kind, String method, String path, String body) {
    long began = System.nanoTime();
    try {
      var response = send(method, path, body);
      answers.add(new Answer(kind, began, response.statusCode(), millis(began),
          response.headers().firstValue("Retry-After").orElse(null), response.body()));
      return response;
    } catch (Exception e) {
      answers.add(new Answer(kind, began, -1, millis(began), null, e.toString()));
      return null;
    }
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.fhir(method, path, body);
  }

  private void awaitWrites(int count) {
    Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> createdIds.size() >= count);
  }

  private int writesAfter(long nanos) {
    return (int) answers.stream().filter(a -> a.kind().equals("write") && a.status() == 201 && a.sentAt() > nanos)
        .count();
  }

  private int acksAfter(long nanos) {
    return (int) answers.stream().filter(a -> a.kind().equals("mllp") && a.status() == 200 && a.sentAt() > nanos)
        .count();
  }

  private static long millis(long began) {
    return (System.nanoTime() - began) / 1_000_000;
  }

  private void assertAcknowledgedMessagesStoredOnce(String url) throws Exception {
    try (var db = DriverManager.getConnection(url, Postgres.USER, Postgres.PASSWORD)) {
      var keys = new ArrayList<String>();
      try (var rows = db.createStatement().executeQuery("select control_id from infusion_received_message")) {
        while (rows.next()) {
          keys.add(rows.getString(1));
        }
      }
      assertThat(keys).as("stored HL7 v2 messages").containsExactlyInAnyOrderElementsOf(ackedControlIds);
      try (var rows = db.createStatement().executeQuery(
          "select count(*) from HFJ_RESOURCE where RES_TYPE = 'Observation' and RES_DELETED_AT is null")) {
        rows.next();
        assertThat(rows.getInt(1)).as("Observations").isEqualTo(ackedControlIds.size());
      }
    }
  }

  private static String replicaName(Path log) throws Exception {
    var named = java.util.regex.Pattern.compile("This replica is (\\S+)").matcher(Files.readString(log));
    assertThat(named.find()).as("the replica's name in its log").isTrue();
    return named.group(1);
  }

  /** Whether a session holds the advisory lock {@code key} (pg_locks splits it into classid and objid). */
  private static boolean advisoryLockHeld(String url, long key) throws Exception {
    try (var db = DriverManager.getConnection(url, Postgres.USER, Postgres.PASSWORD);
        var query = db.prepareStatement("select count(*) from pg_locks where locktype = 'advisory' and granted"
            + " and classid::bigint = ? and objid::bigint = ? and objsubid = 1")) {
      query.setLong(1, key >>> 32);
      query.setLong(2, key & 0xffffffffL);
      try (var rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1) == 1;
      }
    }
  }

  private void report(long cutAt, long restoredAt, Map<Integer, Integer> readiness, int refused) {
    var phases = new TreeMap<String, Map<String, Integer>>();
    for (var answer : answers) {
      var phase = answer.sentAt() < cutAt ? "1 before" : answer.sentAt() < restoredAt ? "2 during" : "3 after";
      var status = answer.kind().equals("mllp") ? answer.body() : Integer.toString(answer.status());
      phases.computeIfAbsent(phase, p -> new TreeMap<>()).merge(answer.kind() + " " + status, 1, Integer::sum);
    }
    var slowest = new TreeMap<String, Long>();
    answers.forEach(a -> slowest.merge(a.kind(), a.millis(), Math::max));
    System.out.printf("[outage] %s; readiness during the outage %s; connections refused by the proxy %d; "
        + "slowest answers (ms) %s; %d Patients created, %d messages AA%n", phases, readiness, refused, slowest,
        createdIds.size(), ackedControlIds.size());
  }
}
