package org.infusionfhir.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.infusionfhir.server.OperationOutcomeResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 answers outside HAPI: Spring's RFC 6750 {@code WWW-Authenticate} header, and an
 * OperationOutcome body saying what was wrong, like every other error of this server.
 */
final class BearerTokenErrors implements AuthenticationEntryPoint, AccessDeniedHandler {

  private static final Logger log = LoggerFactory.getLogger(BearerTokenErrors.class);

  private final BearerTokenAuthenticationEntryPoint entryPoint = new BearerTokenAuthenticationEntryPoint();
  private final BearerTokenAccessDeniedHandler deniedHandler = new BearerTokenAccessDeniedHandler();
  private final OperationOutcomeResponses responses;

  BearerTokenErrors(OperationOutcomeResponses responses, String realm) {
    this.responses = responses;
    entryPoint.setRealmName(realm);
    deniedHandler.setRealmName(realm);
  }

  @Override
  public void commence(HttpServletRequest request, HttpServletResponse response,
      AuthenticationException e) throws IOException {
    entryPoint.commence(request, response, e);
    var reason = request.getHeader("Authorization") == null
        ? "No access token: send one as 'Authorization: Bearer <token>'"
        : "The access token was not accepted: " + e.getMessage();
    log.info("401 {} {}: {}", request.getMethod(), request.getRequestURI(), reason);
    responses.write(response, HttpServletResponse.SC_UNAUTHORIZED, IssueType.LOGIN, reason);
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    deniedHandler.handle(request, response, e);
    var reason = "The access token's scopes do not allow " + request.getMethod() + " "
        + request.getRequestURI();
    log.info("403 {}", reason);
    responses.write(response, HttpServletResponse.SC_FORBIDDEN, IssueType.FORBIDDEN, reason);
  }
}
