package org.infusionfhir.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.subscription.channel.impl.RetryPolicyProvider;
import ca.uhn.fhir.jpa.subscription.channel.subscription.SubscriptionChannelRegistry;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionLoader;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import java.time.Clock;
import javax.sql.DataSource;
import org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType;
import org.hl7.fhir.r4.model.Subscription;
import org.infusionfhir.server.storage.ReplicaLease;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.backoff.ExponentialBackOffPolicy;
import org.springframework.retry.policy.TimeoutRetryPolicy;

/**
 * R4 rest-hook subscriptions through HAPI's subscription modules: matching of created and updated
 * resources against each active Subscription's criteria, and delivery on a queue per Subscription, so a
 * slow or failing endpoint holds up only its own notifications. Each delivery is kept in the database until its
 * endpoint took it, and failed ones are retried from there with exponential backoff
 * ({@code infusion.subscriptions.retry-*}) by whichever replica comes first ({@link SubscriptionDeliveryLog}).
 */
@Configuration
@Import({SubscriptionSubmitterConfig.class, SubscriptionProcessorConfig.class})
public class RestHookSubscriptionConfig {

  @Bean
  public SubscriptionSettings subscriptionSettings() {
    var settings = new SubscriptionSettings();
    settings.addSupportedSubscriptionType(SubscriptionChannelType.RESTHOOK);
    return settings;
  }

  /** HAPI's delivery factory wants a mail sender; only rest-hook Subscriptions are accepted, so none is used. */
  @Bean
  public IEmailSender noEmailSender() {
    return email -> {
      throw new UnsupportedOperationException("e-mail subscriptions are not supported; use a rest-hook");
    };
  }

  /**
   * Backoff for HAPI's in-memory queues: the matching queue and the batch job notifications, which seldom fail.
   * Deliveries are not retried in memory but from the outbox, with the same settings.
   */
  @Bean
  @Primary
  public RetryPolicyProvider deliveryRetryPolicy(SubscriptionProperties props) {
    return new RetryPolicyProvider() {
      @Override
      protected RetryPolicy retryPolicy() {
        var policy = new TimeoutRetryPolicy();
        policy.setTimeout(props.retryGiveUpAfter().toMillis());
        return policy;
      }

      @Override
      protected BackOffPolicy backOffPolicy() {
        var backOff = new ExponentialBackOffPolicy();
        backOff.setInitialInterval(props.retryFirstWait().toMillis());
        backOff.setMultiplier(props.retryMultiplier());
        backOff.setMaxInterval(props.retryLongestWait().toMillis());
        return backOff;
      }
    };
  }

  @Bean
  public SubscriptionDeliveryStore subscriptionDeliveryStore(JdbcTemplate jdbc) {
    return new SubscriptionDeliveryStore(jdbc);
  }

  @Bean
  public SubscriptionDeliveryLog subscriptionDeliveryLog(SubscriptionProperties props, FhirContext fhir,
      SubscriptionDeliveryStore store, ReplicaLease replica) {
    // A storage interceptor (HookPlacement): deliveries happen outside any request, and writes come from every path.
    return new SubscriptionDeliveryLog(new SubscriptionEndpointPolicy(props), fhir, store, props, replica.self(),
        Clock.systemUTC());
  }

  @Bean
  public SubscriptionOutboxDispatcher subscriptionOutboxDispatcher(SubscriptionDeliveryStore store,
      SubscriptionRegistry registry, SubscriptionChannelRegistry channels, SubscriptionRegistryFreshness freshness,
      SubscriptionProperties props, ReplicaLease replica) {
    return new SubscriptionOutboxDispatcher(store, registry, channels, freshness, props, replica.self(),
        Clock.systemUTC());
  }

  /** Change messages stay in the database until matched ({@link ChangesInFlight}). */
  @Bean
  public ChangesInFlight changesInFlight(JdbcTemplate jdbc, PlatformTransactionManager transactionManager,
      ReplicaLease replica, FhirContext fhir, SubscriptionProperties props) {
    return new ChangesInFlight(jdbc, transactionManager, replica, fhir, props.outboxCheck(), Clock.systemUTC());
  }

  @Bean
  public static ChangesInFlight.Recording changesInFlightRecording(ObjectProvider<ChangesInFlight> changes) {
    return new ChangesInFlight.Recording(changes);
  }

  @Bean
  public SubscriptionStatusProvider subscriptionStatusProvider(DaoRegistry daos, SubscriptionDeliveryLog deliveries,
      SubscriptionRegistry registry, SubscriptionRegistryFreshness freshness) {
    return new SubscriptionStatusProvider(daos.getResourceDao(Subscription.class), deliveries, registry, freshness);
  }

  @Bean
  public SubscriptionRegistryFreshness subscriptionRegistryFreshness(DataSource dataSource, SubscriptionLoader loader,
      SubscriptionProperties props) {
    return new SubscriptionRegistryFreshness(dataSource, loader, props.registryCheck());
  }

  @Bean
  public SubscriptionSubmissionGate subscriptionSubmissionGate(SubscriptionRegistry registry, FhirContext fhir,
      SubscriptionRegistryFreshness freshness) {
    return new SubscriptionSubmissionGate(registry, fhir, freshness);
  }
}
