package org.infusionfhir.security;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * The embedded issuer's clients, read from a JSON file ({@code infusion.security.embedded.clients-file}):
 *
 * <pre>{"clients": [
 *   {"clientId": "ehr-sync", "scopes": ["system/*.read"], "jwks": {"keys": [ ...public JWK... ]}},
 *   {"clientId": "lab-feed", "secret": "{bcrypt}$2a$10$...", "scopes": ["system/Observation.cu"]}
 * ]}</pre>
 *
 * A client with {@code jwks} (or {@code jwksUrl}) authenticates with a signed JWT (SMART Backend Services,
 * private_key_jwt); one with {@code secret} with client_secret_basic or client_secret_post. {@code patient}
 * holds a client's tokens to one patient (a patient-facing app).
 */
public final class RegisteredClients {

  public static final String JWKS_SETTING = "infusion.jwks";
  public static final String PATIENT_SETTING = "infusion.patient";

  @JsonIgnoreProperties(ignoreUnknown = false)
  record ClientsFile(List<Client> clients) {}

  /**
   * One app as the clients file writes it. A redirect or launch URI that is a path ({@code /}) is on the
   * server's own origin, whatever address the browser used (the issuer's address: see
   * {@link #SAME_ORIGIN_REDIRECT_SETTING}).
   */
  public record Client(String clientId, String name, String secret, JsonNode jwks, String jwksUrl,
      List<String> scopes, String patient, @JsonProperty("public") Boolean isPublic, List<String> redirectUris,
      String launchUri) {

    /** A public app (PKCE, no secret) served by this server itself, such as the clinician workspace. */
    public static Client publicApp(String clientId, String name, List<String> redirectPaths, String launchPath,
        List<String> scopes) {
      return new Client(clientId, name, null, null, null, scopes, null, true, redirectPaths, launchPath);
    }
  }

  public static final String LAUNCH_URI_SETTING = "infusion.launchUri";
  /**
   * Set on an app whose redirect URIs are paths on the server's own origin: the authorization endpoint
   * accepts {@code <issuer><path>}, the issuer being the configured one or the address the request reached.
   */
  public static final String SAME_ORIGIN_REDIRECT_SETTING = "infusion.sameOriginRedirect";

  private RegisteredClients() {}

  static RegisteredClientRepository read(Path file, Duration tokenLifetime) {
    return read(file, tokenLifetime, List.of());
  }

  /**
   * The file's clients and the built-in ones (apps this server serves itself); a client of the file
   * replaces a built-in one with the same id, so the file can change or narrow it.
   */
  static RegisteredClientRepository read(Path file, Duration tokenLifetime, List<Client> builtIn) {
    var clients = new java.util.ArrayList<Client>(fromFile(file));
    var fileIds = clients.stream().map(Client::clientId).collect(java.util.stream.Collectors.toSet());
    builtIn.stream().filter(c -> !fileIds.contains(c.clientId())).forEach(clients::add);
    if (clients.isEmpty()) {
      return new EmptyRepository();
    }
    return new InMemoryRegisteredClientRepository(
        clients.stream().map(c -> toRegistered(c, file, tokenLifetime)).toList());
  }

  private static List<Client> fromFile(Path file) {
    List<Client> clients;
    try {
      clients = Files.exists(file)
          ? new ObjectMapper().readValue(file.toFile(), ClientsFile.class).clients()
          : List.of();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the clients file " + file.toAbsolutePath() + ": "
          + e.getMessage(), e);
    }
    return clients == null ? List.of() : clients;
  }

  private static RegisteredClient toRegistered(Client c, Path file, Duration tokenLifetime) {
    if (c.clientId() == null || c.clientId().isBlank()) {
      throw new IllegalStateException(file + ": a client has no clientId");
    }
    boolean keys = c.jwks() != null || c.jwksUrl() != null;
    boolean isPublic = Boolean.TRUE.equals(c.isPublic());
    if (isPublic && (keys || c.secret() != null)) {
      throw new IllegalStateException(file + ": client " + c.clientId() + " is public, so it has no 'secret' or 'jwks'");
    }
    if (!isPublic && keys == (c.secret() != null)) {
      throw new IllegalStateException(file + ": client " + c.clientId()
          + " needs exactly one of 'secret' or 'jwks'/'jwksUrl' (or \"public\": true)");
    }
    var redirectUris = c.redirectUris() == null ? List.<String>of() : c.redirectUris();
    if (isPublic && redirectUris.isEmpty()) {
      throw new IllegalStateException(file + ": public client " + c.clientId() + " needs its 'redirectUris'");
    }
    if (c.scopes() == null || c.scopes().isEmpty()) {
      throw new IllegalStateException(file + ": client " + c.clientId() + " has no scopes");
    }
    var settings = ClientSettings.builder();
    var builder = RegisteredClient.withId(UUID.nameUUIDFromBytes(c.clientId().getBytes()).toString())
        .clientId(c.clientId())
        .clientName(c.name() != null ? c.name() : c.clientId())
        .scopes(s -> s.addAll(c.scopes()))
        // A refresh gives a new refresh token, so a stolen one stops working once its owner uses it.
        .tokenSettings(TokenSettings.builder().accessTokenTimeToLive(tokenLifetime).reuseRefreshTokens(false)
            .authorizationCodeTimeToLive(Duration.ofMinutes(1)).build());
    if (!isPublic) {
      builder.authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS);
    }
    if (!redirectUris.isEmpty()) {
      // A user-facing app (SMART App Launch): exact redirect URIs, consent asked of the user.
      builder.authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
          .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
          .redirectUris(u -> u.addAll(redirectUris));
      settings.requireAuthorizationConsent(true).requireProofKey(true);
      if (redirectUris.stream().anyMatch(u -> u.startsWith("/"))) {
        settings.setting(SAME_ORIGIN_REDIRECT_SETTING, true);
      }
    }
    if (c.launchUri() != null) {
      settings.setting(LAUNCH_URI_SETTING, c.launchUri());
    }
    if (isPublic) {
      // RFC 7636 / SMART: a public client proves itself with PKCE only.
      builder.clientAuthenticationMethod(ClientAuthenticationMethod.NONE);
      settings.requireProofKey(true);
    } else if (keys) {
      builder.clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT);
      settings.tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.RS384);
      if (c.jwks() != null) {
        settings.setting(JWKS_SETTING, c.jwks().toString());
      } else {
        settings.jwkSetUrl(c.jwksUrl());
      }
    } else {
      if (!c.secret().startsWith("{")) {
        throw new IllegalStateException(file + ": client " + c.clientId()
            + "'s secret must name its encoding, e.g. {bcrypt}$2a$10$... (or {noop}text for local tests)");
      }
      builder.clientSecret(c.secret())
          .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
          .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST);
    }
    if (c.patient() != null) {
      settings.setting(PATIENT_SETTING, c.patient());
    }
    return builder.clientSettings(settings.build()).build();
  }

  /** No clients registered: every token request is refused as an unknown client. */
  private static final class EmptyRepository implements RegisteredClientRepository {
    @Override
    public void save(RegisteredClient registeredClient) {
      throw new UnsupportedOperationException("clients are configured in the clients file");
    }

    @Override
    public RegisteredClient findById(String id) {
      return null;
    }

    @Override
    public RegisteredClient findByClientId(String clientId) {
      return null;
    }
  }
}
