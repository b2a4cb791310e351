package org.infusionfhir.exchange;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The rest-hook outbox and the delivery status, in two tables every replica shares
 * ({@code db/subscription-delivery.sql}). A delivery is a row from the moment its write matched a Subscription
 * until its endpoint took it; the replica that claimed it last is the only one to send it until the claim runs
 * out. Plain SQL, the same on H2 and PostgreSQL: each claim is one conditional update, which the database
 * serialises, so two replicas never both hold a row.
 */
public class SubscriptionDeliveryStore {

  /** A delivery waiting in the outbox: its message is HAPI's {@code ResourceDeliveryMessage} as JSON. */
  public record Pending(String id, String subscriptionId, String message, long createdAt, int attempts) {}

  /** What all replicas have seen of one Subscription's deliveries. */
  public record Status(long attempts, long delivered, long failedAttempts, long consecutiveFailures, long abandoned,
      boolean blocked, Instant lastAttempt, Instant lastSuccess, Instant lastFailure, String lastError,
      long pending) {}

  private static final int ERROR_LENGTH = 1000;

  private final JdbcTemplate jdbc;

  public SubscriptionDeliveryStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Records a delivery about to be sent by {@code node}, claimed by it until {@code claimUntil}; returns its id. */
  public String add(String subscriptionId, String payloadId, String message, String node, Instant now,
      Instant claimUntil) {
    var id = UUID.randomUUID().toString();
    jdbc.update("""
        insert into infusion_subscription_delivery
          (id, subscription_id, payload_id, message, created_at, due_at, attempts, claimed_by, claimed_until)
        values (?, ?, ?, ?, ?, ?, 0, ?, ?)""",
        id, subscriptionId, payloadId, message, now.toEpochMilli(), now.toEpochMilli(), node,
        claimUntil.toEpochMilli());
    return id;
  }

  /**
   * Confirms that {@code node} still holds the delivery and extends its claim, just before it is sent; false when
   * it was delivered meanwhile or another replica took it over (its claim had run out), and must not be sent.
   */
  public boolean renewClaim(String id, String node, Instant claimUntil) {
    return jdbc.update("""
        update infusion_subscription_delivery set claimed_until = ?, attempts = attempts + 1
        where id = ? and claimed_by = ?""", claimUntil.toEpochMilli(), id, node) == 1;
  }

  /** How many times a delivery was tried and when it was matched (epoch ms), while it is in the outbox. */
  public Optional<Pending> attemptsAndAge(String id) {
    return jdbc.query("select id, subscription_id, '', created_at, attempts from infusion_subscription_delivery"
        + " where id = ?", (rs, row) -> new Pending(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
        rs.getInt(5)), id).stream().findFirst();
  }

  /** Deliveries due now whose claim (if any) has run out, oldest first. */
  public List<Pending> due(Instant now, int limit) {
    return jdbc.query("""
        select id, subscription_id, message, created_at, attempts from infusion_subscription_delivery
        where due_at <= ? and (claimed_until is null or claimed_until < ?) order by created_at
        fetch first %d rows only""".formatted(limit),
        (rs, row) -> new Pending(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getInt(5)),
        now.toEpochMilli(), now.toEpochMilli());
  }

  /** Takes a due delivery for {@code node}; false when another replica took it first. */
  public boolean claim(String id, String node, Instant now, Instant claimUntil) {
    return jdbc.update("""
        update infusion_subscription_delivery set claimed_by = ?, claimed_until = ?
        where id = ? and (claimed_until is null or claimed_until < ?)""",
        node, claimUntil.toEpochMilli(), id, now.toEpochMilli()) == 1;
  }

  /** The attempt failed: released, due again at {@code dueAt} on whichever replica claims it then. */
  public void retryAt(String id, Instant dueAt, String error) {
    jdbc.update("""
        update infusion_subscription_delivery set due_at = ?, claimed_by = null, claimed_until = null, last_error = ?
        where id = ?""", dueAt.toEpochMilli(), truncate(error), id);
  }

