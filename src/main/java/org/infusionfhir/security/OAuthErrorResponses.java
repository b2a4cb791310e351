package org.infusionfhir.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.http.converter.OAuth2ErrorHttpMessageConverter;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

/**
 * Every OAuth error answer of the embedded authorization server (RFC 6749 §5.2): the error code, an
 * {@code error_description} that says what was wrong, and the same reason in the log at INFO. Spring's
 * client-authentication handler answers the bare code, so a client whose assertion named the wrong
 * {@code aud} could not tell why it was refused, nor could the server's operator.
 */
public final class OAuthErrorResponses implements AuthenticationFailureHandler {

  private static final Logger log = LoggerFactory.getLogger(OAuthErrorResponses.class);

  private final HttpMessageConverter<OAuth2Error> converter = new OAuth2ErrorHttpMessageConverter();

  @Override
  public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
      AuthenticationException exception) throws IOException {
    var error = exception instanceof OAuth2AuthenticationException oauth ? oauth.getError()
        : new OAuth2Error(OAuth2ErrorCodes.INVALID_REQUEST, exception.getMessage(), null);
    var described = new OAuth2Error(error.getErrorCode(), describe(error, exception), error.getUri());
    log.info("OAuth {} {} answered {}: {}", request.getMethod(), request.getRequestURI(),
        described.getErrorCode(), described.getDescription());
    var status = OAuth2ErrorCodes.INVALID_CLIENT.equals(error.getErrorCode()) ? HttpStatus.UNAUTHORIZED
        : OAuth2ErrorCodes.SERVER_ERROR.equals(error.getErrorCode()) ? HttpStatus.INTERNAL_SERVER_ERROR
        : HttpStatus.BAD_REQUEST;
    var out = new ServletServerHttpResponse(response);
    out.setStatusCode(status);
    out.getHeaders().setCacheControl("no-store");
    out.getHeaders().setPragma("no-cache");
    converter.write(described, null, out);
  }

  /** Spring's description (often just the parameter at fault) with the cause's reason after it. */
  static String describe(OAuth2Error error, Throwable exception) {
    var description = error.getDescription() != null ? error.getDescription() : error.getErrorCode();
    var cause = exception.getCause();
    if (cause instanceof JwtValidationException invalid) {
      var reasons = invalid.getErrors().stream().map(e -> e.getDescription() != null ? e.getDescription()
          : e.getErrorCode()).distinct().toList();
      return description + ": " + String.join("; ", reasons);
    }
    if (cause != null && cause.getMessage() != null) {
      return description + ": " + cause.getMessage();
    }
    return description;
  }
}
