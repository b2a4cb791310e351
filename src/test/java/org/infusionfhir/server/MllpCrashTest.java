package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.infusionfhir.support.Postgres;
import org.infusionfhir.support.ServerNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with kill -9 in the middle of an HL7 v2 feed, as a monitor sends one: several connections,
 * each message resent until it has its AA. Every message that got AA before the kill, and every message after
 * the restart, is stored exactly once: one key in the resend table and one Observation each, nothing half-stored.
 */
class MllpCrashTest {

  private static final int MESSAGES = 400;
  private static final int CONNECTIONS = 4;

  /** The default set-up: H2 in a file in the data folder. */
  @Test
  void everyMessageAckedBeforeAKillOfTheServerOnH2IsStoredOnce(@TempDir Path dataDir) throws Exception {
    var stored = feedKillAndResend(dataDir, List.of());
    try (var db = DriverManager.getConnection("jdbc:h2:file:" + dataDir.resolve("infusion-fhir").toAbsolutePath(),
        "sa", "")) {
      assertStoredOnce(db, stored);
    }
  }

  @Test
  @ExtendWith(Postgres.class)
  void everyMessageAckedBeforeAKillOfTheServerOnPostgresqlIsStoredOnce(@TempDir Path dataDir) throws Exception {
    var url = Postgres.freshDatabase("infusion_crash_test");
    var stored = feedKillAndResend(dataDir, List.of("spring.datasource.url=" + url,
        "spring.datasource.username=" + Postgres.USER, "spring.datasource.password=" + Postgres.PASSWORD,
        "infusion.database.schema-action=migrate"));
    try (var db = DriverManager.getConnection(url, Postgres.USER, Postgres.PASSWORD)) {
      assertStoredOnce(db, stored);
    }
  }

  /** The control ids of the messages sent, all of them AA'd in the end; the node is stopped when this returns. */
  private Set<String> feedKillAndResend(Path dataDir, List<String> properties) throws Exception {
    var run = UUID.randomUUID().toString().substring(0, 8);
    var start = OffsetDateTime.now(ZoneOffset.UTC).minusHours(1);
    var messages = new ArrayList<String>();
    for (int i = 0; i < MESSAGES; i++) {
      // Ten patients, new to the server: the first messages of each also create it.
      messages.add(Hl7v2Messages.monitorMessage(run + "-" + i, "CRASH-" + run + "-" + (i % 10),
          start.plusSeconds(i), Hl7v2Messages.heartRate(60 + i % 40)));
    }
    var acked = ConcurrentHashMap.<String>newKeySet();
    var node = ServerNode.launch("crash test", dataDir, properties).awaitReady(Duration.ofMinutes(4));
    try {
      var feed = Executors.newFixedThreadPool(CONNECTIONS);
      for (int c = 0; c < CONNECTIONS; c++) {
        int connection = c;
        feed.submit(() -> send(node.mllpPort(), messages, connection, acked));
      }
      // kill -9 a third of the way in, while all four connections are busy.
      Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(5))
          .until(() -> acked.size() >= MESSAGES / 3);
      node.kill();
      int ackedBeforeKill = acked.size();
      feed.shutdown();
      assertThat(feed.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
      assertThat(ackedBeforeKill).isLessThan(MESSAGES);

      node.restart().awaitReady(Duration.ofMinutes(4));
      // As a monitor does: whatever had no AA is sent again.
      for (int pass = 0; pass < 3 && acked.size() < MESSAGES; pass++) {
        var resend = Executors.newFixedThreadPool(CONNECTIONS);
        for (int c = 0; c < CONNECTIONS; c++) {
          int connection = c;
          resend.submit(() -> send(node.mllpPort(), messages, connection, acked));
        }
        resend.shutdown();
        assertThat(resend.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
      }
      assertThat(acked).hasSize(MESSAGES);
      System.out.printf("[crash] %d messages, %d AA before kill -9, all %d AA after the restart%n", MESSAGES,
          ackedBeforeKill, acked.size());
    } finally {
      node.close();
    }
    return acked;
  }

  /** Sends this connection's share of the messages not yet AA'd, in order; stops at the first broken connection. */
  private static void send(int port, List<String> messages, int connection, Set<String> acked) {
    try (var client = new MllpClient(port)) {
      for (int i = connection; i < messages.size(); i += CONNECTIONS) {
        var controlId = Hl7v2Messages.field(messages.get(i), "MSH", 10);
        if (acked.contains(controlId)) {
          continue;
        }
        if ("AA".equals(client.send(messages.get(i)).code())) {
          acked.add(controlId);
        }
      }
    } catch (RuntimeException e) {
      // The server died under this connection: the rest waits for the resend.
    }
  }

  private static void assertStoredOnce(java.sql.Connection db, Set<String> controlIds) throws Exception {
    var keys = new ArrayList<String>();
    try (var query = db.prepareStatement("select control_id from infusion_received_message");
        var rows = query.executeQuery()) {
      while (rows.next()) {
        keys.add(rows.getString(1));
      }
    }
    assertThat(keys).as("resend keys").containsExactlyInAnyOrderElementsOf(controlIds);
    try (var query = db.prepareStatement(
            "select count(*) from HFJ_RESOURCE where RES_TYPE = 'Observation' and RES_DELETED_AT is null");
        var rows = query.executeQuery()) {
      rows.next();
      assertThat(rows.getInt(1)).as("Observations stored").isEqualTo(controlIds.size());
    }
  }
}
