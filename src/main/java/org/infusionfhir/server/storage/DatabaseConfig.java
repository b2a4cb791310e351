package org.infusionfhir.server.storage;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.hibernate.resource.jdbc.spi.StatementInspector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/** The JPA persistence unit HAPI stores FHIR resources in, on H2 or PostgreSQL. */
@Configuration
public class DatabaseConfig {

  private static final Logger log = LoggerFactory.getLogger(DatabaseConfig.class);

  /** HAPI's scheduler, its clustered jobs run by one replica at a time ({@link ClusterSchedulerService}). */
  @Bean
  public static org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor clusterScheduler() {
    return ClusterSchedulerService.replaceHapis();
  }

  /** The schema made or checked before anything reads a table ({@link DatabaseSchema}). */
  @Bean
  public DatabaseSchema databaseSchema(DataSource dataSource, DatabaseProperties database) {
    return DatabaseSchema.prepare(dataSource, database.schemaAction());
  }

  @Bean
  @Primary
  public LocalContainerEntityManagerFactoryBean entityManagerFactory(
      DataSource dataSource,
      DatabaseSchema schema,
      DataSourceProperties dataSourceProperties,
      DatabaseProperties database,
      ConfigurableListableBeanFactory beanFactory,
      FhirContext fhirContext,
      JpaStorageSettings storageSettings) {
    var factory =
        HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
    factory.setPersistenceUnitName("HAPI_PU");
    factory.setDataSource(dataSource);
    var dialect = dialectFor(dataSourceProperties.determineUrl(), database.dialect());
    log.info("Database {} with dialect {}, schema action '{}'",
        dataSourceProperties.determineUrl(), dialect, schema.action());
    factory.setJpaProperties(hibernateProperties(database, dialect, schema.hibernateAction()));
    return factory;
  }

  /** This replica's name, held as a lock while it runs ({@link ReplicaLease}). */
  @Bean
  public ReplicaLease replicaLease(DataSource dataSource) {
    H2StoreFailure.watch(dataSource);
    return new ReplicaLease(dataSource);
  }

  /** A SearchParameter stored by one replica is used by every replica from its next request on. */
  @Bean
  public SearchParameterFreshness searchParameterFreshness(DataSource dataSource,
      ca.uhn.fhir.rest.server.util.ISearchParamRegistry registry) {
    return new SearchParameterFreshness(dataSource, registry);
  }

  @Bean
  public SearchParameterFreshness.BeforeRequests searchParametersBeforeRequests(SearchParameterFreshness freshness) {
    return new SearchParameterFreshness.BeforeRequests(freshness);
  }

  @Bean
  public SearchParameterFreshness.BeforeWrites searchParametersBeforeWrites(SearchParameterFreshness freshness) {
    return new SearchParameterFreshness.BeforeWrites(freshness);
  }

  /** Settings H2 needs for HAPI's storage, added to an H2 URL that does not give them ({@link H2UrlSettings}). */
  @Bean
  static H2UrlSettings h2UrlSettings() {
    return new H2UrlSettings();
  }

  @Bean
  @Primary
  public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
    return new JpaTransactionManager(entityManagerFactory);
  }

  static String dialectFor(String jdbcUrl, String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    if (jdbcUrl != null && jdbcUrl.startsWith("jdbc:postgresql:")) {
      return HapiFhirPostgresDialect.class.getName();
    }
    return HapiFhirH2Dialect.class.getName();
  }

  private static Properties hibernateProperties(DatabaseProperties database, String dialect, String ddl) {
    var props = new Properties();
    props.put("hibernate.dialect", dialect);
    props.put("hibernate.hbm2ddl.auto", ddl);
    // No Lucene/Elasticsearch: full-text search is a module we do not use.
    props.put("hibernate.search.enabled", "false");
    // Envers audits only HAPI's MDM links, and MDM is a module we do not use.
    props.put("hibernate.integration.envers.enabled", "false");
    props.put("hibernate.format_sql", "false");
    props.put("hibernate.show_sql", "false");
    props.put("hibernate.jdbc.batch_size", "50");
    props.put("hibernate.order_inserts", "true");
    props.put("hibernate.order_updates", "true");
    // HAPI's entities have no joined inheritance, so Hibernate's id tables for multi-table bulk
    // updates are never used; creating them fails on H2 (duplicate columns) and fills its trace file.
    props.put("hibernate.query.mutation_strategy.global_temporary.create_tables", "false");
    props.put("hibernate.query.mutation_strategy.global_temporary.drop_tables", "false");
    if (dialect.contains("H2")) {
      var lookups = new H2ResourceLookupRewrite();
      var searches = new H2ReferenceSearchRewrite();
      props.put("hibernate.session_factory.statement_inspector",
          (StatementInspector) sql -> searches.inspect(lookups.inspect(sql)));
    }
    props.putAll(database.hibernate());
    return props;
  }
}
