package org.infusionfhir.support;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.UUID;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.infusionfhir.security.LocalTokens;
import org.infusionfhir.security.SecurityProperties;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A running server on a random port, spoken to with HAPI's generic client and a plain HTTP client. */
public abstract class FhirServerTestBase {

  protected static final FhirContext FHIR = FhirContext.forR4Cached();
  protected static final String JSON = "application/fhir+json";
  protected static final String XML = "application/fhir+xml";

  protected final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @LocalServerPort protected int port;
  @Autowired protected SecurityProperties securityProperties;
  protected IGenericClient client;
  /** Signs tokens with the server's own embedded issuer key. */
  protected LocalTokens tokens;
  /**
   * A backend-service token allowed everything: the generic client and {@link #send} carry it unless a
   * test gives its own {@code Authorization} header (or {@link #ANONYMOUS}).
   */
  protected String systemToken;

  /** Pass as the {@code Authorization} header value to send a request without a token. */
  protected static final String ANONYMOUS = "";

  /** Runs before each test; a {@code @BeforeAll} of a per-class test may call it itself. */
  @BeforeEach
  protected void connectClient() {
    FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    FHIR.getRestfulClientFactory().setSocketTimeout(60_000);
    tokens = new LocalTokens(securityProperties);
    systemToken = tokens.issue("test-suite", "system/*.*", null);
    client = FHIR.newRestfulGenericClient(fhirBase());
    client.registerInterceptor(new BearerTokenAuthInterceptor(systemToken));
  }

  protected String fhirBase() {
    return "http://localhost:" + port + "/fhir";
  }

  protected String serverRoot() {
    return "http://localhost:" + port;
  }

  /** A value no other test run has used, so tests stay independent on a database that persists. */
  protected static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
  }

  protected HttpResponse<String> send(String method, String path, String contentType, String body,
      String... headers) {
    return send(method, path, contentType,
        body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body), headers);
  }

  protected HttpResponse<String> send(String method, String path, String contentType,
      BodyPublisher body, String... headers) {
    if (systemToken == null) {
      // A per-class test's @BeforeAll sends requests before connectClient has run.
      connectClient();
    }
    var uri = URI.create(path.startsWith("http") ? path : fhirBase() + path);
    var builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).method(method, body);
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    boolean ownAuthorization = false;
    for (int i = 0; i < headers.length; i += 2) {
      if (headers[i].equalsIgnoreCase("Authorization")) {
        ownAuthorization = true;
        if (headers[i + 1].isEmpty()) {
          continue;
        }
      }
      builder.header(headers[i], headers[i + 1]);
    }
    if (!ownAuthorization) {
      builder.header("Authorization", "Bearer " + systemToken);
    }
    try {
      return http.send(builder.build(), BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + uri + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  protected HttpResponse<String> get(String path, String... headers) {
    return send("GET", path, null, (String) null, headers);
  }

  /** Asserts a 4xx answer whose OperationOutcome says what was wrong, with no stack trace. */
  protected OperationOutcome assertOperationOutcome(HttpResponse<String> response, int status,
      String expectedInDiagnostics) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    var parser = response.headers().firstValue("Content-Type").orElse("").contains("xml")
        ? FHIR.newXmlParser() : FHIR.newJsonParser();
    var outcome = parser.parseResource(OperationOutcome.class, response.body());
    assertThat(outcome.getIssue()).isNotEmpty();
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).containsIgnoringCase(expectedInDiagnostics);
    assertThat(response.body()).doesNotContain(".java:").doesNotContain("\tat ");
    return outcome;
  }

  /** Asserts that {@code resource} passes {@code $validate} against the first profile it claims. */
  protected void assertConformsToItsProfile(org.hl7.fhir.r4.model.Resource resource) {
    var profile = resource.getMeta().getProfile().get(0).getValue();
    var copy = resource.copy();
    copy.setMeta(new org.hl7.fhir.r4.model.Meta().addProfile(profile));
    var response = send("POST", "/" + resource.fhirType() + "/$validate?profile=" + profile, JSON,
        FHIR.newJsonParser().encodeResourceToString(copy));
    var outcome = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
    assertThat(outcome.getIssue()).as(resource.getIdElement().getIdPart() + ": " + response.body())
        .noneMatch(i -> i.getSeverity().ordinal() <= OperationOutcome.IssueSeverity.ERROR.ordinal());
  }

  /** How many resources of a type the server holds. */
  protected int countOf(String type) {
    return client.search().byUrl(type + "?_summary=count").returnBundle(org.hl7.fhir.r4.model.Bundle.class)
        .execute().getTotal();
  }
}
