package org.infusionfhir.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * Signs access tokens with the embedded issuer's key, without a token request: the {@code token} command
 * for local use and the tests. They carry the same claims as tokens from the embedded server's token
 * endpoint.
 */
public final class LocalTokens {

  /** The {@code sub} of tokens made by the {@code token} command. */
  public static final String LOCAL_SUBJECT = "local-token-command";

  private final SecurityProperties props;
  private final NimbusJwtEncoder encoder;

  public LocalTokens(SecurityProperties props) {
    this(props, IssuerKey.loadOrCreate(props.embedded().keyFile()));
  }

  LocalTokens(SecurityProperties props, RSAKey key) {
    this.props = props;
    this.encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key)));
  }

  /** A token for {@code scope} (space-separated), held to {@code patient} when it is not null. */
  public String issue(String subject, String scope, String patient) {
    return sign(claims(subject, scope, patient).build());
  }

  /** The claims {@link #issue} signs, for callers that change one (tests of rejected tokens). */
  public JwtClaimsSet.Builder claims(String subject, String scope, String patient) {
    var now = Instant.now();
    var claims = JwtClaimsSet.builder()
        .issuer(props.embedded().issuerOrLocal())
        .subject(subject)
        .audience(List.of(props.audience()))
        .issuedAt(now)
        .notBefore(now)
        .expiresAt(now.plus(props.embedded().tokenLifetime()))
        .id(UUID.randomUUID().toString())
        .claim("client_id", subject)
        .claim("scope", scope);
    if (patient != null) {
      claims.claim(SmartScopes.PATIENT_CLAIM, patient);
    }
    return claims;
  }

  public String sign(JwtClaimsSet claims) {
    return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(SignatureAlgorithm.RS256).build(), claims))
        .getTokenValue();
  }
}
