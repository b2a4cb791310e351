package org.infusionfhir.security;

import com.nimbusds.jose.JOSEException;
import java.time.Instant;
import java.util.ArrayList;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.infusionfhir.security.SmartScope.Permission;
import org.infusionfhir.server.FhirServerConfig;
import org.infusionfhir.server.OperationOutcomeResponses;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * Who may call what: bearer JWTs on the FHIR API, the HL7 v2 HTTP endpoint and the intake; the
 * CapabilityStatement, the SMART configuration and health checks open; CORS closed unless configured;
 * security headers on every answer.
 */
// Commands (load) run without a web server, and so without filter chains.
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Configuration
public class SecurityConfig {

  /** The types an HL7 v2 monitor report writes: vitals, the monitor, where they came from, new patients. */
  static final List<String> HL7V2_WRITES = List.of("Observation", "Device", "Provenance", "Patient");
  /** The types one intake session record writes, creating or replacing them at their own ids. */
  static final List<String> INTAKE_WRITES = List.of("Patient", "Encounter", "Procedure",
      "MedicationAdministration", "Observation", "AdverseEvent", "Provenance");

  @Bean
  @Order(2)
  SecurityFilterChain apiSecurity(HttpSecurity http, SecurityProperties props,
      OperationOutcomeResponses responses) throws Exception {
    var errors = new BearerTokenErrors(responses, "infusion-fhir");
    http.csrf(AbstractHttpConfigurer::disable)
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .cors(AbstractHttpConfigurer::disable)
        .addFilterAt(CorsRefusal.filter(cors(props), responses), CorsFilter.class)
        .headers(h -> h
            .contentSecurityPolicy(csp -> csp.policyDirectives(
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                    + "object-src 'none'; frame-ancestors 'none'; base-uri 'none'"))
            .referrerPolicy(r -> r.policy(ReferrerPolicy.NO_REFERRER)))
        .exceptionHandling(e -> e.authenticationEntryPoint(errors).accessDeniedHandler(errors));
    if (!props.enabled()) {
      http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
      return http.build();
    }
    http.oauth2ResourceServer(o -> o.jwt(jwt -> {}).authenticationEntryPoint(errors).accessDeniedHandler(errors))
        .authorizeHttpRequests(a -> a
            .requestMatchers(HttpMethod.OPTIONS, "/fhir/**").permitAll()
            .requestMatchers("/fhir/metadata", "/fhir/.well-known/smart-configuration").permitAll()
            .requestMatchers("/fhir", "/fhir/**").authenticated()
            .requestMatchers("/hl7v2", "/hl7v2/**").access(writes(HL7V2_WRITES, Permission.CREATE))
            .requestMatchers("/intake", "/intake/**")
                .access(writes(INTAKE_WRITES, Permission.CREATE, Permission.UPDATE))
            .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info").permitAll()
            .requestMatchers("/actuator/**").authenticated()
            // The EHR launch endpoint answers 401 and 403 itself, in OAuth's error format.
            .requestMatchers(HttpMethod.POST, "/launch").permitAll()
            // Spring's error page, where a failed request is forwarded to be answered.
            .requestMatchers("/error").permitAll()
            // A path not named above is no path of this server: refused, not served by whatever maps it.
            .anyRequest().denyAll());
    return http.build();
  }

  /**
   * CDS Hooks ({@code /cds-services}): HAPI's controller checks nothing, so the EHR's signed JWT is checked
   * here (CdsHooksClientJwt) before any service runs, unless security is switched off.
   */
  /** The jti of every signed client JWT, in the database so that no replica accepts a replay. */
  @Bean
  UsedJwtIds usedJwtIds(javax.sql.DataSource dataSource,
      org.infusionfhir.server.storage.DatabaseSchema schemaFirst) {
    return new UsedJwtIds(dataSource);
  }

  @Bean
  @Order(1)
  SecurityFilterChain cdsHooksSecurity(HttpSecurity http, SecurityProperties props,
      ObjectProvider<RegisteredClientRepository> registered, UsedJwtIds usedIds) throws Exception {
    http.securityMatcher("/cds-services", "/cds-services/**")
        .csrf(AbstractHttpConfigurer::disable)
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(a -> a.anyRequest().permitAll());
    if (props.enabled()) {
      var clients = registered.getIfAvailable(
          () -> RegisteredClients.read(props.embedded().clientsFile(), props.embedded().tokenLifetime()));
      http.addFilterBefore(new CdsHooksClientJwt(clients, usedIds), AuthorizationFilter.class);
    }
    return http.build();
  }

