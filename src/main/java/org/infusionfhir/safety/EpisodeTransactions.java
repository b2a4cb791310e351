package org.infusionfhir.safety;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs one step of an episode (lock the row, then read and write the alert) in a database transaction of the
 * FHIR storage, so that the episode row and the alert commit together. A step that meets a concurrent write
 * (a clinician acknowledging the alert it updates, a lock timeout) is run again from the start.
 */
public class EpisodeTransactions {

  private static final int ATTEMPTS = 4;

  private final TransactionTemplate template;

  public EpisodeTransactions(PlatformTransactionManager transactionManager) {
    this.template = new TransactionTemplate(transactionManager);
  }

  public void run(Runnable step) {
    for (int attempt = 1; ; attempt++) {
      try {
        template.executeWithoutResult(status -> step.run());
        return;
      } catch (ResourceVersionConflictException | ConcurrencyFailureException e) {
        if (attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
