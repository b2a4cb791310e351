package org.infusionfhir.security;

import org.infusionfhir.server.http.RequestRoot;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The {@code iss} check when the embedded issuer has no configured address: a token must name the issuer
 * this request reaches (the address discovery publishes to it: behind a trusted proxy, the one the proxy names), or the
 * {@code token} command's local issuer, which signs without a request at hand.
 */
final class RequestIssuerValidator implements OAuth2TokenValidator<Jwt> {

  @Override
  public OAuth2TokenValidatorResult validate(Jwt token) {
    var issuer = token.getIssuer() == null ? null : token.getIssuer().toString();
    if (SecurityProperties.Embedded.LOCAL_ISSUER.equals(issuer)) {
      return OAuth2TokenValidatorResult.success();
    }
    if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes) {
      var expected = RequestRoot.of(attributes.getRequest());
      if (expected.equals(issuer)) {
        return OAuth2TokenValidatorResult.success();
      }
      return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token",
          "the token's issuer " + issuer + " is not this server (" + expected + ")", null));
    }
    return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "no request to check the issuer against", null));
  }
}
