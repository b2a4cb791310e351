package org.infusionfhir.security;

import java.time.Clock;
import java.util.List;
import org.infusionfhir.server.FhirServerConfig;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Where a client gets its tokens, as published in {@code .well-known/smart-configuration} and the
 * CapabilityStatement: the embedded authorization server at this server's own address as the client
 * reached it, or the external issuer's endpoints (configured, else read from its metadata).
 */
@Component
public class SmartEndpoints {

  /** What the embedded server's client authentication accepts (RegisteredClients, ClientAssertionKeys). */
  static final List<String> EMBEDDED_AUTH_METHODS = List.of("private_key_jwt", "client_secret_basic", "client_secret_post");
  /** SMART Backend Services §"Signature algorithms": servers SHALL support RS384 and ES384. */
  static final List<String> EMBEDDED_SIGNING_ALGORITHMS = List.of("RS384", "ES384");

  /** The endpoints for one client: where to get a token, the keys, and how to authenticate there. */
  public record Endpoints(String issuer, String tokenEndpoint, String jwksUri, List<String> authMethods,
      List<String> signingAlgorithms, UserEndpoints user) {

    Endpoints(String issuer, String tokenEndpoint, String jwksUri, List<String> authMethods,
        List<String> signingAlgorithms) {
      this(issuer, tokenEndpoint, jwksUri, authMethods, signingAlgorithms, null);
    }
  }

  /** The SMART App Launch endpoints of the embedded server (org.infusionfhir.auth); null for an external issuer. */
  public record UserEndpoints(String authorize, String introspect, String revoke) {}

  private final SecurityProperties props;
  private final IssuerMetadata issuerMetadata;

  @Autowired
  public SmartEndpoints(SecurityProperties props) {
    this(props, Clock.systemUTC());
  }

  SmartEndpoints(SecurityProperties props, Clock clock) {
    this.props = props;
    this.issuerMetadata = props.embeddedIssuer() ? null : new IssuerMetadata(props.issuerUri(), clock);
  }

  /** Whether the server asks for tokens at all ({@code infusion.security.enabled}). */
  public boolean enabled() {
    return props.enabled();
  }

  /**
   * The endpoints as seen from {@code fhirBase}, the FHIR base URL the client used (after the server's
   * forwarded-address handling), e.g. {@code https://fhir.clinic.example/fhir}.
   *
   * @throws IllegalStateException when an external issuer's metadata is needed and cannot be read
   */
  public Endpoints forClientAt(String fhirBase) {
    if (props.embeddedIssuer()) {
      // The issuer and every endpoint under it: configured, else the address the client used. Spring's
      // authorization server derives the same from the same request (EmbeddedIssuerConfig), so the
      // token_endpoint published here is the aud it accepts in client assertions.
      var configured = props.embedded().configuredIssuer();
      var issuer = configured != null ? configured : serverRoot(fhirBase);
      return new Endpoints(issuer, issuer + "/oauth2/token", issuer + "/oauth2/jwks",
          EMBEDDED_AUTH_METHODS, EMBEDDED_SIGNING_ALGORITHMS,
          new UserEndpoints(issuer + "/oauth2/authorize", issuer + "/oauth2/introspect", issuer + "/oauth2/revoke"));
    }
    var configuredToken = blankToNull(props.tokenEndpoint());
    var configuredKeys = blankToNull(props.jwkSetUri());
    if (configuredToken != null && configuredKeys != null) {
      return new Endpoints(props.issuerUri(), configuredToken, configuredKeys, List.of(), List.of());
    }
    var published = issuerMetadata.endpoints();
    // The issuer's own sign-in (App Launch), when it publishes one: apps are sent there, not to us.
    var user = published.authorizationEndpoint() == null ? null : new UserEndpoints(
        published.authorizationEndpoint(), published.introspectionEndpoint(), published.revocationEndpoint());
    return new Endpoints(props.issuerUri(),
        configuredToken != null ? configuredToken : published.tokenEndpoint(),
        configuredKeys != null ? configuredKeys : published.jwksUri(),
        published.authMethods(), published.signingAlgorithms(), user);
  }

  /** Whether the embedded issuer answers here, so the client-authentication capabilities are ours to state. */
  public boolean embedded() {
    return props.embeddedIssuer();
  }

  /** Whether browsers may call the API from other origins. */
  public boolean corsOpen() {
    return !props.corsAllowedOrigins().isEmpty();
  }

  static String serverRoot(String fhirBase) {
    var base = fhirBase.endsWith("/") ? fhirBase.substring(0, fhirBase.length() - 1) : fhirBase;
    return base.endsWith(FhirServerConfig.FHIR_PATH)
        ? base.substring(0, base.length() - FhirServerConfig.FHIR_PATH.length()) : base;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
