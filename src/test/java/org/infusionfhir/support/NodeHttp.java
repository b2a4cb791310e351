package org.infusionfhir.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.infusionfhir.security.LocalTokens;
import org.infusionfhir.security.SecurityProperties;

/**
 * HTTP to a {@link ServerNode} with a system token of the node's embedded issuer, as an EHR's back end calls it.
 * {@link #issuerProperties} are the node's half: the issuer and the key file the token is signed with.
 */
public final class NodeHttp {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServerNode node;
  private final String token;

  /** {@code token}: from {@link #systemToken}, made before the node starts. */
  public NodeHttp(ServerNode node, String token) {
    this.node = node;
    this.token = token;
  }

  /** The properties that give a node {@code issuer}, signing with a new key in {@code keyFile}. */
  public static List<String> issuerProperties(String issuer, Path keyFile) {
    return List.of("infusion.security.embedded.issuer=" + issuer,
        "infusion.security.embedded.key-file=" + keyFile.toAbsolutePath());
  }

  /**
   * A {@code system/*.*} token of {@code issuer}, signed with the key in {@code keyFile}: made (and the key with it,
   * when the file does not exist) before the node starts, which then uses the same key.
   */
  public static String systemToken(String issuer, Path keyFile) {
    try {
      Files.createDirectories(keyFile.toAbsolutePath().getParent());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    var token = new LocalTokens(new SecurityProperties(true, "infusion-fhir", Duration.ofSeconds(30), null, null,
        null, new SecurityProperties.Embedded(issuer, keyFile.toAbsolutePath(), null, Duration.ofHours(2)), List.of()))
        .issue("test-back-end", "system/*.*", null);
    return "Bearer " + token;
  }

  /** A request to {@code path} under the server's root ({@code /fhir/Patient}, {@code /intake/sessions}). */
  public HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
    return request(token, node.root() + path, method, body, headers);
  }

  /**
   * A request with {@code authorization} to {@code url} (a page link, a status URL), FHIR JSON both ways unless
   * {@code headers} (name, value, ...) say otherwise.
   */
  public static HttpResponse<String> request(String authorization, String url, String method, String body,
      String... headers) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
        .header("Authorization", authorization).header("Accept", "application/fhir+json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/fhir+json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.setHeader(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> fhir(String method, String path, String body, String... headers) throws Exception {
    return send(method, "/fhir" + path, body, headers);
  }

  /** How many resources a FHIR search matches ({@code _summary=count}). */
  public int count(String search) throws Exception {
    var response = fhir("GET", search + (search.contains("?") ? "&" : "?") + "_summary=count", null);
    if (response.statusCode() != 200) {
      throw new IllegalStateException(search + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body()).get("total").asInt();
  }
}
