package org.infusionfhir.exchange;

import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Subscription;
import org.infusionfhir.server.ServerProvider;

/**
 * {@code GET Subscription/[id]/$delivery-status}: the Subscription's status, whether this server is matching
 * for it, and what it has seen
 * of its deliveries (state ok, retrying or blocked; attempts; deliveries waiting; the last success and the last
 * error). The answer is the same on every replica: each reloads its registry first if another replica changed a
 * Subscription, and the counts are kept in the database by every replica's deliveries.
 */
public class SubscriptionStatusProvider implements ServerProvider {

  private final IFhirResourceDao<Subscription> subscriptions;
  private final SubscriptionDeliveryLog deliveries;
  private final SubscriptionRegistry registry;

  private final SubscriptionRegistryFreshness freshness;

  public SubscriptionStatusProvider(IFhirResourceDao<Subscription> subscriptions, SubscriptionDeliveryLog deliveries,
      SubscriptionRegistry registry, SubscriptionRegistryFreshness freshness) {
    this.freshness = freshness;
    this.subscriptions = subscriptions;
    this.deliveries = deliveries;
    this.registry = registry;
  }

  @Operation(name = "$delivery-status", idempotent = true, typeName = "Subscription")
  public Parameters deliveryStatus(@IdParam IdType id, RequestDetails request) {
    var subscription = subscriptions.read(id.toUnqualifiedVersionless(), request);
    var result = new Parameters();
    result.addParameter("subscriptionStatus", subscription.getStatus().toCode());
    result.addParameter("endpoint", subscription.getChannel().getEndpoint());
    var idPart = subscription.getIdElement().getIdPart();
    // Whether this server matches new data against it yet: activation reaches each server a moment later.
    freshness.ensureCurrent();
    result.addParameter("matching", new BooleanType(registry.get(idPart) != null));
    var seen = deliveries.of(idPart);
    result.addParameter("notificationsSeen", new BooleanType(seen.isPresent()));
    seen.ifPresent(status -> addTo(result, status));
    return result;
  }

  /** What every replica has seen, from the database: counts, and the times and the error once they exist. */
  private static void addTo(Parameters result, SubscriptionDeliveryStore.Status status) {
    result.addParameter("state", status.blocked() ? "blocked" : status.consecutiveFailures() > 0 ? "retrying" : "ok");
    result.addParameter("attempts", count(status.attempts()));
    result.addParameter("delivered", count(status.delivered()));
    result.addParameter("failedAttempts", count(status.failedAttempts()));
    result.addParameter("consecutiveFailures", count(status.consecutiveFailures()));
    result.addParameter("pending", count(status.pending()));
    result.addParameter("abandoned", count(status.abandoned()));
    addTime(result, "lastAttempt", status.lastAttempt());
    addTime(result, "lastSuccess", status.lastSuccess());
    addTime(result, "lastFailure", status.lastFailure());
    if (status.lastError() != null) {
      result.addParameter("lastError", status.lastError());
    }
  }

  private static IntegerType count(long value) {
    return new IntegerType((int) Math.min(value, Integer.MAX_VALUE));
  }

  private static void addTime(Parameters result, String name, java.time.Instant time) {
    if (time != null) {
      result.addParameter(name, new InstantType(java.util.Date.from(time)));
    }
  }
}
