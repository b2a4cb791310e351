package org.infusionfhir.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionLoader;
import java.time.Duration;
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.infusionfhir.server.ServerInterceptor;
import org.infusionfhir.server.storage.TypeFingerprint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this replica's registry of active Subscriptions as current as the database, so that a Subscription
 * created or changed on another replica is matched here too.
 *
 * <p>HAPI's loader reads the Subscriptions again once a minute; until then a replica that did not write the
 * Subscription would match change messages against the old set, and HAPI deletes a message once one replica has
 * matched it, so a notification would be lost. This looks at a fingerprint of the Subscription rows
 * ({@link TypeFingerprint}) and reloads the registry when it has changed:
 *
 * <ul>
 *   <li>before every change message is matched ({@link Pointcut#SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED}),
 *       so no message is matched against a registry older than the message;
 *   <li>when {@link SubscriptionSubmissionGate} is about to keep a write out of the pipeline because no
 *       registered Subscription wants its type, at most once per {@code infusion.subscriptions.registry-check}
 *       (1 s by default): a Subscription created on another replica is matched here within that time;
 *   <li>at the gate's next look once a Subscription written on this replica is committed, so that a write right
 *       after it (the client saw it {@code active}) is not kept out by a registry a second old.
 * </ul>
 */
@Interceptor
public class SubscriptionRegistryFreshness implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionRegistryFreshness.class);

  private final TypeFingerprint subscriptions;
  private final SubscriptionLoader loader;
  private final long gateCheckNanos;
  private volatile long checkedAt = System.nanoTime() - Long.MAX_VALUE / 2;

  public SubscriptionRegistryFreshness(DataSource dataSource, SubscriptionLoader loader, Duration gateCheck) {
    this.subscriptions = new TypeFingerprint(dataSource, "Subscription");
    this.loader = loader;
    this.gateCheckNanos = gateCheck.toNanos();
  }

  /** Before HAPI matches a change message against the registry. */
  @Hook(Pointcut.SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED)
  public void beforeMatching() {
    ensureCurrent();
  }

  /** Reloads the registry if the Subscriptions in the database changed since it was last loaded here. */
  public synchronized void ensureCurrent() {
    boolean loadedBefore = subscriptions.seenBefore();
    boolean changed = subscriptions.changed();
    checkedAt = System.nanoTime();
    if (changed) {
      if (loadedBefore) {
        log.info("Subscriptions changed in the database; reloading this replica's subscription registry");
      }
      loader.forceRefresh();
    }
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    recheckAfterCommitIfSubscription(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource resource) {
    recheckAfterCommitIfSubscription(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    recheckAfterCommitIfSubscription(resource);
  }

  private void recheckAfterCommitIfSubscription(IBaseResource resource) {
    if (!"Subscription".equals(resource.fhirType())) {
      return;
    }
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
        @Override
        public void afterCommit() {
          checkedAt = System.nanoTime() - Long.MAX_VALUE / 2;
        }
      });
    } else {
      checkedAt = System.nanoTime() - Long.MAX_VALUE / 2;
    }
  }

  /** {@link #ensureCurrent} unless it ran within the gate's interval. */
  public void ensureCheckedRecently() {
    if (System.nanoTime() - checkedAt > gateCheckNanos) {
      ensureCurrent();
    }
  }
}
