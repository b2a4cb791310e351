package org.infusionfhir.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionDecoderFactory;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContextHolder;

/**
 * Checks a SMART Backend Services client assertion (private_key_jwt) against the public keys registered
 * with the client in the clients file. Spring's own factory reads keys only from a URL; a clinic's EHR
 * usually registers its JWKS inline. SMART Backend Services also asks that a {@code jti} is never
 * accepted twice while its assertion is valid: the used ones are kept in the database, for every replica.
 */
final class ClientAssertionKeys implements JwtDecoderFactory<RegisteredClient> {

  private static final Set<JWSAlgorithm> ALGORITHMS =
      Set.of(JWSAlgorithm.RS384, JWSAlgorithm.ES384, JWSAlgorithm.RS256, JWSAlgorithm.ES256);

  private final JwtClientAssertionDecoderFactory byUrl = new JwtClientAssertionDecoderFactory();
  private final Map<String, JwtDecoder> decoders = new ConcurrentHashMap<>();
  private final UsedJwtIds usedIds;

  ClientAssertionKeys(UsedJwtIds usedIds) {
    this.usedIds = usedIds;
    byUrl.setJwtValidatorFactory(client -> validator(client));
  }

  @Override
  public JwtDecoder createDecoder(RegisteredClient client) {
    String jwks = client.getClientSettings().getSetting(RegisteredClients.JWKS_SETTING);
    if (jwks == null) {
      return byUrl.createDecoder(client);
    }
    return decoders.computeIfAbsent(client.getClientId(), id -> inline(client, jwks));
  }

  private JwtDecoder inline(RegisteredClient client, String jwks) {
    JWKSet keys;
    try {
      keys = JWKSet.parse(jwks);
    } catch (ParseException e) {
      throw new IllegalStateException("client " + client.getClientId() + ": its jwks is not a JWK set", e);
    }
    var processor = new DefaultJWTProcessor<SecurityContext>();
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<>(keys)));
    var decoder = new NimbusJwtDecoder(processor);
    decoder.setJwtValidator(validator(client));
    return decoder;
  }

  /**
   * SMART Backend Services §"Authenticating to the Token endpoint": iss = sub = client id, aud = the token
   * endpoint URL, exp at most five minutes ahead, and a jti not seen before.
   */
  private OAuth2TokenValidator<Jwt> validator(RegisteredClient client) {
    OAuth2TokenValidator<Jwt> jtiOnce = jwt -> {
      var now = Instant.now();
      if (jwt.getId() == null) {
        return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_client", "the client assertion has no jti", null));
      }
      var expiry = jwt.getExpiresAt() != null ? jwt.getExpiresAt() : now.plusSeconds(300);
      if (!usedIds.firstUse(client.getClientId(), jwt.getId(), expiry)) {
        return OAuth2TokenValidatorResult.failure(
            new OAuth2Error("invalid_client", "the client assertion's jti has been used before", null));
      }
      return OAuth2TokenValidatorResult.success();
    };
    OAuth2TokenValidator<Jwt> claims = jwt -> {
      var now = Instant.now();
      String problem = null;
      if (!client.getClientId().equals(jwt.getClaimAsString("iss"))
          || !client.getClientId().equals(jwt.getSubject())) {
        problem = "iss and sub must both be the client id";
      } else if (jwt.getAudience() == null || jwt.getAudience().stream().noneMatch(this::isTokenEndpoint)) {
        problem = "aud must be this server's token endpoint";
      } else if (jwt.getExpiresAt() == null || jwt.getExpiresAt().isBefore(now.minusSeconds(30))) {
        problem = "the client assertion has expired";
      } else if (jwt.getExpiresAt().isAfter(now.plusSeconds(330))) {
        problem = "the client assertion may be valid for at most five minutes";
      }
      return problem == null ? OAuth2TokenValidatorResult.success()
          : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_client", problem, null));
    };
    return new DelegatingOAuth2TokenValidator<>(claims, jtiOnce);
  }

  /**
   * The token endpoint under this request's issuer: the configured one, else the address the client used
   * (after the trusted-proxy rule), the same one the SMART configuration publishes. Without a configured
   * issuer, an assertion made for another server that registers the same client key could be replayed
   * here by naming that server's host; production set-ups configure the issuer (docs/app-launch.md).
   */
  private boolean isTokenEndpoint(String audience) {
    var context = AuthorizationServerContextHolder.getContext();
    return context != null
        && audience.equals(context.getIssuer() + context.getAuthorizationServerSettings().getTokenEndpoint());
  }
}
