package org.infusionfhir.auth;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/** The user accounts table: who may sign in, their bcrypt password hash, and their lockout state. */
public class UserAccounts {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,100}");
  private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

  private final JdbcTemplate jdbc;
  private final AuthProperties props;
  private final Clock clock;
  // {bcrypt} by default; the prefix names the scheme so that a later change of scheme keeps old hashes valid.
  private final PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();

  public UserAccounts(DataSource dataSource, AuthProperties props) {
    this(dataSource, props, Clock.systemUTC());
  }

  UserAccounts(DataSource dataSource, AuthProperties props, Clock clock) {
    this.jdbc = new JdbcTemplate(dataSource);
    this.props = props;
    this.clock = clock;
  }

  /** Adds an account linked to {@code fhirUser} ({@code Practitioner/ID} or {@code Patient/ID}). */
  public void add(String name, String fhirUser, char[] password) {
    requireName(name);
    var parts = fhirUser.split("/", 2);
    if (parts.length != 2 || !(parts[0].equals("Practitioner") || parts[0].equals("Patient"))
        || !FHIR_ID.matcher(parts[1]).matches()) {
      throw new IllegalArgumentException("a user is linked to Practitioner/ID or Patient/ID, not '" + fhirUser + "'");
    }
    requirePolicy(password);
    if (find(name).isPresent()) {
      throw new IllegalArgumentException("user " + name + " exists already");
    }
    jdbc.update("INSERT INTO auth_user (name, password_hash, fhir_user, disabled, failed_sign_ins, created_at) "
        + "VALUES (?, ?, ?, FALSE, 0, ?)", name, encoder.encode(new String(password)), fhirUser,
        Timestamp.from(clock.instant()));
  }

  public Optional<UserAccount> find(String name) {
    return jdbc.query("SELECT * FROM auth_user WHERE name = ?", UserAccounts::account, name).stream().findFirst();
  }

  public List<UserAccount> list() {
    return jdbc.query("SELECT * FROM auth_user ORDER BY name", UserAccounts::account);
  }

  public void disable(String name) {
    if (jdbc.update("UPDATE auth_user SET disabled = TRUE WHERE name = ?", name) == 0) {
      throw new IllegalArgumentException("no user " + name);
    }
  }

  /** Sets a new password; it also ends a lockout. */
  public void setPassword(String name, char[] password) {
    requirePolicy(password);
    if (jdbc.update("UPDATE auth_user SET password_hash = ?, failed_sign_ins = 0, locked_until = NULL "
        + "WHERE name = ?", encoder.encode(new String(password)), name) == 0) {
      throw new IllegalArgumentException("no user " + name);
    }
  }

  /**
   * Checks a sign-in and keeps count of failures: the account if the password is right and the account
   * is enabled and not locked, else empty, without saying which (no one learns whether a name exists).
   */
  public Optional<UserAccount> signIn(String name, String password) {
    var now = clock.instant();
    var found = name == null ? Optional.<UserAccount>empty() : find(name);
    if (found.isEmpty()) {
      // The same bcrypt work as for a real account, so that timing does not tell names apart.
      encoder.matches(password, DUMMY_HASH);
      return Optional.empty();
    }
    var account = found.get();
    var hash = jdbc.queryForObject("SELECT password_hash FROM auth_user WHERE name = ?", String.class, name);
    boolean matches = encoder.matches(password, hash);
    if (account.disabled() || account.lockedAt(now)) {
      return Optional.empty();
    }
    if (!matches) {
      int failures = account.failedSignIns() + 1;
      var lockedUntil = failures >= props.maxFailedSignIns() ? Timestamp.from(now.plus(props.lockout())) : null;
      jdbc.update("UPDATE auth_user SET failed_sign_ins = ?, locked_until = ? WHERE name = ?",
          lockedUntil != null ? 0 : failures, lockedUntil, name);
      return Optional.empty();
    }
    if (account.failedSignIns() > 0 || account.lockedUntil() != null) {
      jdbc.update("UPDATE auth_user SET failed_sign_ins = 0, locked_until = NULL WHERE name = ?", name);
    }
    return Optional.of(account);
  }

  /** Whether the account exists and may still use what it was given (refresh tokens of disabled users fail). */
  public boolean active(String name) {
    return find(name).map(a -> !a.disabled()).orElse(false);
  }

  private void requirePolicy(char[] password) {
    if (password == null || password.length < props.minPasswordLength()) {
      throw new IllegalArgumentException("a password needs at least " + props.minPasswordLength() + " characters");
    }
    if (new String(password).isBlank()) {
      throw new IllegalArgumentException("a password cannot be blank");
    }
  }

  private static void requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a user name is 1-100 letters, digits or . _ @ -");
    }
  }

  private static final String DUMMY_HASH =
      PasswordEncoderFactories.createDelegatingPasswordEncoder().encode("not a password of anyone");

  private static UserAccount account(ResultSet rs, int row) throws SQLException {
    var locked = rs.getTimestamp("locked_until");
    return new UserAccount(rs.getString("name"), rs.getString("fhir_user"), rs.getBoolean("disabled"),
        rs.getInt("failed_sign_ins"), locked == null ? null : locked.toInstant(),
        rs.getTimestamp("created_at").toInstant());
  }
}
