package org.infusionfhir.server.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Client errors are not server errors in the log. HAPI logs every exception a hook throws at ERROR with its
 * stack trace, our deliberate refusals (a 422 from validation on write, a 403 from a consent rule) included, so a
 * run of bad requests buried the real errors. An ERROR event whose exception is a 4xx answer is dropped, and one
 * INFO line on {@code infusion.refused} says what was refused and why; the request's own log line
 * ({@code infusion.request}) has its status. Errors that are the server's (5xx, anything else) stay as they are.
 */
public final class ClientErrorLogging extends TurboFilter {

  private static final Logger refused = LoggerFactory.getLogger("infusion.refused");
  private static final String NAME = "client-errors-at-info";

  /**
   * Installs the filter in Logback, once: Spring Boot sets Logback up afresh, clearing every turbo filter, each
   * time an application starts, so {@link Installer} calls this after it has (for every application in the JVM).
   */
  public static synchronized void install() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
        && context.getTurboFilterList().stream().noneMatch(f -> NAME.equals(f.getName()))) {
      var filter = new ClientErrorLogging();
      filter.setName(NAME);
      filter.start();
      context.addTurboFilter(filter);
    }
  }

  /** Registered in {@code META-INF/spring.factories}: runs once the application's logging is set up. */
  public static final class Installer implements ApplicationListener<ApplicationPreparedEvent> {
    @Override
    public void onApplicationEvent(ApplicationPreparedEvent event) {
      install();
    }
  }

  @Override
  public FilterReply decide(Marker marker, ch.qos.logback.classic.Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    if (level != Level.ERROR) {
      return FilterReply.NEUTRAL;
    }
    var thrown = t != null ? t
        : params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last ? last : null;
    var answer = clientError(thrown);
    if (answer == null) {
      return FilterReply.NEUTRAL;
    }
    refused.info("{} {}: {}", answer.status(), answer.exception().getClass().getSimpleName(),
        answer.exception().getMessage());
    return FilterReply.DENY;
  }

  /** A refusal: the 4xx status it was answered with, and the exception that said why. */
  private record Refusal(int status, Throwable exception) {}

  /** The 4xx answer this exception is, or carries as its cause; null otherwise. */
  private static Refusal clientError(Throwable thrown) {
    for (var cause = thrown; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof BaseServerResponseException answer) {
        return answer.getStatusCode() >= 400 && answer.getStatusCode() < 500
            ? new Refusal(answer.getStatusCode(), answer) : null;
      }
      // HAPI's REST layer answers a value it cannot parse (a search parameter's quantity, a resource's date) 400,
      // but logs the parser's exception at ERROR as it is (found by FhirRequestFuzzTest).
      if (cause instanceof DataFormatException) {
        return new Refusal(400, cause);
      }
    }
    return null;
  }
}
