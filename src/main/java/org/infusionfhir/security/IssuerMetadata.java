package org.infusionfhir.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * An external issuer's published metadata (OpenID Connect Discovery, else RFC 8414), read at the first
 * request that needs it and kept: the server starts while the issuer is down. A failed read is answered
 * from memory for {@link #RETRY_AFTER} before the issuer is asked again, so that anonymous requests for
 * the SMART configuration cannot make this server wait on, or hammer, a slow issuer. Redirects are not
 * followed, and nothing but the issuer's own address is fetched.
 */
final class IssuerMetadata {

  static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  /**
   * The endpoints a SMART configuration repeats from the issuer's metadata; the authorization, introspection
   * and revocation endpoints are null where the issuer publishes none.
   */
  record Endpoints(String tokenEndpoint, String jwksUri, List<String> authMethods, List<String> signingAlgorithms,
      String authorizationEndpoint, String introspectionEndpoint, String revocationEndpoint) {}

  private record Failure(String message, Instant at) {}

  private final String issuer;
  private final Clock clock;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private volatile Endpoints endpoints;
  private volatile Failure lastFailure;

  IssuerMetadata(String issuer) {
    this(issuer, Clock.systemUTC());
  }

  IssuerMetadata(String issuer, Clock clock) {
    this.issuer = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  synchronized Endpoints endpoints() {
    if (endpoints != null) {
      return endpoints;
    }
    var failed = lastFailure;
    if (failed != null && clock.instant().isBefore(failed.at().plus(RETRY_AFTER))) {
      throw new IllegalStateException(failed.message());
    }
    try {
      endpoints = read();
      return endpoints;
    } catch (IllegalStateException e) {
      lastFailure = new Failure(e.getMessage(), clock.instant());
      throw e;
    }
  }

  private Endpoints read() {
    var issuerUri = URI.create(issuer);
    var rfc8414 = issuerUri.resolve("/.well-known/oauth-authorization-server" + nonNull(issuerUri.getRawPath()));
    var problems = new StringBuilder();
    for (var location : List.of(URI.create(issuer + "/.well-known/openid-configuration"), rfc8414)) {
      try {
        var response = http.send(HttpRequest.newBuilder(location).timeout(Duration.ofSeconds(10))
            .header("Accept", "application/json").GET().build(), BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          problems.append(location).append(" answered ").append(response.statusCode()).append("; ");
          continue;
        }
        return endpointsOf(json.readTree(response.body()));
      } catch (IOException | IllegalStateException e) {
        problems.append(location).append(": ").append(e.getMessage()).append("; ");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading the issuer's metadata", e);
      }
    }
    throw new IllegalStateException("the metadata of the issuer " + issuer + " could not be read ("
        + problems.toString().replaceAll("; $", "") + "); set infusion.security.token-endpoint");
  }

  private Endpoints endpointsOf(JsonNode metadata) {
    // RFC 8414 §3.3: the metadata must name the issuer it was asked for, or it is someone else's.
    if (!issuer.equals(stripSlash(metadata.path("issuer").asText()))) {
      throw new IllegalStateException("it names the issuer '" + metadata.path("issuer").asText() + "'");
    }
    var token = metadata.path("token_endpoint").asText(null);
    if (token == null) {
      throw new IllegalStateException("it names no token_endpoint");
    }
    return new Endpoints(token, metadata.path("jwks_uri").asText(null),
        strings(metadata.path("token_endpoint_auth_methods_supported")),
        strings(metadata.path("token_endpoint_auth_signing_alg_values_supported")),
        metadata.path("authorization_endpoint").asText(null), metadata.path("introspection_endpoint").asText(null),
        metadata.path("revocation_endpoint").asText(null));
  }

  private static List<String> strings(JsonNode array) {
    return array.isArray() ? StreamSupport.stream(array.spliterator(), false)
        .map(JsonNode::asText).toList() : List.of();
  }

  private static String stripSlash(String uri) {
    return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
  }

  private static String nonNull(String path) {
    return path == null ? "" : path;
  }
}
