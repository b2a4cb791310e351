package org.infusionfhir.adapter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The messages the adapters have stored, under their dedupe key: the sender, its control id and a hash of
 * the message. The key is a primary key, inserted in the same database transaction as the message's
 * resources, so a message is stored once whichever replica receives it and however many copies arrive at
 * once: the second insert of a key fails and that copy is a resend. The same sender and control id with
 * other content is a different message (monitors reuse control ids after a restart).
 */
@Component
@Interceptor
public class ReceivedMessages {

  private static final String KEYS = ReceivedMessages.class.getName() + ".keys";

  /** One message's dedupe key. */
  public record Key(String sender, String controlId, String contentHash) {

    /** The key of {@code message} (its text with segments separated by carriage returns). */
    public static Key of(String sender, String controlId, String message) {
      return new Key(clip(sender), clip(controlId), sha256(message));
    }
  }

  private final JdbcTemplate jdbc;

  public ReceivedMessages(DataSource dataSource, IInterceptorService interceptors,
      org.infusionfhir.server.storage.DatabaseSchema schemaFirst) {
    this.jdbc = new JdbcTemplate(dataSource);
    interceptors.registerInterceptor(this);
  }

  /** Whether a message with this key has been stored (a resend). */
  public boolean stored(Key key) {
    return count("content_hash = ?", key) > 0;
  }

  /** Whether the sender has used this control id for a message with other content. */
  public boolean controlIdReused(Key key) {
    return count("content_hash <> ?", key) > 0;
  }

  /** Makes the transaction committed with {@code request} record {@code keys}: both commit or neither. */
  static void recordWith(RequestDetails request, List<Key> keys) {
    request.getUserData().put(KEYS, new PendingKeys(List.copyOf(keys), new AtomicBoolean()));
  }

  /**
   * The keys of one commit. HAPI hands each entry of a transaction a request of its own with a copy of the
   * user data; the copies share this object, so the keys are recorded once per transaction.
   */
  private record PendingKeys(List<Key> keys, AtomicBoolean recorded) {}

  /**
   * Inside HAPI's database transaction, at its first write: records the keys the request carries. A key
   * already there fails the insert, and with it the whole transaction (a resend; see {@link #isResend}).
   */
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(RequestDetails request) {
    recordPending(request);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(RequestDetails request) {
    recordPending(request);
  }

  private void recordPending(RequestDetails request) {
    if (request != null && request.getUserData().get(KEYS) instanceof PendingKeys pending
        && pending.recorded().compareAndSet(false, true)) {
      pending.keys().forEach(this::record);
    }
  }

  /** Whether a failed commit failed because its message is already stored (its key is taken). */
  public static boolean isResend(Throwable failure) {
    for (var cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof DuplicateKeyException duplicate && String.valueOf(duplicate.getMessage())
          .toUpperCase(java.util.Locale.ROOT).contains("INFUSION_RECEIVED_MESSAGE")) {
        return true;
      }
      if (cause == cause.getCause()) {
        break;
      }
    }
    return false;
  }

  private void record(Key key) {
    jdbc.update("INSERT INTO infusion_received_message (sender, control_id, content_hash, received_at) "
        + "VALUES (?, ?, ?, ?)", key.sender(), key.controlId(), key.contentHash(), Timestamp.from(Instant.now()));
  }

  private int count(String hashCondition, Key key) {
    var n = jdbc.queryForObject("SELECT COUNT(*) FROM infusion_received_message WHERE sender = ? AND control_id = ? AND "
        + hashCondition, Integer.class, key.sender(), key.controlId(), key.contentHash());
    return n == null ? 0 : n;
  }

  private static String clip(String text) {
    var value = text == null ? "" : text;
    return value.length() <= 200 ? value : value.substring(0, 136) + "#" + sha256(value).substring(0, 63);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
