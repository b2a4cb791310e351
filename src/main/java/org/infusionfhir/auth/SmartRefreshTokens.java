package org.infusionfhir.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;

/**
 * Refresh tokens as SMART App Launch describes them ("permission-offline", "permission-online"): issued
 * with an authorization code when {@code offline_access} or {@code online_access} was granted, to public
 * apps as well as confidential ones (Spring's own generator never gives one to a public client), and
 * anew on every refresh (rotation: the old one stops working). An {@code offline_access} token lives
 * {@code infusion.auth.refresh-token-lifetime}; an {@code online_access} one only
 * {@code infusion.auth.online-refresh-lifetime}, renewed with each use, so it lapses once the app is no
 * longer used.
 */
final class SmartRefreshTokens implements OAuth2TokenGenerator<OAuth2RefreshToken> {

  static final String OFFLINE = "offline_access";
  static final String ONLINE = "online_access";

  private final SecureRandom random = new SecureRandom();
  private final Duration offlineLifetime;
  private final Duration onlineLifetime;
  private final Clock clock;

  SmartRefreshTokens(AuthProperties props, Clock clock) {
    this.offlineLifetime = props.refreshTokenLifetime();
    this.onlineLifetime = props.onlineRefreshLifetime();
    this.clock = clock;
  }

  @Override
  public OAuth2RefreshToken generate(OAuth2TokenContext context) {
    if (!OAuth2TokenType.REFRESH_TOKEN.equals(context.getTokenType())
        || !context.getRegisteredClient().getAuthorizationGrantTypes().contains(AuthorizationGrantType.REFRESH_TOKEN)) {
      return null;
    }
    // On a refresh the grant is the original authorization's, whatever narrower scope this refresh asked for.
    Set<String> granted = context.getAuthorization() != null
        && AuthorizationGrantType.REFRESH_TOKEN.equals(context.getAuthorizationGrantType())
        ? context.getAuthorization().getAuthorizedScopes() : context.getAuthorizedScopes();
    Duration lifetime;
    if (granted.contains(OFFLINE)) {
      lifetime = offlineLifetime;
    } else if (granted.contains(ONLINE)) {
      lifetime = onlineLifetime;
    } else {
      return null;
    }
    var bytes = new byte[48];
    random.nextBytes(bytes);
    var now = clock.instant();
    return new OAuth2RefreshToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), now,
        now.plus(lifetime));
  }
}
