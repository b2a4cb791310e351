package org.infusionfhir.exchange;

import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.Constants;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Records who started an export as HAPI names the new job: HAPI writes the job's status URL into the kick-off's
 * {@code Content-Location} itself (its provider answers the servlet response directly, so no hook sees the id).
 * The owner is stored before that header is passed on, so no poll can arrive before it.
 */
@Component
public class ExportOwnerRecorder extends OncePerRequestFilter {

  private static final String JOB_ID = JpaConstants.PARAM_EXPORT_POLL_STATUS_JOB_ID + "=";

  private final ExportOwners owners;

  public ExportOwnerRecorder(ExportOwners owners) {
    this.owners = owners;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    // $export at system, Patient and Group level; the request URI is as the client encoded it.
    var uri = request.getRequestURI();
    return !(uri.endsWith("$export") || uri.endsWith("%24export"));
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    var caller = ExportOwners.Caller.current();
    chain.doFilter(request, caller == null ? response : new HttpServletResponseWrapper(response) {
      @Override
      public void setHeader(String name, String value) {
        recordJobIn(name, value, caller);
        super.setHeader(name, value);
      }

      @Override
      public void addHeader(String name, String value) {
        recordJobIn(name, value, caller);
        super.addHeader(name, value);
      }
    });
  }

  private void recordJobIn(String header, String value, ExportOwners.Caller caller) {
    if (!Constants.HEADER_CONTENT_LOCATION.equalsIgnoreCase(header) || value == null) {
      return;
    }
    var at = value.indexOf(JOB_ID);
    if (at >= 0) {
      var end = value.indexOf('&', at);
      var jobId = value.substring(at + JOB_ID.length(), end < 0 ? value.length() : end);
      owners.record(URLDecoder.decode(jobId, StandardCharsets.UTF_8), caller);
    }
  }
}
