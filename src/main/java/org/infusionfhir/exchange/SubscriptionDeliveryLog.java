package org.infusionfhir.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Guards and records rest-hook delivery. A Subscription whose endpoint the {@link SubscriptionEndpointPolicy}
 * refuses is not stored (422); the endpoint is checked again before each delivery, as its host may now
 * resolve elsewhere. Every attempt, success and failure is counted per Subscription for
 * {@code Subscription/[id]/$delivery-status} and logged.
 */
public class SubscriptionDeliveryLog implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionDeliveryLog.class);

  /** What this server has seen of one Subscription's deliveries since it started. */
  public static final class Delivery {
    long attempts;
    long delivered;
    long failedAttempts;
    long consecutiveFailures;
    Instant lastAttempt;
    Instant lastSuccess;
    Instant lastFailure;
    String lastError;
    boolean blocked;

    /** Adds what was seen to a {@code $delivery-status} answer; times and the error only once they exist. */
    public synchronized void addTo(Parameters status) {
      status.addParameter("state", blocked ? "blocked" : consecutiveFailures > 0 ? "retrying" : "ok");
      status.addParameter("attempts", count(attempts));
      status.addParameter("delivered", count(delivered));
      status.addParameter("failedAttempts", count(failedAttempts));
      status.addParameter("consecutiveFailures", count(consecutiveFailures));
      addTime(status, "lastAttempt", lastAttempt);
      addTime(status, "lastSuccess", lastSuccess);
      addTime(status, "lastFailure", lastFailure);
      if (lastError != null) {
        status.addParameter("lastError", lastError);
      }
    }

    private static IntegerType count(long value) {
      return new IntegerType((int) Math.min(value, Integer.MAX_VALUE));
    }

    private static void addTime(Parameters status, String name, Instant time) {
      if (time != null) {
        status.addParameter(name, new InstantType(Date.from(time)));
      }
    }
  }

  private final SubscriptionEndpointPolicy policy;
  private final FhirContext fhir;
  private final Map<String, Delivery> bySubscription = new ConcurrentHashMap<>();

  public SubscriptionDeliveryLog(SubscriptionEndpointPolicy policy, FhirContext fhir) {
    this.policy = policy;
    this.fhir = fhir;
  }

  public Optional<Delivery> of(String subscriptionId) {
    return Optional.ofNullable(bySubscription.get(subscriptionId));
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void checkCreated(IBaseResource resource) {
    checkEndpoint(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void checkUpdated(IBaseResource oldResource, IBaseResource newResource) {
    checkEndpoint(newResource);
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

  @Hook(Pointcut.SUBSCRIPTION_BEFORE_REST_HOOK_DELIVERY)
  public boolean beforeDelivery(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
    var delivery = entry(subscription);
    var refusal = policy.refusal(subscription.getEndpointUrl());
    synchronized (delivery) {
      delivery.attempts++;
      delivery.lastAttempt = Instant.now();
      delivery.blocked = refusal.isPresent();
      if (refusal.isPresent()) {
        delivery.lastError = refusal.get();
      }
    }
    if (refusal.isPresent()) {
      log.warn("Subscription/{}: not delivered: {}", subscription.getIdPart(), refusal.get());
      return false;
    }
    return true;
  }

  @Hook(Pointcut.SUBSCRIPTION_AFTER_REST_HOOK_DELIVERY)
  public void delivered(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
    var delivery = entry(subscription);
    long failuresBefore;
    synchronized (delivery) {
      failuresBefore = delivery.consecutiveFailures;
      delivery.delivered++;
      delivery.consecutiveFailures = 0;
      delivery.lastSuccess = Instant.now();
    }
    if (failuresBefore > 0) {
      log.info("Subscription/{}: delivered to {} after {} failed attempt(s)", subscription.getIdPart(),
          subscription.getEndpointUrl(), failuresBefore);
    }
  }

  @Hook(Pointcut.SUBSCRIPTION_AFTER_DELIVERY_FAILED)
  public boolean failed(ResourceDeliveryMessage message, Exception error) {
    var subscription = message.getSubscription();
    var delivery = entry(subscription);
    long failures;
    synchronized (delivery) {
      delivery.failedAttempts++;
      failures = ++delivery.consecutiveFailures;
      delivery.lastFailure = Instant.now();
      delivery.lastError = error.getMessage();
    }
    log.warn("Subscription/{}: delivery to {} failed ({} in a row), will retry with backoff: {}",
        subscription.getIdPart(), subscription.getEndpointUrl(), failures, error.getMessage());
    // true: HAPI rethrows, and its channel retries the message with our backoff.
    return true;
  }

  private Delivery entry(CanonicalSubscription subscription) {
    return bySubscription.computeIfAbsent(subscription.getIdPart(), id -> new Delivery());
  }
}
