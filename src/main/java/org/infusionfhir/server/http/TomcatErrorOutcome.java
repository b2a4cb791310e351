package org.infusionfhir.server.http;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.util.Arrays;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.infusionfhir.server.OperationOutcomeResponses;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * An error Tomcat answers itself, before any filter or servlet runs, is an OperationOutcome like every other
 * error. Tomcat refuses a request line or headers past its size limit, or a malformed one, with its own HTML
 * page (the host's {@link ErrorReportValve}); a FHIR client got {@code text/html} where it reads an
 * OperationOutcome (found by FhirRequestFuzzTest: a search URL of 9,000 characters).
 */
@Component
class TomcatErrorOutcome implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addContextCustomizers(context -> {
      var host = (StandardHost) context.getParent();
      // Spring Boot adds a plain ErrorReportValve in its own context customizer, whose order to ours is not
      // fixed: the swap happens when the host starts, after every customizer has run.
      host.setErrorReportValveClass(OutcomeValve.class.getName());
      host.addLifecycleListener(event -> {
        if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
          Arrays.stream(host.getPipeline().getValves())
              .filter(valve -> valve instanceof ErrorReportValve && !(valve instanceof OutcomeValve))
              .forEach(host.getPipeline()::removeValve);
        }
      });
    });
  }

  /** Writes the error as an OperationOutcome in JSON; an answer that already has a body is left alone. */
  public static final class OutcomeValve extends ErrorReportValve {

    private final OperationOutcomeResponses outcomes = new OperationOutcomeResponses(FhirContext.forR4Cached());

    public OutcomeValve() {
      setShowReport(false);
      setShowServerInfo(false);
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
      int status = response.getStatus();
      if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
        return;
      }
      try {
        response.resetBuffer();
        var message = response.getMessage() != null && !response.getMessage().isBlank() ? response.getMessage()
            : status == 400 ? "the request could not be read (a request line or headers too large, or malformed)"
            : "HTTP " + status;
        outcomes.write(response.getResponse(), status, OperationOutcomeResponses.issueTypeFor(status), message);
        response.finishResponse();
      } catch (IOException | IllegalStateException e) {
        // The connection is gone or the answer already committed: nothing more can be said to the client.
        container.getLogger().debug("writing an OperationOutcome for HTTP " + status + " failed", e);
      }
    }
  }
}
