package org.infusionfhir.safety;

import org.infusionfhir.server.storage.DatabaseSchema;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.subscription.async.AsyncResourceModifiedSubmitterSvc;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.infusionfhir.adapter.InfusionLinker;
import org.infusionfhir.adapter.LinkingProperties;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.safety.RulesFile.Rules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The safety monitor's parts. The rules file is read when the server starts: a fault in it stops the start,
 * so a clinic never runs with fewer rules than its file says.
 */
@Configuration
@ConditionalOnProperty(name = "infusion.safety.enabled", havingValue = "true", matchIfMissing = true)
public class SafetyConfig {

  private static final Logger log = LoggerFactory.getLogger(SafetyConfig.class);

  @Bean
  public Rules safetyRules(SafetyProperties properties, VitalSigns vitalSigns) {
    var rules = RulesFile.load(properties.rulesFile(), vitalSigns);
    log.info("safety monitor: {} rules and {} discharge limits from {}", rules.rules().size(), rules.discharge().size(),
        rules.file());
    return rules;
  }

  @Bean
  public AlertEpisodes alertEpisodes(DataSource dataSource, DatabaseSchema schemaFirst) {
    return new AlertEpisodes(dataSource);
  }

  @Bean
  public SafetyMetrics safetyMetrics(MeterRegistry registry) {
    return new SafetyMetrics(registry);
  }

  @Bean
  public AlertStore alertStore(DaoRegistry daos) {
    return new AlertStore(daos);
  }

  @Bean
  public EpisodeTransactions episodeTransactions(PlatformTransactionManager transactionManager,
      ObjectProvider<AsyncResourceModifiedSubmitterSvc> subscriptionSubmitter) {
    // Without subscription support in the context (a command such as load), there is nothing to hand over.
    return new EpisodeTransactions(transactionManager, () -> subscriptionSubmitter.ifAvailable(
        AsyncResourceModifiedSubmitterSvc::runDeliveryPass));
  }

  @Bean
  public ReadingEvaluator readingEvaluator(Rules rules, AlertEpisodes episodes, AlertStore store, InfusionLinker linker,
      DaoRegistry daos, EpisodeTransactions transactions, SafetyMetrics metrics, SafetyProperties properties) {
    return new ReadingEvaluator(rules, episodes, store, linker, daos, transactions, metrics, properties.maxReadingAge());
  }

  @Bean
  public DischargeCheck dischargeCheck(Rules rules, AlertEpisodes episodes, AlertStore store,
      EpisodeTransactions transactions, SafetyMetrics metrics, LinkingProperties linking, VitalSigns vitalSigns,
      DaoRegistry daos) {
    return new DischargeCheck(rules, episodes, store, transactions, metrics, linking, vitalSigns, daos);
  }

  /** A storage interceptor (HookPlacement): registered by InterceptorRegistrar, it sees writes from every path. */
  @Bean
  public SafetyMonitor safetyMonitor(ReadingEvaluator evaluator, DischargeCheck discharge, SafetyMetrics metrics,
      SafetyProperties properties) {
    return new SafetyMonitor(evaluator, discharge, metrics, properties.workers());
  }

  @Bean
  public AlertEscalation alertEscalation(AlertStore store, EpisodeTransactions transactions, SafetyMetrics metrics,
      SafetyProperties properties) {
    return new AlertEscalation(store, transactions, metrics, properties.escalateAfter(),
        properties.escalationCheckInterval());
  }
}
