package org.infusionbench;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * The harness's same-run reference ({@code --db stock}): HAPI FHIR JPA for R4, the version this project builds
 * on, as it comes. HAPI's default storage settings, in-memory H2, Hibernate without batching, no
 * authorization, no audit, no validation, no subscriptions, no full-text index. It stands in for the stock
 * HAPI JPA starter, whose figures DESIGN.md gives from another day: measured in the same run as our server,
 * the two can be compared as ratios on this machine as it is now. It is leaner than the starter (which also
 * runs a full-text index, CORS, OpenAPI and its tester UI), so the ratios it gives are, if anything, in its
 * favour.
 *
 * <p>Started by {@link ServerProcess#startStock} in its own JVM, on the unpacked jar's libraries and this
 * project's test classes, so that none of the server's own configuration or interceptors is on its classpath.
 */
// Not a @Configuration: the server's component scan of org.infusionfhir would pick it up in the test suite.
// Given to SpringApplication directly, its @Import and @Bean methods are processed all the same.
@ImportAutoConfiguration({
  PropertyPlaceholderAutoConfiguration.class,
  ServletWebServerFactoryAutoConfiguration.class,
  DataSourceAutoConfiguration.class
})
@Import({
  JpaR4Config.class,
  HapiJpaConfig.class,
  JpaBatch2Config.class,
  Batch2JobsConfig.class,
  ThreadPoolFactoryConfig.class,
  SubscriptionChannelConfig.class
})
public class StockHapiServer {

  public static void main(String[] args) {
    var application = new SpringApplication(StockHapiServer.class);
    // No application.yml of anyone's: the database and Spring's own defaults are all there is.
    application.setDefaultProperties(Map.of(
        "spring.config.name", "stock-hapi-server",
        "spring.main.allow-circular-references", "true",
        "spring.main.banner-mode", "off",
        "spring.datasource.url", "jdbc:h2:mem:stock;DB_CLOSE_DELAY=-1",
        "spring.datasource.username", "sa",
        "spring.datasource.password", ""));
    application.run(args);
  }

  /**
   * HAPI's defaults. {@code stock.search-reuse-millis} (HAPI's 60,000 unless given; 0 switches it off, as our
   * server has it) lets the harness compare searches without HAPI answering a repeated one from its cache.
   */
  @Bean
  public JpaStorageSettings storageSettings(
      @Value("${stock.search-reuse-millis:#{null}}") Long searchReuseMillis) {
    var settings = new JpaStorageSettings();
    if (searchReuseMillis != null) {
      settings.setReuseCachedSearchResultsForMillis(searchReuseMillis > 0 ? searchReuseMillis : null);
    }
    return settings;
  }

  @Bean
  public PartitionSettings partitionSettings() {
    return new PartitionSettings();
  }

  @Bean
  @Primary
  public LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource,
      ConfigurableListableBeanFactory beanFactory, FhirContext fhirContext, JpaStorageSettings storageSettings) {
    var factory = HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
    factory.setPersistenceUnitName("HAPI_PU");
    factory.setDataSource(dataSource);
    var properties = new Properties();
    properties.put("hibernate.dialect", HapiFhirH2Dialect.class.getName());
    properties.put("hibernate.hbm2ddl.auto", "update");
    properties.put("hibernate.search.enabled", "false");
    factory.setJpaProperties(properties);
    return factory;
  }

  @Bean
  @Primary
  public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
    return new JpaTransactionManager(entityManagerFactory);
  }

  @Bean
  public ServletRegistrationBean<RestfulServer> fhirServlet(IFhirSystemDao<?, ?> systemDao,
      ResourceProviderFactory resourceProviders, JpaSystemProvider<?, ?> systemProvider,
      JpaStorageSettings storageSettings, ISearchParamRegistry searchParams, IValidationSupport validationSupport,
      DatabaseBackedPagingProvider pagingProvider) {
    var server = new RestfulServer(systemDao.getContext());
    server.registerProviders(resourceProviders.createProviders());
    server.registerProvider(systemProvider);
    server.setServerConformanceProvider(
        new JpaCapabilityStatementProvider(server, systemDao, storageSettings, searchParams, validationSupport));
    server.setPagingProvider(pagingProvider);
    var registration = new ServletRegistrationBean<>(server, "/fhir/*");
    registration.setLoadOnStartup(1);
    return registration;
  }
}
