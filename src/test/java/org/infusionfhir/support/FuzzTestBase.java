package org.infusionfhir.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestContextManager;

/**
 * The shared H2 server for jqwik properties (docs/fuzzing.md). jqwik is a JUnit platform engine of its own,
 * so Spring's JUnit Jupiter extension does not run: each property joins the server through Spring's
 * {@link TestContextManager}, whose context cache is the one the Jupiter tests use, so a subclass carrying
 * {@link H2FhirServer} shares their one server.
 */
@AddLifecycleHook(FuzzRun.class)
public abstract class FuzzTestBase extends FhirServerTestBase {

  /** The longest any one input may take to be answered. */
  protected static final Duration TIME_BOUND = Duration.ofSeconds(10);

  // Written by the server on its own, whatever a request says: the audit trail of every access, the safety
  // monitor's timers, exports and subscription status. What refused input must leave alone is the rest.
  private static final String BACKGROUND_TYPES =
      "'AuditEvent', 'DetectedIssue', 'Flag', 'Communication', 'Binary', 'Subscription', 'Group', 'Task'";

  @Autowired protected JdbcTemplate jdbc;
  private static ServerErrorLog serverErrors;

  @BeforeProperty
  void joinTheSharedServer() throws Exception {
    new TestContextManager(getClass()).prepareTestInstance(this);
    connectClient();
    serverErrors = ServerErrorLog.attached();
  }

  /** How many resource versions are stored, by type, not counting those the server writes on its own. */
  protected Map<String, Long> storedVersions() {
    var counts = new TreeMap<String, Long>();
    jdbc.query("select RES_TYPE, count(*) from HFJ_RES_VER where RES_TYPE not in (" + BACKGROUND_TYPES + ") "
        + "group by RES_TYPE", row -> {
          counts.put(row.getString(1), row.getLong(2));
        });
    return counts;
  }

  /** A mark to pass to {@link #assertNoServerErrorSince}. */
  protected static int serverErrorMark() {
    return serverErrors.mark();
  }

  /**
   * Asserts that no request or MLLP thread logged an error (an exception caught at the edge and logged) since
   * {@code mark}.
   */
  protected static void assertNoServerErrorSince(int mark, String input) {
    assertThat(serverErrors.since(mark)).as("errors logged for %s", input).isEmpty();
  }

  /** Sends a request with {@link #TIME_BOUND}; an answer slower than that, or none, fails. */
  protected HttpResponse<String> exchange(HttpRequest.Builder request, String input) {
    var built = request.timeout(TIME_BOUND).build();
    try {
      return http.send(built, BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new AssertionError("no answer within " + TIME_BOUND + " to " + input, e);
    } catch (IOException e) {
      throw new AssertionError("no HTTP answer (" + e + ") to " + input, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  protected HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : fhirBase() + path));
  }

  /**
   * Asserts the answer to input the server should refuse or accept: never 5xx, and a 4xx carries an
   * OperationOutcome (in JSON or XML, whichever the request asked for) with no stack trace.
   */
  protected void assertAnsweredWithout5xx(HttpResponse<String> response, String input) {
    assertThat(response.statusCode()).as("%s%n-> %s", input, abbreviate(response.body())).isLessThan(500);
    if (response.statusCode() >= 400) {
      assertThat(response.body()).as("%s%n-> %s", input, abbreviate(response.body()))
          .contains("OperationOutcome").doesNotContain(".java:").doesNotContain("\tat ");
      var contentType = response.headers().firstValue("Content-Type").orElse("");
      if (contentType.contains("json") || contentType.contains("xml")) {
        var parser = contentType.contains("xml") ? FHIR.newXmlParser() : FHIR.newJsonParser();
        var outcome = parser.parseResource(OperationOutcome.class, response.body());
        assertThat(outcome.getIssue()).as("%s%n-> %s", input, response.body()).isNotEmpty();
      }
    }
  }

  /** At most the first 2,000 characters, control characters written as escapes, for failure messages. */
  protected static String abbreviate(String text) {
    return visible(text == null || text.length() <= 2000 ? text : text.substring(0, 2000) + "... (" + text.length()
        + " chars)");
  }

  /** Control characters (but line breaks), non-characters and surrogates as {@code \\uXXXX}: a NUL cut the failure message short in the report. */
  public static String visible(String text) {
    if (text == null) {
      return null;
    }
    var out = new StringBuilder(text.length());
    text.chars().forEach(c -> out.append(c < 0x20 && c != '\n' || c == 0x7F || c >= 0xFFFE || Character.isSurrogate((char) c)
        ? String.format("\\u%04X", c) : String.valueOf((char) c)));
    return out.toString();
  }
}
