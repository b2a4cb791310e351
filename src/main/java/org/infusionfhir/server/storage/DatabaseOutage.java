package org.infusionfhir.server.storage;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Whether a failure is the database being out of reach (down, restarting, cut off), which passes, rather than a
 * fault of the request or of the server. Such a request is answered 503 with {@code Retry-After}: the client sends
 * it again later, and nothing was stored.
 */
public final class DatabaseOutage {

  /** Seconds a client waits before sending again: about what PostgreSQL takes to restart or fail over. */
  public static final int RETRY_AFTER_SECONDS = 5;

  public static final String MESSAGE = "The database is out of reach for the moment; nothing of this request was "
      + "stored. Send it again after " + RETRY_AFTER_SECONDS + " seconds.";

  private DatabaseOutage() {}

  /** Whether {@code failure}, or anything it was caused by, says the database cannot be reached. */
  public static boolean causedIt(Throwable failure) {
    return causes(failure).stream().anyMatch(DatabaseOutage::isOutage);
  }

  /** {@code failure} and its causes, each once (a cause chain may loop). */
  private static java.util.List<Throwable> causes(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    var chain = new java.util.ArrayList<Throwable>();
    for (var cause = failure; cause != null && seen.add(cause); cause = cause.getCause()) {
      chain.add(cause);
    }
    return chain;
  }

  private static boolean isOutage(Throwable cause) {
    if (cause instanceof SQLTransientConnectionException // the pool waited in vain for a connection
        || cause instanceof CannotCreateTransactionException
        || cause instanceof DataAccessResourceFailureException
        || cause instanceof org.hibernate.exception.JDBCConnectionException
        || cause instanceof ConnectException) {
      return true;
    }
    if (!(cause instanceof SQLException sql)) {
      return false;
    }
    // H2 closed its database after failing to write its file; the pool opens it again with a new connection.
    if (H2StoreFailure.databaseClosed(sql)) {
      return true;
    }
    // The pool's word for a connection it dropped as broken under a transaction (no SQLSTATE): the rollback of
    // a request whose connection died hides the driver's own failure behind it.
    if (sql.getSQLState() == null) {
      return "Connection is closed".equals(sql.getMessage());
    }
    // SQLSTATE class 08: connection exception; 57P01-57P03: PostgreSQL shutting down, crashed, not yet accepting.
    return sql.getSQLState().startsWith("08") || sql.getSQLState().matches("57P0[123]");
  }

  /**
   * Whether {@code failure} is the database's file failing to grow: the disk (or the process's file size limit) is
   * full. H2 says "Writing to ... failed" from its store; the cause says "No space left on device" or "File too large".
   */
  public static boolean isStoreWriteFailure(Throwable failure) {
    return causes(failure).stream().anyMatch(cause -> {
      var message = cause.getMessage();
      return message != null && (message.contains("No space left on device") || message.contains("File too large")
          || cause.getClass().getName().equals("org.h2.mvstore.MVStoreException") && message.startsWith("Writing to")
          || message.contains("MVStoreException: Writing to"));
    });
  }

  /** The answer to a write the database could not store for want of room: 507, and what happened. */
  public static BaseServerResponseException diskFull(Throwable failure) {
    return new DiskFull(failure);
  }

  /** 507: the database's disk is full; nothing of this request was stored, and reads go on. */
  public static final class DiskFull extends BaseServerResponseException {
    public static final int STATUS_CODE = 507;

    DiskFull(Throwable cause) {
      super(STATUS_CODE, "The database's disk is full, so nothing of this request was stored; stored data can "
          + "still be read. An operator must free space or add it.", cause);
    }
  }

  /** The answer to a request the database's absence stopped: 503, {@code Retry-After}, and what happened. */
  public static BaseServerResponseException answer(Throwable failure) {
    var answer = new Unavailable(failure);
    answer.addResponseHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
    return answer;
  }

  /** 503: the database is out of reach for now; nothing of the request was stored. */
  public static final class Unavailable extends BaseServerResponseException {
    public static final int STATUS_CODE = 503;

    Unavailable(Throwable cause) {
      super(STATUS_CODE, MESSAGE, cause);
    }
  }

  /** The first failure of the chain, which names what the driver saw ("Connection refused"). */
  public static String rootOf(Throwable failure) {
    var chain = causes(failure);
    return chain.get(chain.size() - 1).toString();
  }

}
