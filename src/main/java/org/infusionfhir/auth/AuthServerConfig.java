package org.infusionfhir.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.time.Clock;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.infusionfhir.security.AuthorizationServerExtension;
import org.infusionfhir.security.OAuthErrorResponses;
import org.infusionfhir.security.RegisteredClients;
import org.infusionfhir.security.ScopeNarrowing;
import org.infusionfhir.security.SignInAudit;
import org.infusionfhir.security.SignInAudit.Step;
import org.infusionfhir.security.SecurityProperties;
import org.infusionfhir.security.SmartScope;
import org.infusionfhir.security.SmartScope.Context;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationConsentAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationConsentAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationConsentAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContextHolder;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.core.OAuth2Token;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.AuthenticationConverter;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The user-facing side of the embedded authorization server (SMART App Launch): user accounts, sign-in
 * and consent pages, the authorization endpoint's checks, launch contexts, and Spring Authorization
 * Server's JDBC services on the FHIR database, so that any replica can serve any step and a revocation
 * holds everywhere.
 */
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Configuration
@ConditionalOnExpression("${infusion.security.enabled:true} and '${infusion.security.issuer-uri:}'.isBlank()")
public class AuthServerConfig {

  static final String SIGN_IN = "/auth/sign-in";
  static final String CONSENT = "/auth/consent";
  static final String SIGN_OUT = "/auth/sign-out";

  @Bean
  UserAccounts userAccounts(DataSource dataSource, AuthProperties props,
      org.infusionfhir.server.storage.DatabaseSchema schemaFirst) {
    return new UserAccounts(dataSource, props);
  }

  @Bean
  RevokedTokens revokedTokens(DataSource dataSource, UserAccounts schemaFirst) {
    return new RevokedTokens(dataSource);
  }

  @Bean
  LaunchContexts launchContexts(DataSource dataSource, AuthProperties props, UserAccounts schemaFirst) {
    return new LaunchContexts(dataSource, props.launchLifetime(), Clock.systemUTC());
  }

  @Bean
  OAuth2AuthorizationService authorizations(DataSource dataSource, RegisteredClientRepository clients,
      LaunchContexts launches, RevokedTokens revoked) {
    return new LaunchAwareAuthorizations(new JdbcOAuth2AuthorizationService(new JdbcTemplate(dataSource), clients),
        launches, revoked);
  }

  @Bean
  OAuth2AuthorizationConsentService consents(DataSource dataSource, RegisteredClientRepository clients,
      UserAccounts schemaFirst) {
    return new JdbcOAuth2AuthorizationConsentService(new JdbcTemplate(dataSource), clients);
  }

  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> smartClaims(SecurityProperties props, UserAccounts users) {
    return new SmartTokenClaims(props, users);
  }

  /**
   * Signed JWTs (access and ID tokens, with SMART's claims) and SMART's refresh tokens. Replaces Spring's
   * default generator, which gives public apps no refresh token.
   */
  @Bean
  OAuth2TokenGenerator<OAuth2Token> tokenGenerator(JWKSource<SecurityContext> issuerKeys,
      OAuth2TokenCustomizer<JwtEncodingContext> smartClaims, AuthProperties props) {
    var jwts = new JwtGenerator(new NimbusJwtEncoder(issuerKeys));
    jwts.setJwtCustomizer(smartClaims);
    return new DelegatingOAuth2TokenGenerator(jwts, new SmartRefreshTokens(props, Clock.systemUTC()));
  }

