package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.infusionfhir.support.Postgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The used-jti store as two replicas see it: two stores (two nodes) on one database. A JWT presented to one
 * node is refused by the other, and the same JWT presented to both at the same instant is accepted once.
 */
class UsedJwtIdsTest {

  @Test
  void onH2AJtiIsAcceptedOnceAcrossNodes() throws Exception {
    var db = new DriverManagerDataSource("jdbc:h2:mem:jti-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    acceptedOnceAcrossNodes(db);
  }

  @Test
  @ExtendWith(Postgres.class)
  void onPostgresqlAJtiIsAcceptedOnceAcrossNodes() throws Exception {
    acceptedOnceAcrossNodes(new DriverManagerDataSource(Postgres.URL, Postgres.USER, Postgres.PASSWORD));
  }

  private static void acceptedOnceAcrossNodes(DataSource db) throws Exception {
    org.infusionfhir.server.storage.SchemaMigrations.migrate(db, false);
    var nodeA = new UsedJwtIds(db);
    var nodeB = new UsedJwtIds(db);
    var client = "client-" + UUID.randomUUID();
    var expiry = Instant.now().plusSeconds(240);

    var jti = UUID.randomUUID().toString();
    assertThat(nodeA.firstUse(client, jti, expiry)).isTrue();
    assertThat(nodeB.firstUse(client, jti, expiry)).as("replayed to another node").isFalse();
    assertThat(nodeA.firstUse(client, jti, expiry)).as("replayed to the same node").isFalse();
    assertThat(nodeB.firstUse("other-" + client, jti, expiry)).as("another client's jti is its own").isTrue();

    // The same JWT on both nodes at once, many times over: each is accepted exactly once.
    var pool = Executors.newFixedThreadPool(2);
    try {
      for (var round = 0; round < 50; round++) {
        var raced = UUID.randomUUID().toString();
        var start = new CountDownLatch(1);
        var attempts = new ArrayList<java.util.concurrent.Future<Boolean>>();
        for (var node : new UsedJwtIds[] {nodeA, nodeB}) {
          Callable<Boolean> attempt = () -> {
            start.await();
            return node.firstUse(client, raced, expiry);
          };
          attempts.add(pool.submit(attempt));
        }
        start.countDown();
        var accepted = 0;
        for (var attempt : attempts) {
          accepted += attempt.get() ? 1 : 0;
        }
        assertThat(accepted).as("round %d", round).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
