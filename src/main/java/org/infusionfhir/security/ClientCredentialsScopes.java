package org.infusionfhir.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationToken;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * A client_credentials request with its scopes narrowed to what the client may have
 * ({@link ScopeNarrowing}). Spring's own converter passes the scopes on as asked, and its validator refuses
 * the whole request for one scope that is not literally registered, v2 forms of v1 registrations included.
 */
final class ClientCredentialsScopes implements AuthenticationConverter {

  private static final Set<String> NOT_ADDITIONAL = Set.of(OAuth2ParameterNames.GRANT_TYPE,
      OAuth2ParameterNames.SCOPE, OAuth2ParameterNames.CLIENT_ID, OAuth2ParameterNames.CLIENT_SECRET,
      OAuth2ParameterNames.CLIENT_ASSERTION, OAuth2ParameterNames.CLIENT_ASSERTION_TYPE);

  @Override
  public Authentication convert(HttpServletRequest request) {
    if (!AuthorizationGrantType.CLIENT_CREDENTIALS.getValue()
        .equals(request.getParameter(OAuth2ParameterNames.GRANT_TYPE))) {
      return null;
    }
    if (!(SecurityContextHolder.getContext().getAuthentication() instanceof OAuth2ClientAuthenticationToken client)
        || client.getRegisteredClient() == null) {
      return null;
    }
    var scopeValues = request.getParameterValues(OAuth2ParameterNames.SCOPE);
    if (scopeValues != null && scopeValues.length > 1) {
      throw error(OAuth2ErrorCodes.INVALID_REQUEST, "the scope parameter was sent more than once");
    }
    var asked = scopeValues == null || scopeValues[0].isBlank() ? List.<String>of()
        : Arrays.asList(scopeValues[0].trim().split("\\s+"));
    var registered = client.getRegisteredClient().getScopes();
    if (asked.isEmpty()) {
      throw error(OAuth2ErrorCodes.INVALID_SCOPE, "no scope was asked for; client "
          + client.getRegisteredClient().getClientId() + " may ask for " + String.join(" ", registered));
    }
    var granted = ScopeNarrowing.grant(asked, registered);
    if (granted.isEmpty()) {
      throw error(OAuth2ErrorCodes.INVALID_SCOPE, "none of the scopes asked for (" + String.join(" ", asked)
          + ") is allowed to client " + client.getRegisteredClient().getClientId() + ", which may ask for "
          + String.join(" ", registered));
    }
    Map<String, Object> additional = new HashMap<>();
    request.getParameterMap().forEach((name, values) -> {
      if (!NOT_ADDITIONAL.contains(name)) {
        additional.put(name, values.length == 1 ? values[0] : values);
      }
    });
    return new OAuth2ClientCredentialsAuthenticationToken(client, granted, additional);
  }

  /**
   * Replaces Spring's literal-match check: what reaches the provider was narrowed above, so it only
   * confirms that nothing beyond the registration got through another converter.
   */
  static Consumer<OAuth2ClientCredentialsAuthenticationContext> validator() {
    return context -> {
      var asked = context.<OAuth2ClientCredentialsAuthenticationToken>getAuthentication().getScopes();
      var granted = ScopeNarrowing.grant(asked, context.getRegisteredClient().getScopes());
      if (asked.isEmpty() || !granted.containsAll(asked)) {
        throw error(OAuth2ErrorCodes.INVALID_SCOPE, "the scopes " + asked + " are not all allowed to client "
            + context.getRegisteredClient().getClientId());
      }
    };
  }

  private static OAuth2AuthenticationException error(String code, String description) {
    return new OAuth2AuthenticationException(new OAuth2Error(code, description, null));
  }
}
