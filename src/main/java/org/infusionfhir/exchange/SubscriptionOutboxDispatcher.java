package org.infusionfhir.exchange;

import ca.uhn.fhir.jpa.subscription.channel.subscription.SubscriptionChannelRegistry;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryJsonMessage;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.util.JsonUtil;
import java.time.Clock;
import java.time.Duration;
import org.infusionfhir.server.PeriodicWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what is due in the rest-hook outbox: retries whose wait is over, and deliveries whose replica's claim ran
 * out (it was killed, or stopped, with them in hand). Runs on every replica every
 * {@code infusion.subscriptions.outbox-check}; a row is claimed by one conditional update, so each delivery is
 * sent by one replica, through HAPI's queue for its Subscription like the first attempt.
 */
public class SubscriptionOutboxDispatcher extends PeriodicWork {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionOutboxDispatcher.class);
  private static final int BATCH = 100;

  private final SubscriptionDeliveryStore store;
  private final SubscriptionRegistry registry;
  private final SubscriptionChannelRegistry channels;
  private final SubscriptionRegistryFreshness freshness;
  private final SubscriptionProperties props;
  private final String node;
  private final Clock clock;

  public SubscriptionOutboxDispatcher(SubscriptionDeliveryStore store, SubscriptionRegistry registry,
      SubscriptionChannelRegistry channels, SubscriptionRegistryFreshness freshness, SubscriptionProperties props,
      String node, Clock clock) {
    super("subscription-outbox", "send what is due in the subscription outbox");
    this.store = store;
    this.registry = registry;
    this.channels = channels;
    this.freshness = freshness;
    this.props = props;
    this.node = node;
    this.clock = clock;
  }

  /** Claims and queues the deliveries due now; returns how many were queued. */
  public int dispatchDue() {
    var now = clock.instant();
    var due = store.due(now, BATCH);
    if (due.isEmpty()) {
      return 0;
    }
    freshness.ensureCurrent();
    int queued = 0;
    for (var pending : due) {
      var active = registry.get(pending.subscriptionId());
      if (active == null) {
        // Deleted, or switched off: nobody is waiting for it any more.
        store.remove(pending.id());
        log.info("Subscription/{}: dropped a waiting delivery, the Subscription is no longer active",
            pending.subscriptionId());
        continue;
      }
      if (!store.claim(pending.id(), node, now, now.plus(props.deliveryClaim()))) {
        continue;
      }
      var message = JsonUtil.deserialize(pending.message(), ResourceDeliveryMessage.class);
      message.setAttribute(SubscriptionDeliveryLog.OUTBOX_ID, pending.id());
      message.setSubscription(active.getSubscription());
      var producer = channels.getDeliveryChannelProducer(active.getChannelName());
      if (producer == null) {
        log.warn("Subscription/{}: no delivery queue on this replica yet; the delivery waits for its claim to end",
            pending.subscriptionId());
        continue;
      }
      producer.send(new ResourceDeliveryJsonMessage(message));
      queued++;
    }
    if (queued > 0) {
      log.info("Queued {} delivery(ies) from the outbox (retries, or left by a replica that stopped)", queued);
    }
    return queued;
  }

  @Override
  protected Duration period() {
    return props.outboxCheck();
  }

  @Override
  protected void round() {
    dispatchDue();
  }
}
