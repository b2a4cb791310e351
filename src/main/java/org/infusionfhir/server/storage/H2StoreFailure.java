package org.infusionfhir.server.storage;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;

/**
 * Tells the connection pool to drop a connection whose H2 database has closed itself. H2 closes the database when
 * it cannot write its file (a full disk) and every connection to it then fails for good; a new connection opens
 * the file again, so reads go on while writes that need more room fail (answered 507, {@link DatabaseOutage}).
 * Set as {@code spring.datasource.hikari.exception-override-class-name}; on PostgreSQL no error matches.
 */
public class H2StoreFailure implements SQLExceptionOverride {

  /**
   * The pool to empty when H2 has closed its database: H2 opens the file again only once every session of the closed
   * one is gone, and idle pooled connections would keep it (and every new connection would fail too).
   */
  private static final java.util.concurrent.atomic.AtomicReference<com.zaxxer.hikari.HikariPoolMXBean> POOL =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** Called once the pool exists ({@link DatabaseConfig}). */
  public static void watch(javax.sql.DataSource dataSource) {
    if (dataSource instanceof com.zaxxer.hikari.HikariDataSource hikari) {
      POOL.set(hikari.getHikariPoolMXBean());
    }
  }

  /** H2's DATABASE_IS_CLOSED and DATABASE_CALLED_AT_SHUTDOWN. */
  private static final java.util.Set<Integer> CLOSED = java.util.Set.of(90098, 90121);
  /** H2's IO_EXCEPTION_1 and IO_EXCEPTION_2. */
  private static final java.util.Set<Integer> UNWRITABLE = java.util.Set.of(90028, 90031);

  /** Whether H2 says its database has closed (after it failed to write its file, say). */
  static boolean databaseClosed(SQLException e) {
    return isH2(e) && CLOSED.contains(e.getErrorCode());
  }

  @java.lang.Override
  public Override adjudicate(SQLException e) {
    if (databaseClosed(e) || isH2(e) && (UNWRITABLE.contains(e.getErrorCode()) || DatabaseOutage.isStoreWriteFailure(e))) {
      var pool = POOL.get();
      if (pool != null) {
        pool.softEvictConnections();
      }
      return Override.MUST_EVICT;
    }
    return Override.CONTINUE_EVICT;
  }

  private static boolean isH2(SQLException e) {
    return e.getClass().getName().startsWith("org.h2.");
  }
}
