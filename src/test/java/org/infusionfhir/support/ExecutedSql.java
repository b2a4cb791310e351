package org.infusionfhir.support;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The SQL statements an H2 database executed, as the driver received them (after Hibernate's statement
 * inspectors), from H2's own query statistics. {@link #start} empties the statistics, so what
 * {@link #statements} returns was executed since then (by the server and anything else running in it).
 */
public final class ExecutedSql {

  private final DataSource dataSource;

  public ExecutedSql(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Starts recording anew: turning H2's statistics off drops what they held. */
  public void start() {
    execute("SET QUERY_STATISTICS FALSE", "SET QUERY_STATISTICS_MAX_ENTRIES 10000", "SET QUERY_STATISTICS TRUE");
  }

  public void stop() {
    execute("SET QUERY_STATISTICS FALSE");
  }

  /** The distinct statements executed since {@link #start}. */
  public List<String> statements() {
    try (var connection = dataSource.getConnection(); var statement = connection.createStatement();
        var rows = statement.executeQuery("SELECT SQL_STATEMENT FROM INFORMATION_SCHEMA.QUERY_STATISTICS")) {
      var sql = new ArrayList<String>();
      while (rows.next()) {
        sql.add(rows.getString(1));
      }
      return sql;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read H2's query statistics", e);
    }
  }

  private void execute(String... commands) {
    try (var connection = dataSource.getConnection(); var statement = connection.createStatement()) {
      for (var command : commands) {
        statement.execute(command);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot set H2's query statistics", e);
    }
  }
}
