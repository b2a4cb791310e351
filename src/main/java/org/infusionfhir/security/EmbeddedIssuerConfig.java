package org.infusionfhir.security;

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
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionAuthenticationProvider;
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
  SecurityFilterChain authorizationServerSecurity(HttpSecurity http) throws Exception {
    var server = OAuth2AuthorizationServerConfigurer.authorizationServer();
    var assertionKeys = new ClientAssertionKeys();
    http.securityMatcher(server.getEndpointsMatcher())
        .with(server, s -> s.clientAuthentication(c -> c
            .authenticationConverter(new BackendServicesClientId())
            .authenticationProviders(providers ->
                providers.stream().filter(JwtClientAssertionAuthenticationProvider.class::isInstance)
                    .map(JwtClientAssertionAuthenticationProvider.class::cast)
                    .forEach(p -> p.setJwtDecoderFactory(assertionKeys)))))
        .authorizeHttpRequests(a -> a.anyRequest().authenticated())
        .csrf(AbstractHttpConfigurer::disable);
    return http.build();
  }

  @Bean
  RegisteredClientRepository registeredClients(SecurityProperties props) {
    var clients = RegisteredClients.read(props.embedded().clientsFile(), props.embedded().tokenLifetime());
    log.info("Embedded authorization server: issuer {}, clients from {}", props.embedded().issuer(),
        props.embedded().clientsFile().toAbsolutePath());
    return clients;
  }

  @Bean
  JWKSource<SecurityContext> issuerKeys(SecurityProperties props) {
    return new ImmutableJWKSet<>(new JWKSet(IssuerKey.loadOrCreate(props.embedded().keyFile())));
  }

  @Bean
  AuthorizationServerSettings authorizationServerSettings(SecurityProperties props) {
    return AuthorizationServerSettings.builder().issuer(props.embedded().issuer()).build();
  }

  /** Tokens carry our audience, SMART's space-separated scope, and a patient-facing client's patient. */
  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> smartClaims(SecurityProperties props) {
    return context -> {
      if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
        return;
      }
      var claims = context.getClaims();
      claims.audience(List.of(props.audience()));
      claims.claim("scope", String.join(" ", context.getAuthorizedScopes()));
      claims.claim("client_id", context.getRegisteredClient().getClientId());
      String patient = context.getRegisteredClient().getClientSettings().getSetting(RegisteredClients.PATIENT_SETTING);
      if (patient != null) {
        claims.claim(SmartScopes.PATIENT_CLAIM, patient);
      }
    };
  }

  /**
   * Access tokens are self-contained JWTs, and there is no refresh or revocation for client credentials:
   * nothing to remember. Spring's in-memory default would keep every token issued until restart.
   */
  @Bean
  OAuth2AuthorizationService authorizations() {
    return new OAuth2AuthorizationService() {
      @Override
      public void save(OAuth2Authorization authorization) {}

      @Override
      public void remove(OAuth2Authorization authorization) {}

      @Override
      public OAuth2Authorization findById(String id) {
        return null;
      }

      @Override
      public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
        return null;
      }
    };
  }
}
