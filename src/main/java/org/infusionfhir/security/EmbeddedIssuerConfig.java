package org.infusionfhir.security;

import org.springframework.beans.factory.ObjectProvider;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The embedded authorization server (Spring Authorization Server) for the embedded set-up: the
 * client_credentials grant for the clients of the clients file, at {@code /oauth2/token}, with its keys at
 * {@code /oauth2/jwks}. Off when an external issuer is named ({@code infusion.security.issuer-uri}).
 */
// Commands (load) run without a web server, and so without filter chains.
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Configuration
@ConditionalOnExpression("${infusion.security.enabled:true} and '${infusion.security.issuer-uri:}'.isBlank()")
public class EmbeddedIssuerConfig {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedIssuerConfig.class);

  @Bean
  @Order(1)
  SecurityFilterChain authorizationServerSecurity(HttpSecurity http,
      List<AuthorizationServerExtension> extensions, UsedJwtIds usedIds) throws Exception {
    var server = OAuth2AuthorizationServerConfigurer.authorizationServer();
    var assertionKeys = new ClientAssertionKeys(usedIds);
    var errors = new OAuthErrorResponses();
    http.securityMatcher(server.getEndpointsMatcher())
        .with(server, s -> s
            .clientAuthentication(c -> c
                .authenticationConverter(new BackendServicesClientId())
                .errorResponseHandler(errors)
                .authenticationProviders(providers ->
                    providers.stream().filter(JwtClientAssertionAuthenticationProvider.class::isInstance)
                        .map(JwtClientAssertionAuthenticationProvider.class::cast)
                        .forEach(p -> p.setJwtDecoderFactory(assertionKeys))))
            .tokenEndpoint(t -> t
                .accessTokenRequestConverter(new ClientCredentialsScopes())
                .errorResponseHandler(errors)
                .authenticationProviders(providers ->
                    providers.stream().filter(OAuth2ClientCredentialsAuthenticationProvider.class::isInstance)
                        .map(OAuth2ClientCredentialsAuthenticationProvider.class::cast)
                        .forEach(p -> p.setAuthenticationValidator(ClientCredentialsScopes.validator())))))
        .authorizeHttpRequests(a -> a.anyRequest().authenticated())
        // A token, introspection or revocation request that carries no client authentication at all gets
        // RFC 6749's invalid_client in JSON, not a bare 401.
        .exceptionHandling(e -> e.defaultAuthenticationEntryPointFor((request, response, unauthenticated) ->
            errors.onAuthenticationFailure(request, response, new OAuth2AuthenticationException(new OAuth2Error(
                OAuth2ErrorCodes.INVALID_CLIENT, "the client did not authenticate: a confidential client sends its "
                + "secret or client assertion, a public app its client_id with the PKCE code_verifier", null))),
            request -> !request.getRequestURI().endsWith("/oauth2/authorize")))
        .csrf(AbstractHttpConfigurer::disable);
    for (var extension : extensions) {
      extension.customize(http, server);
    }
    // The issuer Spring derives from the request (when none is configured) is built from its scheme, host and
    // port: behind a trusted proxy, those Tomcat's RemoteIpValve took from it, as for the FHIR links and the SMART
    // configuration. One address for discovery, the token endpoint and the assertion audience.
    return http.build();
  }

  @Bean
  RegisteredClientRepository registeredClients(SecurityProperties props,
      ObjectProvider<RegisteredClients.Client> builtInApps) {
    var clients = RegisteredClients.read(props.embedded().clientsFile(), props.embedded().tokenLifetime(),
        builtInApps.orderedStream().toList());
    var issuer = props.embedded().configuredIssuer();
    log.info("Embedded authorization server: issuer {}, clients from {}",
        issuer != null ? issuer : "the address each client uses", props.embedded().clientsFile().toAbsolutePath());
    return clients;
  }

  @Bean
  JWKSource<SecurityContext> issuerKeys(SecurityProperties props) {
    return new ImmutableJWKSet<>(new JWKSet(IssuerKey.loadOrCreate(props.embedded().keyFile())));
  }

  @Bean
  AuthorizationServerSettings authorizationServerSettings(SecurityProperties props) {
    // No issuer configured: Spring takes it from each request, as SmartEndpoints does for discovery.
    var settings = AuthorizationServerSettings.builder();
    var issuer = props.embedded().configuredIssuer();
    return (issuer != null ? settings.issuer(issuer) : settings).build();
  }
}
