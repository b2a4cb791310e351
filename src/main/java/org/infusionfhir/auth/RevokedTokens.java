package org.infusionfhir.auth;

import java.sql.Timestamp;
import java.time.Instant;
import javax.sql.DataSource;
import org.infusionfhir.security.RevocationList;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code jti}s of access tokens revoked before they expired: one primary-key lookup per API request
 * carrying a token of ours, on the database every replica shares. Rows past their token's expiry are of
 * no use and are deleted as new ones come in.
 */
final class RevokedTokens implements RevocationList {

  private final JdbcTemplate jdbc;

  RevokedTokens(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
  }

  @Override
  public boolean isRevoked(String jti) {
    Integer found = jdbc.query("SELECT 1 FROM auth_revoked_token WHERE jti = ?",
        rs -> rs.next() ? 1 : null, jti);
    return found != null;
  }

  void revoke(String jti, Instant expiresAt) {
    var now = Instant.now();
    if (expiresAt != null && expiresAt.isBefore(now)) {
      return;
    }
    try {
      jdbc.update("INSERT INTO auth_revoked_token (jti, expires_at) VALUES (?, ?)", jti,
          Timestamp.from(expiresAt != null ? expiresAt : now.plusSeconds(3600)));
    } catch (DuplicateKeyException already) {
      // revoked before: nothing more to do
    }
    jdbc.update("DELETE FROM auth_revoked_token WHERE expires_at < ?", Timestamp.from(now));
  }
}
