package org.infusionbench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Timestamp;

/**
 * The limit ingest is measured against: the same vital-sign rows inserted with plain JDBC batches into the
 * same kind of database, with the least a vitals store needs: the resource JSON, its key, and one index for
 * "a patient's vitals of a code in a time window". Batches of 100 rows, one commit each, from the same
 * number of client threads as the FHIR transactions.
 */
final class JdbcBaseline {

  private JdbcBaseline() {}

  static BenchHttp.Measured run(String url, String user, String password, int threads, int batches)
      throws Exception {
    try (var connection = DriverManager.getConnection(url, user, password)) {
      var statement = connection.createStatement();
      statement.execute("drop table if exists bench_vitals");
      statement.execute("create table bench_vitals (id varchar(64) primary key, patient varchar(64) not null, "
          + "code varchar(16) not null, effective timestamp not null, val double precision not null, "
          + "resource_json " + (url.startsWith("jdbc:h2") ? "clob" : "text") + " not null)");
      statement.execute("create index bench_vitals_patient_code_time on bench_vitals (patient, code, effective)");
    }
    // Rows far above the FHIR workloads' so no id repeats; the same shape and size of row.
    long first = 50_000_000L;
    // One connection per client thread, as a pool would give.
    var opened = new java.util.concurrent.ConcurrentLinkedQueue<Connection>();
    var connections = ThreadLocal.withInitial(() -> {
      try {
        var connection = DriverManager.getConnection(url, user, password);
        opened.add(connection);
        return connection;
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    var measured = BenchHttp.concurrently(threads, batches,
        i -> insertBatch(connections.get(), first + (long) i * BenchVitals.PER_SESSION));
    for (var connection : opened) {
      connection.close();
    }
    try (var connection = DriverManager.getConnection(url, user, password)) {
      connection.createStatement().execute("drop table bench_vitals");
    }
    return new BenchHttp.Measured(batches * BenchVitals.PER_SESSION, measured.seconds(), measured.p50(),
        measured.p95());
  }

  private static void insertBatch(Connection connection, long from) throws Exception {
    connection.setAutoCommit(false);
    try (var insert = connection.prepareStatement("insert into bench_vitals values (?, ?, ?, ?, ?, ?)")) {
      for (long n = from; n < from + BenchVitals.PER_SESSION; n++) {
        var row = BenchVitals.row(n);
        insert.setString(1, row.id());
        insert.setString(2, row.patient());
        insert.setString(3, row.code());
        insert.setTimestamp(4, Timestamp.from(row.effective()));
        insert.setDouble(5, row.value());
        insert.setString(6, row.json());
        insert.addBatch();
      }
      insert.executeBatch();
    }
    connection.commit();
  }
}
