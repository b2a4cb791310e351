package org.infusionfhir.support;

import java.sql.DriverManager;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class only when the CI PostgreSQL is reachable (127.0.0.1:5432, database {@code test},
 * user {@code postgres}, trust auth; override with INFUSION_TEST_POSTGRES_URL/_USER/_PASSWORD). When it
 * is not, the tests are reported as skipped with the reason, never passed; with the environment variable
 * {@code CI} set, an unreachable PostgreSQL fails the class instead, since CI machines always have one.
 */
public class Postgres implements ExecutionCondition {

  public static final String URL = env("INFUSION_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
  public static final String USER = env("INFUSION_TEST_POSTGRES_USER", "postgres");
  public static final String PASSWORD = env("INFUSION_TEST_POSTGRES_PASSWORD", "");

  private static volatile Optional<String> unreachable;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    var problem = probe();
    if (problem.isEmpty()) {
      return ConditionEvaluationResult.enabled("PostgreSQL reachable at " + URL);
    }
    if (onCi()) {
      throw new IllegalStateException("PostgreSQL not reachable at " + URL + " (" + problem.get()
          + ") and CI is set: CI machines have PostgreSQL, so " + context.getDisplayName()
          + " fails instead of skipping");
    }
    var reason = "SKIPPED: PostgreSQL not reachable at " + URL + " (" + problem.get()
        + "); the PostgreSQL run of " + context.getDisplayName() + " did not happen";
    // Also on the console, where a reader of the build output sees it, not only in the reports.
    System.out.println("[postgres] " + reason);
    return ConditionEvaluationResult.disabled(reason);
  }

  private static Optional<String> probe() {
    if (unreachable == null) {
      try (var connection = DriverManager.getConnection(URL + "?connectTimeout=3", USER, PASSWORD)) {
        connection.createStatement().execute("select 1");
        unreachable = Optional.empty();
      } catch (Exception e) {
        unreachable = Optional.of(e.getMessage());
      }
    }
    return unreachable;
  }

  /**
   * Drops and creates database {@code name} on the test server and returns its JDBC URL: a test that needs its
   * own schema (a migrated one, or several server processes sharing one) owns its data from the start.
   */
  public static String freshDatabase(String name) {
    try (var admin = DriverManager.getConnection(URL, USER, PASSWORD)) {
      // Another run's server processes may still hold connections if that run was killed.
      admin.createStatement().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
          + name + "' AND pid <> pg_backend_pid()");
      admin.createStatement().execute("DROP DATABASE IF EXISTS " + name);
      admin.createStatement().execute("CREATE DATABASE " + name);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
    }
    return URL.substring(0, URL.lastIndexOf('/') + 1) + name;
  }

  static boolean onCi() {
    var ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
  }

  /** An environment variable, or {@code fallback} when it is unset or blank. */
  public static String env(String name, String fallback) {
    var value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
