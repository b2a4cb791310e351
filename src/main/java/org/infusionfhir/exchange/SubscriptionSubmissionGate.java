package org.infusionfhir.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.match.matcher.subscriber.SubscriptionCriteriaParser.TypeEnum;
import ca.uhn.fhir.jpa.subscription.match.registry.ActiveSubscription;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.util.Set;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Keeps writes that no active Subscription can match out of HAPI's subscription pipeline.
 *
 * <p>HAPI stores a message row for every created, updated or deleted resource in the writing transaction,
 * then a scheduled pass deletes the row, reads the resource back from the database, parses it, and matches
 * it against the active Subscriptions, even when there are none. With vital signs arriving from every
 * chair, that was about a sixth of the server's CPU (a JFR profile of creates, transactions and searches).
 * This hook on {@link Pointcut#SUBSCRIPTION_RESOURCE_MODIFIED} lets a message through only when its
 * resource type is one an active Subscription's criteria names (or the criteria is {@code *}), and always
 * for Subscription resources, whose own messages activate and register them.
 *
 * <p>What this changes: a resource written before a new Subscription is active in this server's registry
 * is not matched against it, even if HAPI's pass would have run after the activation. A Subscription
 * notifies about changes after it is active, so that is the behaviour the standard describes. Before keeping
 * a write out, the gate has {@link SubscriptionRegistryFreshness} look for Subscriptions created on other
 * replicas (at most once per {@code infusion.subscriptions.registry-check}).
 */
@Interceptor
public class SubscriptionSubmissionGate implements ServerInterceptor {

  /** Resource types whose messages HAPI's own subscription machinery consumes, whatever is registered. */
  private static final Set<String> ALWAYS = Set.of("Subscription", "SubscriptionTopic");

  private final SubscriptionRegistry registry;
  private final FhirContext fhirContext;

  private final SubscriptionRegistryFreshness freshness;

  public SubscriptionSubmissionGate(SubscriptionRegistry registry, FhirContext fhirContext,
      SubscriptionRegistryFreshness freshness) {
    this.freshness = freshness;
    this.registry = registry;
    this.fhirContext = fhirContext;
  }

  @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED)
  public boolean submit(ResourceModifiedMessage message) {
    var id = message.getPayloadId(fhirContext);
    // Nothing to decide by: let HAPI handle it as it would.
    if (id == null || id.getResourceType() == null || wanted(id.getResourceType())) {
      return true;
    }
    // About to keep it out: first make sure no Subscription created on another replica wants it.
    freshness.ensureCheckedRecently();
    return wanted(id.getResourceType());
  }

  /** Whether an active Subscription could match a resource of this type. */
  boolean wanted(String resourceType) {
    if (ALWAYS.contains(resourceType)) {
      return true;
    }
    if (registry.size() == 0) {
      return false;
    }
    for (ActiveSubscription active : registry.getAll()) {
      var criteria = active.getCriteria();
      // No search criteria (a topic-based Subscription, say): let everything through, as HAPI would.
      if (criteria == null || criteria.getType() == TypeEnum.STARTYPE_EXPRESSION
          || criteria.getApplicableResourceTypes() == null
          || criteria.getApplicableResourceTypes().contains(resourceType)) {
        return true;
      }
    }
    return false;
  }
}
