package org.infusionfhir.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The {@code user} command, through the running server and on its own, and the accounts' rules. */
@H2FhirServer
class UserCommandTest extends FhirServerTestBase {

  @Autowired UserAccounts users;
  @Autowired AuthProperties authProperties;

  record Run(int exit, String out, String err) {}

  static Run run(String stdin, String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int exit = new UserCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))).run(List.of(args));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Nested
  class WhileTheServerRuns {

    private Run runHere(String stdin, String... args) {
      var all = new ArrayList<>(List.of(args));
      all.add("--server.port=" + port);
      all.add("--infusion.auth.admin-secret-file=" + authProperties.adminSecretFile());
      return run(stdin, all.toArray(String[]::new));
    }

    @Test
    void addGoesThroughTheLoopbackAdminEndpointAndTheUserCanSignIn() {
      var name = unique("nurse");
      var added = runHere("a long enough password\n", "add", name, "--practitioner", "p-" + name);
      assertThat(added.exit()).as(added.err()).isZero();
      assertThat(added.err()).contains("carried out by the server running on port " + port);
      assertThat(users.signIn(name, "a long enough password")).isPresent();

      var listed = runHere("", "list");
      assertThat(listed.out()).contains(name + "\tPractitioner/p-" + name + "\tenabled");

      assertThat(runHere("", "disable", name).exit()).isZero();
      assertThat(users.find(name).orElseThrow().disabled()).isTrue();
      assertThat(users.signIn(name, "a long enough password")).isEmpty();
    }

    @Test
    void theAdminEndpointRefusesACallerWithoutTheSecret() {
      var response = send("POST", serverRoot() + AdminUsersEndpoint.PATH, "application/json",
          "{\"action\":\"list\"}", "Authorization", ANONYMOUS, AdminUsersEndpoint.SECRET_HEADER, "guess");
      assertThat(response.statusCode()).isEqualTo(403);
    }

    @Test
    void aTooShortPasswordIsRefused() {
      var refused = runHere("short\n", "add", unique("x"), "--patient", "p1");
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.err()).contains("at least 12 characters");
    }
  }

  @Nested
  class WithoutARunningServer {

    @Test
    void theCommandOpensTheDatabaseItselfAndTheAccountWorksThere() {
      var url = "jdbc:h2:file:./target/test-data/users-" + UUID.randomUUID();
      var noServer = "--infusion.auth.admin-secret-file=target/test-data/no-such-secret-" + UUID.randomUUID();
      var added = run("offline password 1\n", "add", "ada", "--patient", "pat-1", "--spring.datasource.url=" + url,
          noServer);
      assertThat(added.exit()).as(added.err()).isZero();
      assertThat(added.err()).contains("opening the database " + url + " directly");
      assertThat(run("", "list", "--spring.datasource.url=" + url, noServer).out())
          .contains("ada\tPatient/pat-1\tenabled");
      assertThat(run("new offline password\n", "passwd", "ada", "--spring.datasource.url=" + url, noServer).exit())
          .isZero();

      var accounts = new UserAccounts(new DriverManagerDataSource(url, "sa", ""), authProperties);
      assertThat(accounts.signIn("ada", "offline password 1")).isEmpty();
      assertThat(accounts.signIn("ada", "new offline password")).map(UserAccount::fhirUser).contains("Patient/pat-1");
    }

    @Test
    void usageErrorsExitWith2() {
      assertThat(run("", "add", "bob").exit()).isEqualTo(2);
      assertThat(run("", "frobnicate").exit()).isEqualTo(2);
      assertThat(run("").exit()).isEqualTo(2);
    }
  }

  @Nested
  class Accounts {

    @Test
    void repeatedFailedSignInsLockTheAccountEvenForTheRightPassword() {
      var name = unique("locked");
      users.add(name, "Practitioner/p1", "the right password".toCharArray());
      for (int i = 0; i < authProperties.maxFailedSignIns(); i++) {
        assertThat(users.signIn(name, "wrong guess " + i)).isEmpty();
      }
      assertThat(users.signIn(name, "the right password")).isEmpty();
      assertThat(users.find(name).orElseThrow().lockedUntil())
          .isAfter(java.time.Instant.now().plus(authProperties.lockout()).minus(Duration.ofMinutes(1)));
      users.setPassword(name, "a fresh right password".toCharArray());
      assertThat(users.signIn(name, "a fresh right password")).isPresent();
    }

    @Test
    void passwordsAreStoredAsBcryptHashes() {
      var name = unique("hashed");
      users.add(name, "Patient/p2", "plain text never stored".toCharArray());
      var hash = new org.springframework.jdbc.core.JdbcTemplate(dataSource())
          .queryForObject("SELECT password_hash FROM auth_user WHERE name = ?", String.class, name);
      assertThat(hash).startsWith("{bcrypt}$2a$").doesNotContain("plain text");
    }

    @Test
    void aUserIsLinkedToAPractitionerOrAPatientOnly() {
      assertThatThrownBy(() -> users.add(unique("x"), "Organization/1", "long enough password".toCharArray()))
          .hasMessageContaining("Practitioner/ID or Patient/ID");
    }
  }

  @Autowired javax.sql.DataSource dataSourceBean;

  javax.sql.DataSource dataSource() {
    return dataSourceBean;
  }
}
