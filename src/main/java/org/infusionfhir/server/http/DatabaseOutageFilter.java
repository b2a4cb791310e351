package org.infusionfhir.server.http;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.infusionfhir.server.OperationOutcomeResponses;
import org.infusionfhir.server.storage.DatabaseOutage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The database's absence outside HAPI's request handling (a token check that reads revoked tokens, the sign-in
 * pages, CDS Hooks, the workspace's endpoints) is a 503 with {@code Retry-After} and an OperationOutcome too, not
 * Spring's 500 error page. FHIR requests get theirs from {@link org.infusionfhir.server.storage.DatabaseOutageAnswers}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class DatabaseOutageFilter extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger("infusion.database");

  private final OperationOutcomeResponses errors;

  public DatabaseOutageFilter(OperationOutcomeResponses errors) {
    this.errors = errors;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      chain.doFilter(request, response);
    } catch (ServletException | RuntimeException e) {
      if (!DatabaseOutage.causedIt(e) || response.isCommitted()) {
        throw e;
      }
      log.warn("{} {}: 503, the database is out of reach ({})", request.getMethod(), request.getRequestURI(),
          DatabaseOutage.rootOf(e));
      response.resetBuffer();
      response.setHeader("Retry-After", Integer.toString(DatabaseOutage.RETRY_AFTER_SECONDS));
      errors.write(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, IssueType.TRANSIENT, DatabaseOutage.MESSAGE);
    }
  }
}
