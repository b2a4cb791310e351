package org.infusionfhir.server.storage;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One piece of work at a time across the replicas sharing a PostgreSQL database: a session-level advisory lock,
 * named by what it guards, on a connection held until {@link #close}. A replica killed while holding it releases
 * it with its connection. On H2, which one process owns, it is nothing.
 *
 * <p>Used for the start-up work every replica does and two must not do at once: migrating the schema,
 * installing the implementation guide, storing the switched-off search parameters.
 */
public final class ClusterLock implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClusterLock.class);

  private final Connection connection;
  private final long key;

  private ClusterLock(Connection connection, long key) {
    this.connection = connection;
    this.key = key;
  }

  /**
   * Waits for and takes the lock named {@code work} ("migrating the schema"); the log says when another process
   * holds it.
   */
  public static ClusterLock take(DataSource dataSource, String work) {
    return acquire(dataSource, work, true);
  }

  /**
   * Takes the lock named {@code work} if no other process holds it, else returns null at once: for work that
   * one replica doing is enough.
   */
  public static ClusterLock tryTake(DataSource dataSource, String work) {
    return acquire(dataSource, work, false);
  }

  private static ClusterLock acquire(DataSource dataSource, String work, boolean wait) {
    var key = keyOf(work);
    if (SchemaMigrations.driverOf(dataSource) != DriverTypeEnum.POSTGRES_9_4) {
      return new ClusterLock(null, key);
    }
    Connection connection = null;
    try {
      connection = dataSource.getConnection();
      connection.setAutoCommit(true);
      if (!tryLock(connection, key)) {
        if (!wait) {
          connection.close();
          return null;
        }
        log.info("Another process is {}; waiting for it to finish", work);
        try (var lock = connection.prepareStatement("SELECT pg_advisory_lock(?)")) {
          lock.setLong(1, key);
          lock.execute();
        }
      }
      return new ClusterLock(connection, key);
    } catch (SQLException e) {
      closeQuietly(connection);
      throw new IllegalStateException("cannot take the lock for " + work + ": " + e.getMessage(), e);
    }
  }

  /** The advisory lock's 64-bit key: a fixed prefix ("inf") and a checksum of the name. */
  public static long keyOf(String work) {
    var crc = new CRC32();
    crc.update(work.getBytes(StandardCharsets.UTF_8));
    return (0x696e66L << 40) | crc.getValue();
  }

  private static boolean tryLock(Connection connection, long key) throws SQLException {
    try (var statement = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      statement.setLong(1, key);
      try (var result = statement.executeQuery()) {
        return result.next() && result.getBoolean(1);
      }
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // nothing left to release
      }
    }
  }

  /** Whether the lock is still this process's: its connection is alive (a lost connection took the lock with it). */
  public boolean stillHeld() {
    try {
      return connection == null || connection.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (connection == null) {
      return;
    }
    try (var unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      unlock.setLong(1, key);
      unlock.execute();
    } catch (SQLException e) {
      // Closing the connection releases a session-level lock anyway.
      log.warn("Releasing an advisory lock: {}", e.getMessage());
    } finally {
      closeQuietly(connection);
    }
  }
}
