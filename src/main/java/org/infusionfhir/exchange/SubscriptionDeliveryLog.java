package org.infusionfhir.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.util.JsonUtil;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Guards, keeps and records rest-hook delivery. A Subscription whose endpoint the {@link SubscriptionEndpointPolicy}
 * refuses is not stored (422); the endpoint is checked again before each delivery, as its host may now resolve
 * elsewhere.
 *
 * <p>Every delivery is kept in the outbox ({@link SubscriptionDeliveryStore}) from the moment a write matched
 * until its endpoint took it. The replica that matched sends it at once, through HAPI's queue for the
 * Subscription, holding a claim on the row; a failed attempt releases the row with the time of its next try
 * (exponential backoff, {@code infusion.subscriptions.retry-*}), and {@link SubscriptionOutboxDispatcher} on
 * whichever replica comes first sends it then. A replica killed with a delivery in hand delays it by the claim's
 * length ({@code infusion.subscriptions.delivery-claim}) and loses nothing. Attempts, successes and failures are
 * counted in the database, so {@code Subscription/[id]/$delivery-status} answers the same on every replica.
 */
public class SubscriptionDeliveryLog implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionDeliveryLog.class);

  /** The attribute of a delivery message naming its outbox row. */
  static final String OUTBOX_ID = "infusion-outbox-id";

  private final SubscriptionEndpointPolicy policy;
  private final FhirContext fhir;
  private final SubscriptionDeliveryStore store;
  private final SubscriptionProperties props;
  private final String node;
  private final Clock clock;

  public SubscriptionDeliveryLog(SubscriptionEndpointPolicy policy, FhirContext fhir, SubscriptionDeliveryStore store,
      SubscriptionProperties props, String node, Clock clock) {
    this.policy = policy;
    this.fhir = fhir;
    this.store = store;
    this.props = props;
    this.node = node;
    this.clock = clock;
  }

  public Optional<SubscriptionDeliveryStore.Status> of(String subscriptionId) {
    return store.current(subscriptionId);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void checkCreated(IBaseResource resource) {
    checkEndpoint(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void checkUpdated(IBaseResource oldResource, IBaseResource newResource) {
    checkEndpoint(newResource);
  }

  /** A deleted Subscription's waiting deliveries and status go with it. */
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    if (resource instanceof Subscription subscription) {
      store.forget(subscription.getIdElement().getIdPart());
    }
  }

  private void checkEndpoint(IBaseResource resource) {
    if (!(resource instanceof Subscription subscription)
        || subscription.getChannel().getType() != Subscription.SubscriptionChannelType.RESTHOOK) {
      return;
    }
    policy.refusal(subscription.getChannel().getEndpoint()).ifPresent(reason ->
        refuse(IssueType.SECURITY, reason, "Subscription.channel.endpoint"));
    if (!subscription.getChannel().hasPayload()) {
      // HAPI 8.8 matches such a Subscription but never sends its notifications: refuse rather than drop them.
      refuse(IssueType.NOTSUPPORTED, "rest-hooks without a payload are not delivered by this server; set "
          + "channel.payload to application/fhir+json (or application/fhir+xml)", "Subscription.channel.payload");
    }
  }

  private void refuse(IssueType type, String reason, String expression) {
    var outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(IssueSeverity.ERROR).setCode(type).setDiagnostics(reason)
        .addExpression(expression);
    throw new UnprocessableEntityException(fhir, outcome);
  }

  /** A write matched: the delivery goes into the outbox, claimed by this replica, before HAPI queues it. */
  @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MATCHED)
  public boolean matched(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
    if (message.getAttribute(OUTBOX_ID).isEmpty()) {
      var now = clock.instant();
      var id = store.add(subscription.getIdPart(), String.valueOf(message.getPayloadId()),
          JsonUtil.serialize(message, false), node, now, now.plus(props.deliveryClaim()));
      message.setAttribute(OUTBOX_ID, id);
    }
    return true;
  }

  @Hook(Pointcut.SUBSCRIPTION_BEFORE_REST_HOOK_DELIVERY)
  public boolean beforeDelivery(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
    var outboxId = message.getAttribute(OUTBOX_ID).orElse(null);
    var now = clock.instant();
    if (outboxId != null && !store.renewClaim(outboxId, node, now.plus(props.deliveryClaim()))) {
      // Delivered meanwhile, or another replica took it over when this one's claim ran out: not sent twice.
      log.debug("Subscription/{}: delivery {} is no longer this replica's to send", subscription.getIdPart(), outboxId);
      return false;
    }
    var refusal = policy.refusal(subscription.getEndpointUrl());
    store.countAttempt(subscription.getIdPart(), now, refusal.orElse(null));
    if (refusal.isPresent()) {
      log.warn("Subscription/{}: not delivered: {}", subscription.getIdPart(), refusal.get());
      if (outboxId != null) {
        store.remove(outboxId);
      }
      return false;
    }
    return true;
  }

  @Hook(Pointcut.SUBSCRIPTION_AFTER_REST_HOOK_DELIVERY)
  public void delivered(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
    message.getAttribute(OUTBOX_ID).ifPresent(store::remove);
    long failuresBefore = store.countDelivered(subscription.getIdPart(), clock.instant());
    if (failuresBefore > 0) {
      log.info("Subscription/{}: delivered to {} after {} failed attempt(s)", subscription.getIdPart(),
          subscription.getEndpointUrl(), failuresBefore);
    }
  }

  /**
   * A failed attempt: counted, and the delivery released with the time of its next try, on any replica; false
   * keeps HAPI from retrying it in this replica's memory as well.
   */
  @Hook(Pointcut.SUBSCRIPTION_AFTER_DELIVERY_FAILED)
  public boolean failed(ResourceDeliveryMessage message, Exception error) {
    var subscription = message.getSubscription();
    var now = clock.instant();
    long failures = store.countFailed(subscription.getIdPart(), now, error.getMessage());
    var outboxId = message.getAttribute(OUTBOX_ID).orElse(null);
    if (outboxId == null) {
      log.warn("Subscription/{}: delivery to {} failed and is not in the outbox; dropped: {}",
          subscription.getIdPart(), subscription.getEndpointUrl(), error.getMessage());
      return false;
    }
    var row = store.attemptsAndAge(outboxId);
    if (row.isEmpty()) {
      return false;
    }
    if (Duration.ofMillis(now.toEpochMilli() - row.get().createdAt()).compareTo(props.retryGiveUpAfter()) >= 0) {
      store.remove(outboxId);
      store.countAbandoned(subscription.getIdPart());
      log.error("Subscription/{}: gave up delivering {} to {} after {} attempts over {}: {}",
          subscription.getIdPart(), message.getPayloadId(), subscription.getEndpointUrl(), row.get().attempts(),
          props.retryGiveUpAfter(), error.getMessage());
      return false;
    }
    var wait = backoff(row.get().attempts());
    store.retryAt(outboxId, now.plus(wait), error.getMessage());
    log.warn("Subscription/{}: delivery to {} failed ({} in a row), next try in {} ms: {}",
        subscription.getIdPart(), subscription.getEndpointUrl(), failures, wait.toMillis(), error.getMessage());
    return false;
  }

  /** The wait after the {@code attempts}-th failed attempt: the first wait, times the multiplier each time. */
  Duration backoff(int attempts) {
    double millis = props.retryFirstWait().toMillis() * Math.pow(props.retryMultiplier(), Math.max(0, attempts - 1));
    return Duration.ofMillis((long) Math.min(millis, props.retryLongestWait().toMillis()));
  }
}
