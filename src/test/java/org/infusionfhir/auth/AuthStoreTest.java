package org.infusionfhir.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.infusionfhir.support.Postgres;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;

/**
 * The sign-in tables on both databases the server runs on: created by our migrations (run twice: the second
 * run finds nothing to do), and used by Spring's JDBC authorization service and by our own stores.
 */
class AuthStoreTest {

  static final AuthProperties PROPS = new AuthProperties(12, 5, Duration.ofMinutes(15),
      java.nio.file.Path.of("target/test-data/unused-secret"), Duration.ofMinutes(5), Duration.ofHours(8),
      Duration.ofMinutes(30));

  static void storesWorkOn(DataSource dataSource) {
    org.infusionfhir.server.storage.SchemaMigrations.migrate(dataSource, false);
    org.infusionfhir.server.storage.SchemaMigrations.migrate(dataSource, false);

    var users = new UserAccounts(dataSource, PROPS);
    var name = "u-" + UUID.randomUUID().toString().substring(0, 8);
    users.add(name, "Practitioner/p1", "a long enough password".toCharArray());
    assertThat(users.signIn(name, "a long enough password")).map(UserAccount::fhirUser).contains("Practitioner/p1");

    var launches = new LaunchContexts(dataSource, Duration.ofMinutes(5), Clock.systemUTC());
    var launch = launches.create("ehr-app", "pat-1", "enc-1");
    assertThat(launches.consume(launch, "another-app")).isEmpty();
    assertThat(launches.consume(launch, "ehr-app")).map(LaunchContexts.Context::encounter).contains("enc-1");
    assertThat(launches.consume(launch, "ehr-app")).as("single use").isEmpty();

    var revoked = new RevokedTokens(dataSource);
    var jti = UUID.randomUUID().toString();
    assertThat(revoked.isRevoked(jti)).isFalse();
    revoked.revoke(jti, Instant.now().plusSeconds(300));
    assertThat(revoked.isRevoked(jti)).isTrue();

    var client = RegisteredClient.withId("id-" + UUID.randomUUID()).clientId("app")
        .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
        .redirectUri("https://app.example.test/cb").scope("patient/*.rs").build();
    var service = new JdbcOAuth2AuthorizationService(new JdbcTemplate(dataSource),
        new InMemoryRegisteredClientRepository(client));
    var now = Instant.now();
    var value = "token-" + UUID.randomUUID();
    service.save(OAuth2Authorization.withRegisteredClient(client).principalName(name)
        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE).authorizedScopes(Set.of("patient/*.rs"))
        .token(new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, value, now, now.plusSeconds(300),
            Set.of("patient/*.rs")))
        .attribute(LaunchAwareAuthorizations.PATIENT_ATTRIBUTE, "pat-1").build());
    var found = service.findByToken(value, OAuth2TokenType.ACCESS_TOKEN);
    assertThat(found).isNotNull();
    assertThat(found.<String>getAttribute(LaunchAwareAuthorizations.PATIENT_ATTRIBUTE)).isEqualTo("pat-1");
    assertThat(found.getAccessToken().getToken().getExpiresAt()).isAfter(now.plusSeconds(290));
  }

  @Test
  void onH2() {
    storesWorkOn(new DriverManagerDataSource("jdbc:h2:mem:auth-store-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
        "sa", ""));
  }

  @Nested
  @ExtendWith(Postgres.class)
  class OnPostgreSql {

    @Test
    void theSameStoresWork() {
      storesWorkOn(new DriverManagerDataSource(Postgres.URL, Postgres.USER, Postgres.PASSWORD));
    }
  }
}
