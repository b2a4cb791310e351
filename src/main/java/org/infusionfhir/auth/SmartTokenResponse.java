package org.infusionfhir.auth;

import java.util.Objects;
import org.infusionfhir.security.SignInAudit;
import org.infusionfhir.security.SignInAudit.Record;
import org.infusionfhir.security.SignInAudit.Step;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import com.nimbusds.jwt.JWTParser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.text.ParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import org.infusionfhir.security.SmartScopes;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.endpoint.OAuth2AccessTokenResponse;
import org.springframework.security.oauth2.core.http.converter.OAuth2AccessTokenResponseHttpMessageConverter;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;

/**
 * The token response with SMART's launch context beside the token (App Launch §"Response": {@code patient},
 * {@code encounter}), read back from the access token just signed, and no caching (RFC 6749 §5.1).
 */
final class SmartTokenResponse implements AuthenticationSuccessHandler {

  private final OAuth2AccessTokenResponseHttpMessageConverter converter = new OAuth2AccessTokenResponseHttpMessageConverter();
  private final SignInAudit audit;

  SmartTokenResponse(SignInAudit audit) {
    this.audit = audit;
  }

  @Override
  public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response,
      Authentication authentication) throws IOException {
    var issued = (OAuth2AccessTokenAuthenticationToken) authentication;
    var accessToken = issued.getAccessToken();
    var parameters = new HashMap<String, Object>(issued.getAdditionalParameters());
    try {
      var claims = JWTParser.parse(accessToken.getTokenValue()).getJWTClaimsSet();
      for (var name : new String[] {SmartScopes.PATIENT_CLAIM, SmartTokenClaims.ENCOUNTER_CLAIM}) {
        if (claims.getStringClaim(name) != null) {
          parameters.put(name, claims.getStringClaim(name));
        }
      }
      var client = claims.getStringClaim("client_id");
      var user = Objects.equals(claims.getSubject(), client) ? null : claims.getSubject();
      var refresh = AuthorizationGrantType.REFRESH_TOKEN.getValue().equals(request.getParameter("grant_type"));
      audit.record(new Record(refresh ? Step.TOKEN_REFRESHED : Step.TOKEN_ISSUED, user,
          claims.getStringClaim(SmartScopes.FHIR_USER_CLAIM), client, claims.getStringClaim(SmartScopes.PATIENT_CLAIM),
          claims.getJWTID(), "scope: " + claims.getStringClaim("scope")), request);
    } catch (ParseException e) {
      throw new IllegalStateException("an access token of this server is not a JWT", e);
    }
    var body = OAuth2AccessTokenResponse.withToken(accessToken.getTokenValue())
        .tokenType(accessToken.getTokenType()).scopes(accessToken.getScopes())
        .additionalParameters(parameters);
    if (accessToken.getIssuedAt() != null && accessToken.getExpiresAt() != null) {
      body.expiresIn(ChronoUnit.SECONDS.between(accessToken.getIssuedAt(), accessToken.getExpiresAt()));
    }
    if (issued.getRefreshToken() != null) {
      body.refreshToken(issued.getRefreshToken().getTokenValue());
    }
    var out = new ServletServerHttpResponse(response);
    out.getHeaders().setCacheControl("no-store");
    out.getHeaders().setPragma("no-cache");
    converter.write(body.build(), null, out);
  }
}
