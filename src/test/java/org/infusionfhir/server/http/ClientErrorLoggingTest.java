package org.infusionfhir.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A run of refused requests leaves no ERROR line and no stack trace in the log: HAPI logs every exception a hook
 * throws at ERROR, 4xx refusals included, and {@link ClientErrorLogging} turns those into one INFO line each.
 */
@H2FhirServer
class ClientErrorLoggingTest extends FhirServerTestBase {

  @Test
  void refusedRequestsAreLoggedAsRefusalsNotAsServerErrors() {
    // Another application starting in this JVM (as test classes with other settings do) sets Logback up afresh,
    // which clears its filters: the refusals must still not be logged as errors.
    try (var other = new org.springframework.boot.builder.SpringApplicationBuilder(Object.class)
        .web(org.springframework.boot.WebApplicationType.NONE).run("--spring.main.banner-mode=off")) {
      assertThat(other.isActive()).isTrue();
    }
    var root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var appender = new ListAppender<ILoggingEvent>();
    appender.start();
    root.addAppender(appender);
    var prefix = "refused-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    var statuses = new ArrayList<Integer>();
    try {
      int n = 0;
      // A body that is not FHIR JSON.
      statuses.add(send("POST", "/Patient", JSON, "{\"resourceType\":\"Patient\",", "X-Request-Id", prefix + n++)
          .statusCode());
      // An unknown search parameter.
      statuses.add(get("/Patient?no-such-parameter=1", "X-Request-Id", prefix + n++).statusCode());
      // A resource that is not there.
      statuses.add(get("/Patient/" + unique("missing"), "X-Request-Id", prefix + n++).statusCode());
      // Refused in a storage hook (HAPI logged these at ERROR with a stack trace): internal endpoints.
      for (var endpoint : List.of("http://169.254.169.254/latest/", "http://10.1.2.3/hook")) {
        statuses.add(send("POST", "/Subscription", JSON, "{\"resourceType\":\"Subscription\",\"status\":\"requested\","
            + "\"reason\":\"log test\",\"criteria\":\"Procedure?status=completed\",\"channel\":{\"type\":\"rest-hook\","
            + "\"endpoint\":\"" + endpoint + "\",\"payload\":\"application/fhir+json\"}}", "X-Request-Id", prefix + n++)
            .statusCode());
      }
      // A patient's token reading another patient's record (refused by HAPI's authorization hook).
      var patient = client.create().resource(new Patient().setActive(true)).execute().getId().getIdPart();
      var other = client.create().resource(new Patient().setActive(true)).execute().getId().getIdPart();
      var patientToken = tokens.issue("log-test", "patient/*.read", patient);
      statuses.add(get("/Patient/" + other, "Authorization", "Bearer " + patientToken, "X-Request-Id", prefix + n++)
          .statusCode());
    } finally {
      root.detachAppender(appender);
    }
    assertThat(statuses).allSatisfy(status -> assertThat(status).isBetween(400, 499));
    var ours = appender.list.stream()
        .filter(event -> String.valueOf(event.getMDCPropertyMap().get(RequestLogFilter.MDC_KEY)).startsWith(prefix))
        .toList();
    assertThat(ours).filteredOn(event -> event.getLevel() == Level.ERROR)
        .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    assertThat(ours).filteredOn(event -> event.getThrowableProxy() != null)
        .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    // HAPI did try to log the storage-hook refusals: each became one line on infusion.refused.
    assertThat(ours).filteredOn(event -> event.getLoggerName().equals("infusion.refused"))
        .extracting(ILoggingEvent::getFormattedMessage).anyMatch(line -> line.startsWith("422 "));
  }
}