  /** Allows a token whose user or system scopes give every one of {@code permissions} on every type. */
  private static AuthorizationManager<RequestAuthorizationContext> writes(List<String> types,
      Permission... permissions) {
    return (Supplier<Authentication> authentication, RequestAuthorizationContext context) -> {
      if (!(authentication.get() instanceof JwtAuthenticationToken token)) {
        return new AuthorizationDecision(false);
      }
      var scopes = SmartScopes.of(token.getToken());
      return new AuthorizationDecision(types.stream().allMatch(type ->
          List.of(permissions).stream().allMatch(p -> scopes.allowsBeyondOnePatient(type, p))));
    };
  }

  /**
   * CORS for the FHIR API only, and only for the configured origins. Matched on the servlet path plus
   * path info: Spring's UrlBasedCorsConfigurationSource looks requests up by their path within the
   * servlet mapping, which for the FHIR servlet ({@code /fhir/*}) is {@code /Patient}, so a pattern such
   * as {@code /fhir/**} never matched and configured origins were refused too.
   */
  static CorsConfigurationSource cors(SecurityProperties props) {
    if (props.corsAllowedOrigins().isEmpty()) {
      return request -> null;
    }
    var cors = new CorsConfiguration();
    cors.setAllowedOrigins(props.corsAllowedOrigins());
    cors.setAllowedMethods(List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"));
    cors.setAllowedHeaders(List.of("Authorization", "Content-Type", "Accept", "If-Match", "If-None-Exist",
        "If-None-Match", "If-Modified-Since", "Prefer", "X-Request-Id"));
    cors.setExposedHeaders(List.of("Location", "Content-Location", "ETag", "Last-Modified", "X-Progress",
        "Retry-After", "X-Request-Id"));
    cors.setMaxAge(3600L);
    return request -> {
      var path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
      return path.equals(FhirServerConfig.FHIR_PATH) || path.startsWith(FhirServerConfig.FHIR_PATH + "/") ? cors : null;
    };
  }


  /**
   * Checks signature (the embedded issuer's key, or the external issuer's JWKS), issuer, audience and
   * expiry with a small clock skew.
   */
  @Bean
  JwtDecoder jwtDecoder(SecurityProperties props, ObjectProvider<RevocationList> revocations)
      throws JOSEException {
    NimbusJwtDecoder decoder;
    if (props.embeddedIssuer()) {
      var key = IssuerKey.loadOrCreate(props.embedded().keyFile());
      decoder = NimbusJwtDecoder.withPublicKey(key.toRSAPublicKey()).signatureAlgorithm(SignatureAlgorithm.RS256)
          .build();
    } else if (props.jwkSetUri() != null && !props.jwkSetUri().isBlank()) {
      decoder = NimbusJwtDecoder.withJwkSetUri(props.jwkSetUri())
          .jwsAlgorithms(algs -> algs.addAll(List.of(SignatureAlgorithm.RS256, SignatureAlgorithm.RS384,
              SignatureAlgorithm.ES256, SignatureAlgorithm.ES384)))
          .build();
    } else {
      // Discovery at the first token, not at start-up: the server starts while the issuer is down.
      return new SupplierJwtDecoder(() -> {
        var discovered = (NimbusJwtDecoder) JwtDecoders.fromIssuerLocation(props.issuerUri());
        withValidators(discovered, props);
        return discovered;
      });
    }
    var revoked = revocations.getIfAvailable();
    var checked = withValidators(decoder, props);
    if (props.embeddedIssuer() && props.expectedIssuer() == null) {
      checked = new DelegatingOAuth2TokenValidator<>(checked, new RequestIssuerValidator());
      decoder.setJwtValidator(checked);
    }
    if (revoked != null) {
      // After the signature and expiry checks: only a token otherwise valid costs a database lookup.
      decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(checked, jwt ->
          jwt.getId() != null && revoked.isRevoked(jwt.getId())
              ? OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "the access token was revoked", null))
              : OAuth2TokenValidatorResult.success()));
    }
    return decoder;
  }

  private static OAuth2TokenValidator<Jwt> withValidators(NimbusJwtDecoder decoder, SecurityProperties props) {
    var validator = validators(props);
    decoder.setJwtValidator(validator);
    return validator;
  }

  private static OAuth2TokenValidator<Jwt> validators(SecurityProperties props) {
    var validators = new ArrayList<OAuth2TokenValidator<Jwt>>(List.of(
        new JwtTimestampValidator(props.clockSkew()),
        new JwtClaimValidator<Instant>(JwtClaimNames.EXP, Objects::nonNull),
        new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
            aud -> aud != null && aud.contains(props.audience()))));
    // An embedded issuer without a configured address signs with the address each client used; the
    // issuer is then checked against this request (RequestIssuerValidator).
    if (props.expectedIssuer() != null) {
      validators.add(new JwtIssuerValidator(props.expectedIssuer()));
    }
    return new DelegatingOAuth2TokenValidator<>(validators);
  }
}
