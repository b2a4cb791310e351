package org.infusionfhir.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code jti} of every signed JWT a client has presented (SMART Backend Services client assertions, CDS
 * Hooks calls), kept in the database under a primary key until it expires. A JWT replayed to this node or to
 * any other replica on the same database is refused: the insert of its key fails, so two nodes seeing the same
 * JWT at the same instant cannot both accept it (no check-then-write).
 */
public final class UsedJwtIds {

  /** Purge expired keys after this many inserts; one DELETE on an indexed column. */
  private static final int PURGE_EVERY = 200;
  /** Kept this long past the JWT's exp, for the clock skew its checks allow. */
  private static final long SKEW_SECONDS = 60;

  private final JdbcTemplate jdbc;
  private final AtomicLong inserts = new AtomicLong();

  public UsedJwtIds(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
  }

  /** True the first time {@code client} presents {@code jti}; false for a replay, on any replica. */
  public boolean firstUse(String client, String jti, Instant expiresAt) {
    if (inserts.incrementAndGet() % PURGE_EVERY == 0) {
      jdbc.update("DELETE FROM infusion_used_jwt_id WHERE expires_at < ?",
          Timestamp.from(Instant.now().minusSeconds(SKEW_SECONDS)));
    }
    try {
      jdbc.update("INSERT INTO infusion_used_jwt_id (client_id, jti_hash, expires_at) VALUES (?, ?, ?)",
          client, sha256(jti), Timestamp.from(expiresAt.plusSeconds(SKEW_SECONDS)));
      return true;
    } catch (DuplicateKeyException replay) {
      return false;
    }
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