  /** Out of the outbox: delivered, given up, or its Subscription is gone. */
  public void remove(String id) {
    jdbc.update("delete from infusion_subscription_delivery where id = ?", id);
  }

  // --- status ---

  public void countAttempt(String subscriptionId, Instant now, String blockedBecause) {
    status(subscriptionId, """
        update infusion_subscription_delivery_status set attempts = attempts + 1, last_attempt = ?, blocked = ?,
          last_error = coalesce(?, last_error) where subscription_id = ?""",
        now.toEpochMilli(), blockedBecause != null, truncate(blockedBecause), subscriptionId);
  }

  /** Counts a success; returns how many attempts had failed in a row before it. */
  public long countDelivered(String subscriptionId, Instant now) {
    long before = consecutiveFailures(subscriptionId);
    status(subscriptionId, """
        update infusion_subscription_delivery_status set delivered = delivered + 1, consecutive_failures = 0,
          last_success = ? where subscription_id = ?""", now.toEpochMilli(), subscriptionId);
    return before;
  }

  /** Counts a failure; returns how many attempts have now failed in a row. */
  public long countFailed(String subscriptionId, Instant now, String error) {
    status(subscriptionId, """
        update infusion_subscription_delivery_status set failed_attempts = failed_attempts + 1,
          consecutive_failures = consecutive_failures + 1, last_failure = ?, last_error = ? where subscription_id = ?""",
        now.toEpochMilli(), truncate(error), subscriptionId);
    return consecutiveFailures(subscriptionId);
  }

  /** For the log line of a success or failure: one column, not the whole status with its outbox count. */
  private long consecutiveFailures(String subscriptionId) {
    return jdbc.queryForList("select consecutive_failures from infusion_subscription_delivery_status"
        + " where subscription_id = ?", Long.class, subscriptionId).stream().findFirst().orElse(0L);
  }

  public void countAbandoned(String subscriptionId) {
    status(subscriptionId, """
        update infusion_subscription_delivery_status set abandoned = abandoned + 1 where subscription_id = ?""",
        subscriptionId);
  }

  public Optional<Status> current(String subscriptionId) {
    long pending = jdbc.queryForObject(
        "select count(*) from infusion_subscription_delivery where subscription_id = ?", Long.class, subscriptionId);
    return jdbc.query("""
        select attempts, delivered, failed_attempts, consecutive_failures, abandoned, blocked, last_attempt,
          last_success, last_failure, last_error from infusion_subscription_delivery_status where subscription_id = ?""",
        (rs, row) -> new Status(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
            rs.getBoolean(6), instant(rs.getObject(7)), instant(rs.getObject(8)), instant(rs.getObject(9)),
            rs.getString(10), pending), subscriptionId).stream().findFirst();
  }

  /** Forgets a deleted Subscription: its status and whatever it still had waiting. */
  public void forget(String subscriptionId) {
    jdbc.update("delete from infusion_subscription_delivery where subscription_id = ?", subscriptionId);
    jdbc.update("delete from infusion_subscription_delivery_status where subscription_id = ?", subscriptionId);
  }

  /** Runs an update of a Subscription's status row, creating the row first when it is its first delivery. */
  private void status(String subscriptionId, String update, Object... args) {
    if (jdbc.update(update, args) == 1) {
      return;
    }
    try {
      jdbc.update("""
          insert into infusion_subscription_delivery_status (subscription_id, attempts, delivered, failed_attempts,
            consecutive_failures, abandoned, blocked) values (?, 0, 0, 0, 0, 0, false)""", subscriptionId);
    } catch (DuplicateKeyException raced) {
      // Another replica created it at the same moment: it is there either way.
    }
    jdbc.update(update, args);
  }

  private static Instant instant(Object millis) {
    return millis == null ? null : Instant.ofEpochMilli(((Number) millis).longValue());
  }

  private static String truncate(String text) {
    return text == null || text.length() <= ERROR_LENGTH ? text : text.substring(0, ERROR_LENGTH);
  }
}
