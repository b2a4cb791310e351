package org.infusionfhir.exchange;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * R4 rest-hook subscriptions ({@code infusion.subscriptions.*}).
 *
 * @param allowedEndpoints endpoint URL prefixes always allowed, e.g. {@code https://ehr.clinic.example/fhir/};
 *     the only way to reach loopback, private, link-local or other internal addresses
 * @param allowPublicEndpoints whether an endpoint outside that list may be used when every address its
 *     host resolves to is a public one
 * @param retryFirstWait wait before the first retry of a failed delivery
 * @param retryMultiplier each further wait is this many times the last
 * @param retryLongestWait the longest wait between two retries
 * @param retryGiveUpAfter a notification still undelivered this long after its write matched is dropped
 *     (logged, and counted as abandoned in {@code $delivery-status}); later notifications are tried afresh
 * @param deliveryClaim how long a replica holds a delivery it is about to send: the longest a delivery waits
 *     when the replica holding it is killed, before another replica (or it, restarted) sends it; longer than
 *     any one attempt takes (HAPI's rest-hook client gives up on an endpoint after 10 s to connect and 10 s
 *     to answer)
 * @param outboxCheck how often each replica looks in the outbox for deliveries due: retries whose wait is
 *     over, and deliveries a stopped replica left
 * @param registryCheck how often, at most, a replica looks in the database for Subscriptions created or changed
 *     on another replica before it keeps a write of an unwatched type out of the subscription pipeline: the
 *     longest a new Subscription can miss writes made on a replica other than its own
 */
@ConfigurationProperties("infusion.subscriptions")
public record SubscriptionProperties(
    @DefaultValue List<String> allowedEndpoints,
    @DefaultValue("true") boolean allowPublicEndpoints,
    @DefaultValue("1s") Duration retryFirstWait,
    @DefaultValue("2.0") double retryMultiplier,
    @DefaultValue("1m") Duration retryLongestWait,
    @DefaultValue("15m") Duration retryGiveUpAfter,
    @DefaultValue("1m") Duration deliveryClaim,
    @DefaultValue("1s") Duration outboxCheck,
    @DefaultValue("1s") Duration registryCheck) {}
