package org.infusionfhir.exchange;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/**
 * Who started each Bulk Data export job ({@code db/export-owner.sql}, shared by every replica). HAPI keeps no
 * owner with a job: any token allowed to export could poll, cancel and download any other client's export by
 * its id. Only the caller recorded here may.
 */
@Component
public class ExportOwners {

  /**
   * The caller a token names: its {@code client_id}, its {@code sub} and, for a patient-context token, its SMART
   * {@code patient} claim. Two tokens are the same caller only when all three agree.
   */
  public record Caller(String client, String subject, String patient) {

    /** The caller of the request on this thread, or null when it carries no token (authorization switched off). */
    static Caller current() {
      if (SecurityContextHolder.getContext().getAuthentication() instanceof JwtAuthenticationToken token) {
        var jwt = token.getToken();
        return new Caller(jwt.getClaimAsString("client_id"), jwt.getSubject(), jwt.getClaimAsString("patient"));
      }
      return null;
    }
  }

  /** Rows are kept well past HAPI's file retention; a poll of a job without its row is answered 404. */
  private static final Duration KEPT = Duration.ofDays(30);
  private static final int PURGE_EVERY = 100;

  private final JdbcTemplate jdbc;
  private final AtomicLong recorded = new AtomicLong();

  public ExportOwners(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Records {@code caller} as the one who started {@code jobId}, before the client learns the job's id. */
  void record(String jobId, Caller caller) {
    if (recorded.incrementAndGet() % PURGE_EVERY == 0) {
      jdbc.update("DELETE FROM infusion_export_owner WHERE started_at < ?", Timestamp.from(Instant.now().minus(KEPT)));
    }
    jdbc.update("INSERT INTO infusion_export_owner (job_id, client_id, subject, patient, started_at) VALUES (?, ?, ?, ?, ?)",
        jobId, caller.client(), caller.subject(), caller.patient(), Timestamp.from(Instant.now()));
  }

  /** Whether {@code caller} started {@code jobId}; false for a job nobody is recorded for, or an unknown one. */
  boolean startedBy(String jobId, Caller caller) {
    var owners = jdbc.query("SELECT client_id, subject, patient FROM infusion_export_owner WHERE job_id = ?",
        (row, n) -> new Caller(row.getString(1), row.getString(2), row.getString(3)), jobId);
    return owners.size() == 1 && Objects.equals(owners.get(0), caller);
  }
}
