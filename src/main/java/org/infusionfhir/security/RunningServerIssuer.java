package org.infusionfhir.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;

/**
 * The issuer a running server names in its SMART configuration, for the {@code token} command: the server
 * may have been given its issuer on its own command line, which the command cannot see.
 */
record RunningServerIssuer(String issuer, String problem) {

  private static final Duration WAIT = Duration.ofSeconds(3);

  static RunningServerIssuer discover(String serverBase) {
    var base = serverBase.endsWith("/") ? serverBase.substring(0, serverBase.length() - 1) : serverBase;
    var url = base + (base.endsWith("/fhir") ? "" : "/fhir") + "/.well-known/smart-configuration";
    try {
      var http = HttpClient.newBuilder().connectTimeout(WAIT).build();
      var response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT)
          .header("Accept", "application/json").GET().build(), BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return new RunningServerIssuer(null, url + " answered " + response.statusCode());
      }
      var issuer = new ObjectMapper().readTree(response.body()).path("issuer").asText("");
      return issuer.isBlank() ? new RunningServerIssuer(null, url + " names no issuer")
          : new RunningServerIssuer(issuer, null);
    } catch (IOException | IllegalArgumentException e) {
      return new RunningServerIssuer(null, "no server answered at " + url + " ("
          + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new RunningServerIssuer(null, "interrupted while asking " + url);
    }
  }
}
