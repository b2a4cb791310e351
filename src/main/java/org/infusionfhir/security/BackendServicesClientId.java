package org.infusionfhir.security;

import com.nimbusds.jwt.JWTParser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.text.ParseException;
import java.util.HashMap;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.web.authentication.JwtClientAssertionAuthenticationConverter;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * SMART Backend Services token requests carry no {@code client_id} parameter (the client is the
 * assertion's {@code iss}); Spring's converter requires one. This names the client from the assertion,
 * unverified: the assertion is then checked against that client's registered keys, so a wrong name only
 * fails.
 */
final class BackendServicesClientId implements AuthenticationConverter {

  private final JwtClientAssertionAuthenticationConverter spring = new JwtClientAssertionAuthenticationConverter();

  @Override
  public Authentication convert(HttpServletRequest request) {
    var assertion = request.getParameter(OAuth2ParameterNames.CLIENT_ASSERTION);
    if (assertion == null || request.getParameter(OAuth2ParameterNames.CLIENT_ID) != null) {
      return null;
    }
    String issuer;
    try {
      issuer = JWTParser.parse(assertion).getJWTClaimsSet().getIssuer();
    } catch (ParseException e) {
      return null;
    }
    if (issuer == null) {
      return null;
    }
    return spring.convert(new HttpServletRequestWrapper(request) {
      @Override
      public String getParameter(String name) {
        return OAuth2ParameterNames.CLIENT_ID.equals(name) ? issuer : super.getParameter(name);
      }

      @Override
      public Map<String, String[]> getParameterMap() {
        var parameters = new HashMap<>(super.getParameterMap());
        parameters.put(OAuth2ParameterNames.CLIENT_ID, new String[] {issuer});
        return parameters;
      }
    });
  }
}
