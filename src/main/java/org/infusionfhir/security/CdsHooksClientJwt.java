package org.infusionfhir.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * CDS Hooks 2.0 §"Trusting CDS Clients": a service call carries {@code Authorization: Bearer <JWT>} signed
 * by a key of the calling EHR, with {@code iss} and {@code sub} naming it, {@code aud} the service's URL,
 * {@code exp} at most five minutes ahead and a {@code jti} used once. The EHR is a client of the clients
 * file with a JWK set ({@code jwks} or {@code jwksUrl}) and a system read scope that covers DetectedIssue
 * (the cards show a patient's safety alerts). Anything else is answered 401 with a JSON reason. Discovery
 * ({@code GET /cds-services}) is public, as the specification has it.
 */
public final class CdsHooksClientJwt extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(CdsHooksClientJwt.class);
  private static final Set<JWSAlgorithm> ALGORITHMS =
      Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.ES256, JWSAlgorithm.ES384);
  private static final long MAX_LIFETIME_SECONDS = 330;
  private static final long SKEW_SECONDS = 30;

  private final RegisteredClientRepository clients;
  private final Map<String, DefaultJWTProcessor<SecurityContext>> processors = new ConcurrentHashMap<>();
  private final UsedJwtIds usedIds;

  public CdsHooksClientJwt(RegisteredClientRepository clients, UsedJwtIds usedIds) {
    this.clients = clients;
    this.usedIds = usedIds;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    // Discovery and CORS preflights need no token.
    return !"POST".equals(request.getMethod());
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    var header = request.getHeader("Authorization");
    String problem;
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      problem = "a CDS Hooks call carries a JWT signed by the EHR (Authorization: Bearer ...)";
    } else {
      problem = check(header.substring(7).trim(), serviceUrl(request));
    }
    if (problem != null) {
      log.info("CDS Hooks call {} refused: {}", request.getRequestURI(), problem);
      response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
      response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      response.setContentType("application/json");
      response.getWriter().write("{\"error\":\"invalid_token\",\"error_description\":\""
          + problem.replace("\\", "\\\\").replace("\"", "'") + "\"}");
      return;
    }
    chain.doFilter(request, response);
  }

  /** The service's URL as the EHR addressed it: this request's, without {@code /feedback}. */
  private static String serviceUrl(HttpServletRequest request) {
    var url = request.getRequestURL().toString();
    return url.endsWith("/feedback") ? url.substring(0, url.length() - "/feedback".length()) : url;
  }

  /** Null when the token is good; else what is wrong with it. */
  String check(String token, String serviceUrl) {
    try {
      var unverified = JWTParser.parse(token).getJWTClaimsSet();
      var issuer = unverified.getIssuer();
      var subject = unverified.getSubject();
      var client = subject != null ? clients.findByClientId(subject) : null;
      if (client == null && issuer != null) {
        client = clients.findByClientId(issuer);
      }
      if (client == null) {
        return "neither sub nor iss names a registered EHR";
      }
      if (!mayReadAlerts(client)) {
        return client.getClientId() + " is not registered with a system read scope covering DetectedIssue";
      }
      var processor = processor(client);
      if (processor == null) {
        return client.getClientId() + " has no registered JWK set to verify its calls with";
      }
      var claims = processor.process(token, null);
      var now = Instant.now();
      if (claims.getAudience() == null || claims.getAudience().stream().noneMatch(a -> sameUrl(a, serviceUrl))) {
        return "aud must be this service's URL " + serviceUrl;
      }
      if (claims.getExpirationTime() == null || claims.getExpirationTime().toInstant().isBefore(now.minusSeconds(SKEW_SECONDS))) {
        return "the JWT has expired, or has no exp";
      }
      if (claims.getExpirationTime().toInstant().isAfter(now.plusSeconds(MAX_LIFETIME_SECONDS))) {
        return "the JWT may be valid for at most five minutes";
      }
      if (claims.getJWTID() == null) {
        return "the JWT has no jti";
      }
      if (!usedIds.firstUse(client.getClientId(), claims.getJWTID(), claims.getExpirationTime().toInstant())) {
        return "the JWT's jti has been used before";
      }
      return null;
    } catch (ParseException e) {
      return "the bearer token is not a JWT: " + e.getMessage();
    } catch (Exception e) {
      return "the JWT's signature does not verify with the EHR's registered keys: " + e.getMessage();
    }
  }

  private static boolean sameUrl(String a, String b) {
    return a.equals(b) || a.equals(b + "/") || (a + "/").equals(b);
  }

  private static boolean mayReadAlerts(RegisteredClient client) {
    return client.getScopes().stream().map(SmartScope::parse).flatMap(java.util.Optional::stream)
        .anyMatch(s -> s.context() == SmartScope.Context.SYSTEM && s.filter() == null && s.covers("DetectedIssue")
            && s.allows(SmartScope.Permission.READ));
  }

  private DefaultJWTProcessor<SecurityContext> processor(RegisteredClient client) {
    return processors.computeIfAbsent(client.getClientId(), id -> {
      String jwks = client.getClientSettings().getSetting(RegisteredClients.JWKS_SETTING);
      var url = client.getClientSettings().getJwkSetUrl();
      var processor = new DefaultJWTProcessor<SecurityContext>();
      // The claims are checked above, against this service's own rules.
      processor.setJWTClaimsSetVerifier((claims, context) -> { });
      try {
        if (jwks != null) {
          processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<>(JWKSet.parse(jwks))));
        } else if (url != null) {
          processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS,
              JWKSourceBuilder.<SecurityContext>create(URI.create(url).toURL()).build()));
        } else {
          return null;
        }
      } catch (ParseException | MalformedURLException e) {
        throw new IllegalStateException("client " + id + ": its JWK set cannot be read", e);
      }
      return processor;
    });
  }
}
