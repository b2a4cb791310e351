package org.infusionfhir.safety;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.DetectedIssue.DetectedIssueSeverity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Escalates alerts left open (no mitigation) longer than {@code infusion.safety.escalate-after}: the severity
 * goes up one step (low to moderate, moderate to high; high stays high), the alert is tagged as escalated and
 * updated, so every subscription on DetectedIssue delivers it again. Each alert is escalated once. On
 * several replicas each looks, and the version check of the update lets only one of them escalate an alert.
 */
public class AlertEscalation {

  public static final String TAG_SYSTEM = "http://infusion-fhir.org/fhir/CodeSystem/safety-alert-tag";
  /** Meta tag of an escalated alert, so that it is escalated once. */
  public static final String TAG_CODE = "escalated";

  private static final Logger log = LoggerFactory.getLogger(AlertEscalation.class);

  private final AlertStore store;
  private final SafetyMetrics metrics;
  private final Duration after;
  private final ScheduledExecutorService timer;

  private final EpisodeTransactions transactions;

  public AlertEscalation(AlertStore store, EpisodeTransactions transactions, SafetyMetrics metrics, Duration after,
      Duration interval) {
    this.store = store;
    this.transactions = transactions;
    this.metrics = metrics;
    this.after = after;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      var thread = new Thread(r, "safety-escalation");
      thread.setDaemon(true);
      return thread;
    });
    timer.scheduleWithFixedDelay(this::escalateDue, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Escalates every open alert identified more than {@code after} ago; returns how many it escalated. */
  public int escalateDue() {
    int escalated = 0;
    try {
      for (var alert : store.openAlertsToEscalate(new Date(System.currentTimeMillis() - after.toMillis()))) {
        try {
          escalate(alert);
          escalated++;
        } catch (ResourceVersionConflictException changedMeanwhile) {
          // Acknowledged meanwhile, or escalated by another replica: the next pass looks again.
        }
      }
      if (escalated > 0) {
        transactions.deliverNow();
      }
    } catch (ca.uhn.fhir.rest.server.exceptions.InvalidRequestException e) {
      // Right after start-up the guide's alert-state search parameter may not be active yet; the next pass looks again.
      log.info("safety monitor: escalation pass skipped ({})", e.getMessage());
    } catch (RuntimeException e) {
      metrics.failures.increment();
      log.error("safety monitor: the escalation pass failed", e);
    }
    return escalated;
  }

  private void escalate(DetectedIssue alert) {
    var before = alert.getSeverity();
    alert.setSeverity(before == DetectedIssueSeverity.LOW ? DetectedIssueSeverity.MODERATE : DetectedIssueSeverity.HIGH);
    alert.getMeta().addTag(TAG_SYSTEM, TAG_CODE, "Escalated: left unacknowledged");
    alert.setDetail(alert.getDetail() + " Escalated: unacknowledged for more than " + after.toMinutes() + " min.");
    // The id read keeps its version, so an acknowledgement stored meanwhile wins and this update fails.
    store.update(alert);
    metrics.escalated.increment();
    log.info("safety alert {} escalated ({} to {}) after {} unacknowledged", AlertStore.idOf(alert),
        before == null ? "none" : before.toCode(), alert.getSeverity().toCode(), after);
  }

  @PreDestroy
  void stop() {
    timer.shutdownNow();
  }
}
