package org.infusionfhir.exchange;

import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Subscription;
import org.infusionfhir.server.ServerProvider;

/**
 * {@code GET Subscription/[id]/$delivery-status}: the Subscription's status, whether this server is matching
 * for it, and what it has seen
 * of its deliveries (state ok, retrying or blocked; attempts; the last success and the last error).
 * Whether it is matching is the same on every replica (each reloads its registry first if another replica changed
 * a Subscription); the delivery counts are per server since it started, and behind several replicas each answers
 * for the deliveries it made.
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
    seen.ifPresent(delivery -> delivery.addTo(result));
    return result;
  }
}
