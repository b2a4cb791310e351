package org.infusionfhir.auth;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * A public app's refresh request ({@code grant_type=refresh_token}, {@code client_id}, no secret), which
 * Spring Authorization Server's client authentication does not recognise (it knows public clients only by
 * their PKCE verifier). The client is identified, not authenticated: the refresh token itself is the
 * proof, and Spring then checks that it was issued to that client (RFC 6749 §6, OAuth 2.1 §4.3.1).
 * Confidential clients cannot use this path: theirs must authenticate. The same holds for a public app's
 * revocation request ({@code POST /oauth2/revoke} with {@code client_id}), RFC 7009 §2.1.
 */
final class PublicClientRefresh implements AuthenticationConverter, AuthenticationProvider {

  private final RegisteredClientRepository clients;

  PublicClientRefresh(RegisteredClientRepository clients) {
    this.clients = clients;
  }

  @Override
  public Authentication convert(HttpServletRequest request) {
    if (!"POST".equals(request.getMethod())
        || !(AuthorizationGrantType.REFRESH_TOKEN.getValue().equals(request.getParameter(OAuth2ParameterNames.GRANT_TYPE))
            || isRevocation(request))
        || request.getHeader("Authorization") != null
        || request.getParameter(OAuth2ParameterNames.CLIENT_SECRET) != null
        || request.getParameter(OAuth2ParameterNames.CLIENT_ASSERTION) != null) {
      return null;
    }
    var clientIds = request.getParameterValues(OAuth2ParameterNames.CLIENT_ID);
    if (clientIds == null || clientIds.length != 1 || clientIds[0].isBlank()) {
      return null;
    }
    return new OAuth2ClientAuthenticationToken(clientIds[0], ClientAuthenticationMethod.NONE, null, null);
  }

  @Override
  public Authentication authenticate(Authentication authentication) {
    var asked = (OAuth2ClientAuthenticationToken) authentication;
    if (!ClientAuthenticationMethod.NONE.equals(asked.getClientAuthenticationMethod())
        || !(AuthorizationGrantType.REFRESH_TOKEN.getValue().equals(refreshGrant())
            || isRevocation(AuthServerConfig.currentRequest()))) {
      return null;
    }
    var client = clients.findByClientId((String) asked.getPrincipal());
    if (client == null || !client.getClientAuthenticationMethods().contains(ClientAuthenticationMethod.NONE)) {
      throw new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT,
          "client_id is not a registered public app; a confidential app authenticates itself", null));
    }
    return new OAuth2ClientAuthenticationToken(client, ClientAuthenticationMethod.NONE, null);
  }

  /**
   * RFC 7009 §2.1: a public app revokes its tokens naming only its client_id (the workspace does so when its
   * user signs out); Spring's revocation then still refuses a token issued to another client.
   */
  private static boolean isRevocation(HttpServletRequest request) {
    return request != null && "POST".equals(request.getMethod()) && request.getRequestURI().endsWith("/oauth2/revoke");
  }

  /** The grant of the token request being authenticated (the provider sees the token, not the request). */
  private static String refreshGrant() {
    var request = AuthServerConfig.currentRequest();
    return request != null ? request.getParameter(OAuth2ParameterNames.GRANT_TYPE) : null;
  }

  @Override
  public boolean supports(Class<?> authentication) {
    return OAuth2ClientAuthenticationToken.class.isAssignableFrom(authentication);
  }
}