  /** The authorization endpoint, OpenID Connect, and the token response, on the authorization server's chain. */
  @Bean
  AuthorizationServerExtension appLaunch(RegisteredClientRepository clients, LaunchContexts launches,
      OAuth2AuthorizationService authorizations, SignInAudit audit) {
    var errors = new OAuthErrorResponses();
    var publicRefresh = new PublicClientRefresh(clients);
    return (http, server) -> {
      server
          .clientAuthentication(c -> c.authenticationConverter(publicRefresh).authenticationProvider(publicRefresh))
          .authorizationEndpoint(a -> a
              .consentPage(CONSENT)
              .authorizationRequestConverters(converters -> converters.replaceAll(c -> narrowing(c, clients)))
              .authenticationProviders(providers -> providers.forEach(p -> {
                if (p instanceof OAuth2AuthorizationCodeRequestAuthenticationProvider request) {
                  request.setAuthenticationValidator(authorizationRequestChecks(launches));
                } else if (p instanceof OAuth2AuthorizationConsentAuthenticationProvider consent) {
                  consent.setAuthorizationConsentCustomizer(context -> consentDecision(context, audit));
                }
              })))
          .tokenEndpoint(t -> t.accessTokenResponseHandler(new SmartTokenResponse(audit)))
          .tokenIntrospectionEndpoint(i -> i.errorResponseHandler(errors))
          .tokenRevocationEndpoint(r -> r.errorResponseHandler(errors)
              .revocationResponseHandler(new RevocationResponse(authorizations, audit)))
          .oidc(Customizer.withDefaults());
      // Spring keeps only GET requests for after the sign-in; an authorization request may also be a form
      // post (SMART "authorize-post"), which SignInSteps then replays as a GET.
      var savedRequests = new HttpSessionRequestCache();
      savedRequests.setRequestMatcher(request -> "GET".equals(request.getMethod())
          || ("POST".equals(request.getMethod()) && request.getParameter("response_type") != null));
      http.requestCache(c -> c.requestCache(savedRequests));
      http.exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(
          new LoginUrlAuthenticationEntryPoint(SIGN_IN), request -> request.getRequestURI().endsWith("/oauth2/authorize")))
          // The consent form posts to the authorization endpoint: it carries the session's CSRF token.
          // Authorization requests themselves (with response_type) come from apps and carry none.
          .csrf(c -> c.requireCsrfProtectionMatcher(AuthServerConfig::isConsentSubmission));
    };
  }

  private static boolean isConsentSubmission(HttpServletRequest request) {
    return "POST".equals(request.getMethod()) && request.getRequestURI().endsWith("/oauth2/authorize")
        && request.getParameter("response_type") == null;
  }

  /** Scopes the app may not have are dropped before anything else sees the request (ScopeNarrowing). */
  private static AuthenticationConverter narrowing(AuthenticationConverter delegate, RegisteredClientRepository clients) {
    return request -> {
      var converted = delegate.convert(request);
      if (!(converted instanceof OAuth2AuthorizationCodeRequestAuthenticationToken asked)) {
        return converted;
      }
      var client = clients.findByClientId(asked.getClientId());
      if (client == null || asked.getScopes().isEmpty()) {
        return converted;
      }
      var granted = ScopeNarrowing.grant(asked.getScopes(), client.getScopes());
      if (granted.isEmpty() || granted.equals(asked.getScopes())) {
        return converted;
      }
      return new OAuth2AuthorizationCodeRequestAuthenticationToken(asked.getAuthorizationUri(), asked.getClientId(),
          (Authentication) asked.getPrincipal(), asked.getRedirectUri(), asked.getState(), granted,
          asked.getAdditionalParameters());
    };
  }

  /**
   * Spring's redirect_uri check (an unregistered one is answered with an error page, never a redirect),
   * then SMART's: {@code aud} is this server's FHIR base, some scope is allowed, and a {@code launch} value
   * is known, unexpired and issued for this app.
   */
  private static Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext> authorizationRequestChecks(
      LaunchContexts launches) {
    return ((Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext>) AuthServerConfig::redirectUriCheck).andThen(context -> {
      OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
      var client = context.getRegisteredClient();
      var fhirBase = AuthorizationServerContextHolder.getContext().getIssuer() + "/fhir";
      var aud = request.getAdditionalParameters().get("aud");
      if (aud == null || !(fhirBase.equals(aud) || (fhirBase + "/").equals(aud))) {
        throw refusal(OAuth2ErrorCodes.INVALID_REQUEST, "aud must be this server's FHIR base URL " + fhirBase
            + (aud == null ? "; the request has none" : ", not " + aud), request);
      }
      var granted = ScopeNarrowing.grant(request.getScopes(), client.getScopes());
      if (request.getScopes().isEmpty() || granted.isEmpty()) {
        throw refusal(OAuth2ErrorCodes.INVALID_SCOPE, "none of the scopes asked for (" + String.join(" ",
            request.getScopes()) + ") is registered for " + client.getClientId(), request);
      }
      if (request.getAdditionalParameters().get("launch") instanceof String launch
          && launches.peek(launch, client.getClientId()).isEmpty()) {
        throw refusal(OAuth2ErrorCodes.INVALID_REQUEST, "the launch value is unknown, expired, used, or for another app",
            request);
      }
    });
  }

  /**
   * Spring's exact comparison, except for an app whose registered redirect URI is a path on this server
   * ({@code /} for the workspace): there {@code <issuer><path>} is the registered URI, the issuer being the
   * configured one or, when none is, the address this request reached (as for discovery and {@code aud}).
   */
  private static void redirectUriCheck(OAuth2AuthorizationCodeRequestAuthenticationContext context) {
    var client = context.getRegisteredClient();
    OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
    if (Boolean.TRUE.equals(client.getClientSettings().getSetting(RegisteredClients.SAME_ORIGIN_REDIRECT_SETTING))
        && request.getRedirectUri() != null) {
      var issuer = AuthorizationServerContextHolder.getContext().getIssuer();
      if (client.getRedirectUris().stream().anyMatch(path -> path.startsWith("/")
          && request.getRedirectUri().equals(issuer + path))) {
        return;
      }
    }
    OAuth2AuthorizationCodeRequestAuthenticationValidator.DEFAULT_REDIRECT_URI_VALIDATOR.accept(context);
  }

  private static OAuth2AuthorizationCodeRequestAuthenticationException refusal(String code, String description,
      OAuth2AuthorizationCodeRequestAuthenticationToken request) {
    return new OAuth2AuthorizationCodeRequestAuthenticationException(new OAuth2Error(code, description, null), request);
  }

  /**
   * What the user decided on the consent page: "deny" grants nothing (Spring then answers access_denied
   * to the app); a patient user never grants user/ or system/ scopes, whatever the app asked for.
   */
  private static void consentDecision(OAuth2AuthorizationConsentAuthenticationContext context, SignInAudit audit) {
    OAuth2AuthorizationConsentAuthenticationToken submitted = context.getAuthentication();
    Authentication user = context.getAuthorization().getAttribute(Principal.class.getName());
    boolean denied = submitted.getAdditionalParameters().containsKey("deny");
    boolean patientUser = SignedInUser.isPatient(user);
    var granted = new java.util.TreeSet<String>();
    context.getAuthorizationConsent().authorities(authorities -> {
      if (denied) {
        authorities.clear();
        return;
      }
      if (patientUser) {
        authorities.removeIf(a -> beyondOnePatient(a));
      }
      authorities.forEach(a -> granted.add(a.getAuthority().replaceFirst("^SCOPE_", "")));
    });
    var fhirUser = SignedInUser.fhirUser(user).orElse(null);
    var patient = fhirUser != null && fhirUser.startsWith("Patient/") ? fhirUser.substring("Patient/".length()) : null;
    audit.record(new SignInAudit.Record(denied ? Step.CONSENT_DENIED : Step.CONSENT_GRANTED, user.getName(), fhirUser,
        context.getRegisteredClient().getClientId(), patient, null,
        denied ? "denied" : "granted: " + String.join(" ", granted)), currentRequest());
  }

  static HttpServletRequest currentRequest() {
    return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
        ? attributes.getRequest() : null;
  }

  private static boolean beyondOnePatient(GrantedAuthority authority) {
    var name = authority.getAuthority();
    return name.startsWith("SCOPE_") && SmartScope.parse(name.substring("SCOPE_".length()))
        .map(s -> s.context() != Context.PATIENT).orElse(false);
  }

  /** Sign-in, sign-out, consent and the picker: sessions, CSRF, no framing. */
  @Bean
  @Order(1)
  SecurityFilterChain signInPages(HttpSecurity http, UserAccounts users, SignInAudit audit) throws Exception {
    var signedIn = new SignInSteps(audit, SIGN_IN + "?error");
    http.securityMatcher("/auth/**")
        .authenticationProvider(new PasswordSignIn(users))
        .authorizeHttpRequests(a -> a
            .requestMatchers(SIGN_IN, AdminUsersEndpoint.PATH).permitAll()
            .anyRequest().authenticated())
        .formLogin(f -> f.loginPage(SIGN_IN).loginProcessingUrl(SIGN_IN)
            .successHandler(signedIn).failureHandler(signedIn))
        .logout(l -> l.logoutUrl(SIGN_OUT).logoutSuccessUrl(SIGN_IN + "?signed-out").addLogoutHandler(signedIn))
        .csrf(c -> c.ignoringRequestMatchers(AdminUsersEndpoint.PATH))
        .headers(h -> h
            .frameOptions(f -> f.deny())
            .contentSecurityPolicy(csp -> csp.policyDirectives(
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"))
            .cacheControl(Customizer.withDefaults()));
    return http.build();
  }

}
