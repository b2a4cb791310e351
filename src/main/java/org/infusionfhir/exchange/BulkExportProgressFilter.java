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
import java.util.Locale;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Makes the {@code X-Progress} header of a running export's status poll say how far it is (share of
 * work done, resources written so far, estimated time left) instead of HAPI's bare status and date.
 */
@Component
public class BulkExportProgressFilter extends OncePerRequestFilter {

  private final IJobCoordinator jobs;

  public BulkExportProgressFilter(IJobCoordinator jobs) {
    this.jobs = jobs;
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
        super.addHeader(name, Constants.HEADER_X_PROGRESS.equalsIgnoreCase(name) ? progress(jobId, value) : value);
      }

      @Override
      public void setHeader(String name, String value) {
        super.setHeader(name, Constants.HEADER_X_PROGRESS.equalsIgnoreCase(name) ? progress(jobId, value) : value);
      }
    });
  }

  private String progress(String jobId, String fallback) {
    JobInstance job;
    try {
      job = jobs.getInstance(jobId);
    } catch (ResourceNotFoundException e) {
      return fallback;
    }
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
