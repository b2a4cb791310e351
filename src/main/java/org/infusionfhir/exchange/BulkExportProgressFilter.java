package org.infusionfhir.exchange;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.infusionfhir.server.batch.BatchJobProperties;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Makes a running export's status poll say how far it is and when to ask again: {@code X-Progress} gives
 * the share of work done, resources written so far and the estimated time left instead of HAPI's bare
 * status and date, and {@code Retry-After} follows the expected time instead of HAPI's fixed 120 s
 * (exports of the demo courses finish in 4-15 s; a client that obeys 120 would wait two minutes).
 *
 * <p>The rule: a job not started yet is started by the next batch maintenance pass
 * ({@code infusion.batch.check-interval}); a job under way is asked again after the time its progress so
 * far predicts is left; both within 1 to {@value #LONGEST_RETRY_SECONDS} s.
 */
@Component
public class BulkExportProgressFilter extends OncePerRequestFilter {

  static final long LONGEST_RETRY_SECONDS = 60;

  private final IJobCoordinator jobs;
  private final Duration checkInterval;

  public BulkExportProgressFilter(IJobCoordinator jobs, BatchJobProperties batch) {
    this.jobs = jobs;
    this.checkInterval = batch.checkInterval();
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !request.getRequestURI().endsWith("/$export-poll-status")
        || request.getParameter("_jobId") == null;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    var jobId = request.getParameter("_jobId");
    chain.doFilter(request, new HttpServletResponseWrapper(response) {
      @Override
      public void addHeader(String name, String value) {
        super.addHeader(name, rewrite(jobId, name, value));
      }

      @Override
      public void setHeader(String name, String value) {
        super.setHeader(name, rewrite(jobId, name, value));
      }
    });
  }

  private String rewrite(String jobId, String header, String value) {
    if (Constants.HEADER_X_PROGRESS.equalsIgnoreCase(header)) {
      return job(jobId).map(this::progress).orElse(value);
    }
    if (Constants.HEADER_RETRY_AFTER.equalsIgnoreCase(header)) {
      return job(jobId).map(job -> Long.toString(retryAfterSeconds(job, checkInterval, Instant.now())))
          .orElse(value);
    }
    return value;
  }

  private Optional<JobInstance> job(String jobId) {
    try {
      return Optional.of(jobs.getInstance(jobId));
    } catch (ResourceNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Seconds until the job is expected to be done, or to be started; see the class comment. */
  static long retryAfterSeconds(JobInstance job, Duration checkInterval, Instant now) {
    long seconds = Math.max(1, (checkInterval.toMillis() + 999) / 1000);
    var started = job.getStartTime();
    double progress = job.getProgress();
    if (started != null && progress > 0 && progress < 1) {
      double elapsed = Math.max(0, now.toEpochMilli() - started.getTime()) / 1000.0;
      seconds = (long) Math.ceil(elapsed * (1 - progress) / progress);
    } else if (progress >= 1) {
      seconds = 1;
    }
    return Math.min(LONGEST_RETRY_SECONDS, Math.max(1, seconds));
  }

  private String progress(JobInstance job) {
    var text = new StringBuilder(job.getStatus().name().toLowerCase(Locale.ROOT).replace('_', ' '))
        .append(": ").append(Math.round(job.getProgress() * 100)).append("% done");
    var written = job.getCombinedRecordsProcessed();
    if (written != null && written > 0) {
      text.append(", ").append(written).append(" resources written");
    }
    var left = job.getEstimatedTimeRemaining();
    if (left != null && !left.isBlank()) {
      text.append(", about ").append(left).append(" left");
    }
    return text.toString();
  }
}
