package org.infusionfhir.safety;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.infusionfhir.support.Postgres;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The episode key under two writers, as two replicas are: each on its own connection, both reach a new
 * crossing of the same patient and rule at the same moment. The row lock lets exactly one open the alert;
 * the other sees the episode open and joins it. On H2 and, when reachable, on PostgreSQL.
 */
class AlertEpisodesConcurrencyTest {

  private static final int WRITERS = 4;
  private static final int ROUNDS = 15;

  @Test
  void onH2OneWriterOpensTheEpisodeAndTheOthersJoinIt() throws Exception {
    var dataSource = new DriverManagerDataSource("jdbc:h2:mem:episodes-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
        "sa", "");
    assertOneOpenerPerEpisode(dataSource);
  }

  @Nested
  @ExtendWith(Postgres.class)
  class OnPostgres {
    @Test
    void oneWriterOpensTheEpisodeAndTheOthersJoinIt() throws Exception {
      assertOneOpenerPerEpisode(new DriverManagerDataSource(Postgres.URL, Postgres.USER, Postgres.PASSWORD));
    }
  }

  static void assertOneOpenerPerEpisode(DataSource dataSource) throws Exception {
    org.infusionfhir.server.storage.SchemaMigrations.migrate(dataSource, false);
    var episodes = new AlertEpisodes(dataSource);
    var transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    var pool = Executors.newFixedThreadPool(WRITERS);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        var patient = "Patient/concurrency-" + UUID.randomUUID();
        var barrier = new CyclicBarrier(WRITERS);
        List<String> opened = new CopyOnWriteArrayList<>();
        List<String> joined = new CopyOnWriteArrayList<>();
        var futures = new ArrayList<java.util.concurrent.Future<?>>();
        for (int w = 0; w < WRITERS; w++) {
          var writer = "DetectedIssue/writer-" + w;
          futures.add(pool.submit(() -> {
            barrier.await(10, TimeUnit.SECONDS);
            episodes.ensure(patient, "systolic-high");
            transactions.executeWithoutResult(status -> {
              var episode = episodes.lock(patient, "systolic-high");
              if (episode.inEpisode()) {
                joined.add(episode.alert());
              } else {
                episodes.open(patient, "systolic-high", writer, java.time.Instant.now());
                opened.add(writer);
              }
            });
            return null;
          }));
        }
        for (var future : futures) {
          future.get(30, TimeUnit.SECONDS);
        }
        assertThat(opened).as("round %d", round).hasSize(1);
        assertThat(joined).as("round %d", round).hasSize(WRITERS - 1).containsOnly(opened.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
