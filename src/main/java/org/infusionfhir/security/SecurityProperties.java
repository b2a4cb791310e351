package org.infusionfhir.security;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * SMART on FHIR authorization ({@code infusion.security.*}).
 *
 * @param enabled false switches authorization off for local development: the server then binds to
 *     loopback only and says so loudly at start
 * @param audience the {@code aud} every access token must carry
 * @param clockSkew how far token times ({@code exp}, {@code nbf}, {@code iat}) may be off
 * @param issuerUri an external issuer (for example Keycloak); set, it turns the embedded one off
 * @param jwkSetUri the external issuer's signing keys; empty: discovered from {@code issuerUri}
 * @param tokenEndpoint the external issuer's token endpoint, as published in the SMART configuration;
 *     empty: discovered from {@code issuerUri}
 * @param embedded the embedded authorization server, used when {@code issuerUri} is empty
 * @param corsAllowedOrigins origins browsers may call the API from; empty (the default) allows none
 */
@ConfigurationProperties("infusion.security")
public record SecurityProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("infusion-fhir") String audience,
    @DefaultValue("30s") Duration clockSkew,
    String issuerUri,
    String jwkSetUri,
    String tokenEndpoint,
    @DefaultValue Embedded embedded,
    @DefaultValue List<String> corsAllowedOrigins) {

  /** Whether this server issues its own tokens (no external issuer named). */
  public boolean embeddedIssuer() {
    return issuerUri == null || issuerUri.isBlank();
  }

  /**
   * The {@code iss} tokens must carry, or null when the embedded issuer takes its address from each
   * request (no {@code infusion.security.embedded.issuer}): its tokens are then recognised by its own key.
   */
  public String expectedIssuer() {
    return embeddedIssuer() ? embedded.configuredIssuer() : issuerUri;
  }

  /**
   * @param issuer the {@code iss} of the tokens it signs and the root of its endpoints; empty (the
   *     default): the address the client used (behind a proxy trusted through
   *     {@code server.tomcat.remoteip.internal-proxies}, the one it names). Set it when replicas or proxies are involved
   * @param keyFile its RSA signing key, created on first use (by the server or the {@code token} command);
   *     replicas must share it. Its default, beside the database in {@code infusion.data-dir}, is set in
   *     application.yaml, as it follows that property
   * @param clientsFile the registered clients (JSON); a missing file registers none
   * @param tokenLifetime how long an access token it signs is valid (SMART App Launch 2.x recommends at
   *     most five minutes)
   */
  public record Embedded(
      String issuer,
      Path keyFile,
      @DefaultValue("config/clients.json") Path clientsFile,
      @DefaultValue("5m") Duration tokenLifetime) {

    /** Where the {@code token} command's tokens claim to come from when no issuer is configured. */
    public static final String LOCAL_ISSUER = "http://localhost:8080";

    /** The configured issuer without a trailing slash, or null when it follows the request. */
    public String configuredIssuer() {
      if (issuer == null || issuer.isBlank()) {
        return null;
      }
      return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    }

    /** The configured issuer, else {@link #LOCAL_ISSUER}: for tokens signed without a request at hand. */
    public String issuerOrLocal() {
      var configured = configuredIssuer();
      return configured != null ? configured : LOCAL_ISSUER;
    }
  }
}
