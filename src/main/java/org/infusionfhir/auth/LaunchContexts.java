package org.infusionfhir.auth;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * EHR launch values (SMART App Launch §"EHR launch"): opaque, short-lived and single-use, each naming the
 * patient (and encounter) an EHR opened an app for. Kept in the shared database so that the replica that
 * answers the app's authorization request knows the value another replica issued.
 */
final class LaunchContexts {

  record Context(String clientId, String patient, String encounter) {}

  private final JdbcTemplate jdbc;
  private final Duration lifetime;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  LaunchContexts(DataSource dataSource, Duration lifetime, Clock clock) {
    this.jdbc = new JdbcTemplate(dataSource);
    this.lifetime = lifetime;
    this.clock = clock;
  }

  String create(String clientId, String patient, String encounter) {
    var bytes = new byte[24];
    random.nextBytes(bytes);
    var launch = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    jdbc.update("INSERT INTO auth_launch (launch, client_id, patient, encounter, expires_at) VALUES (?, ?, ?, ?, ?)",
        launch, clientId, patient, encounter, Timestamp.from(clock.instant().plus(lifetime)));
    return launch;
  }

  /** The context of a launch value for this app, if it exists and has not expired; it stays usable. */
  Optional<Context> peek(String launch, String clientId) {
    return jdbc.query("SELECT client_id, patient, encounter FROM auth_launch WHERE launch = ? AND expires_at > ?",
        (rs, i) -> new Context(rs.getString(1), rs.getString(2), rs.getString(3)),
        launch, Timestamp.from(clock.instant())).stream().filter(c -> c.clientId().equals(clientId)).findFirst();
  }

  /** Takes the launch value: whoever deletes the row first has it, so it serves one authorization only. */
  Optional<Context> consume(String launch, String clientId) {
    var context = peek(launch, clientId);
    if (context.isEmpty() || jdbc.update("DELETE FROM auth_launch WHERE launch = ?", launch) != 1) {
      return Optional.empty();
    }
    return context;
  }
}
