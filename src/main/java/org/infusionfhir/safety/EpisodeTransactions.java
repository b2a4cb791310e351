package org.infusionfhir.safety;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs one step of an episode (lock the row, then read and write the alert) in a database transaction of the
 * FHIR storage, so that the episode row and the alert commit together. A step that meets a concurrent write
 * (a clinician acknowledging the alert it updates, a lock timeout) is run again from the start.
 *
 * <p>Once a step that wrote an alert has committed, {@code deliverNow} hands the stored changes to
 * subscription matching at once. HAPI 8.8 stores each change as a message that its scheduler submits every
 * 5 s, which alone would put an alert up to 5 s behind its reading; HAPI's submitter deletes each message
 * as it submits it, so this pass and the scheduled one never deliver a change twice.
 */
public class EpisodeTransactions {

  private static final int ATTEMPTS = 4;

  private final TransactionTemplate template;
  private final Runnable deliverNow;

  public EpisodeTransactions(PlatformTransactionManager transactionManager, Runnable deliverNow) {
    this.template = new TransactionTemplate(transactionManager);
    this.deliverNow = deliverNow;
  }

  /** Hands what was stored to subscription matching now, rather than at HAPI's next 5 s pass. */
  public void deliverNow() {
    deliverNow.run();
  }

  public void run(Runnable step) {
    for (int attempt = 1; ; attempt++) {
      try {
        AlertStore.wrote();
        template.executeWithoutResult(status -> step.run());
        if (AlertStore.wrote()) {
          deliverNow.run();
        }
        return;
      } catch (ResourceVersionConflictException | ConcurrencyFailureException e) {
        if (attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
