package org.infusionfhir.safety;

import java.time.Instant;
import javax.sql.DataSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The episode key: one row per (patient, rule) in {@code safety_episode}, in the FHIR database so that every
 * replica sees it. {@link #lock} takes the row with {@code SELECT ... FOR UPDATE} inside the caller's
 * transaction (the one that writes the alert), so the decision "open a new alert or join the open one" and the
 * write are one atomic step per episode, on H2 and PostgreSQL alike.
 */
public class AlertEpisodes {

  /** The row as locked: the alert of the episode, whether the episode is still going, its last crossing. */
  public record Episode(String subject, String rule, String alert, boolean inEpisode, Instant lastCrossing) {}

  private final DataSource dataSource;
  private final JdbcTemplate jdbc;

  public AlertEpisodes(DataSource dataSource) {
    this.dataSource = dataSource;
    this.jdbc = new JdbcTemplate(dataSource);
  }

  /**
   * Creates the row if it is missing, in a statement of its own, outside any transaction, so that a
   * duplicate-key failure on a race with another replica aborts nothing (on PostgreSQL a failed statement
   * aborts the whole transaction).
   */
  public void ensure(String subject, String rule) {
    if (TransactionSynchronizationManager.isActualTransactionActive()) {
      throw new IllegalStateException("ensure the episode row before the transaction that locks it");
    }
    if (jdbc.queryForObject("SELECT count(*) FROM safety_episode WHERE subject = ? AND rule_code = ?", Integer.class,
        subject, rule) > 0) {
      return;
    }
    try {
      jdbc.update("INSERT INTO safety_episode (subject, rule_code, in_episode) VALUES (?, ?, FALSE)", subject, rule);
    } catch (DuplicateKeyException anotherReplicaWasFirst) {
      // The row exists now, which is all this step needs.
    }
  }

  /** Locks the row until the surrounding transaction ends. {@link #ensure} must have made it. */
  public Episode lock(String subject, String rule) {
    if (!TransactionSynchronizationManager.hasResource(dataSource)) {
      // A lock taken on a connection of its own would be released at once and guard nothing.
      throw new IllegalStateException("the episode lock needs the transaction that writes the alert");
    }
    return jdbc.queryForObject(
        "SELECT alert, in_episode, last_crossing FROM safety_episode WHERE subject = ? AND rule_code = ? FOR UPDATE",
        (rs, n) -> episode(subject, rule, rs), subject, rule);
  }

  /** The rules with an episode going for {@code subject}: one query for all of a reading's values. */
  public java.util.Set<String> going(String subject) {
    return new java.util.HashSet<>(jdbc.queryForList(
        "SELECT rule_code FROM safety_episode WHERE subject = ? AND in_episode = TRUE", String.class, subject));
  }

  private static Episode episode(String subject, String rule, java.sql.ResultSet rs) throws java.sql.SQLException {
    var alert = rs.getString(1);
    var inEpisode = rs.getBoolean(2);
    long last = rs.getLong(3);
    return new Episode(subject, rule, alert, inEpisode, rs.wasNull() ? null : Instant.ofEpochMilli(last));
  }

  public void open(String subject, String rule, String alert, Instant crossing) {
    jdbc.update("UPDATE safety_episode SET alert = ?, in_episode = TRUE, last_crossing = ? WHERE subject = ? AND rule_code = ?",
        alert, crossing.toEpochMilli(), subject, rule);
  }

  public void crossedAgain(String subject, String rule, Instant crossing) {
    jdbc.update("UPDATE safety_episode SET last_crossing = ? WHERE subject = ? AND rule_code = ? "
        + "AND (last_crossing IS NULL OR last_crossing < ?)", crossing.toEpochMilli(), subject, rule, crossing.toEpochMilli());
  }

  public void end(String subject, String rule) {
    jdbc.update("UPDATE safety_episode SET in_episode = FALSE WHERE subject = ? AND rule_code = ?", subject, rule);
  }
}
