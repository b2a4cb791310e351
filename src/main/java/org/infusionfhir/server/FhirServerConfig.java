package org.infusionfhir.server;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.util.List;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.infusionfhir.server.batch.BulkExportProperties;
import org.infusionfhir.server.storage.EmptyTypeReindexSkip;
import org.infusionfhir.server.storage.IndexingProperties;

/**
 * The HAPI FHIR JPA server for FHIR R4, with only the modules we use: no MDM, CQL, GraphQL, IPS,
 * full-text search, narrative generation or tester UI.
 */
@Configuration
@Import({
  JpaR4Config.class,
  HapiJpaConfig.class,
  JpaBatch2Config.class,
  Batch2JobsConfig.class,
  ThreadPoolFactoryConfig.class,
  // In-process message channels; batch2 jobs (bulk export, reindex) run on them.
  SubscriptionChannelConfig.class
})
public class FhirServerConfig {

  public static final String FHIR_PATH = "/fhir";

  @Bean
  public JpaStorageSettings storageSettings(FhirServerProperties props, BulkExportProperties bulkExport,
      IndexingProperties indexing) {
    var settings = new JpaStorageSettings();
    // The stock 60 s reuse makes a count taken right after an ingest show the old number.
    settings.setReuseCachedSearchResultsForMillis(
        props.searchReuse().isZero() ? null : props.searchReuse().toMillis());
    // HAPI caches a type's or the system's history count for a minute by default; a count taken when the type
    // had no versions then hides new ones from _history for that minute (seen when one test class asked
    // Patient/_history on an empty database before another wrote a Patient and read its type history).
    settings.setHistoryCountMode(ca.uhn.fhir.jpa.api.model.HistoryCountModeEnum.COUNT_ACCURATE);
    settings.setExpungeEnabled(props.expungeEnabled());
    settings.setAllowMultipleDelete(false);
    // Clients show "n results" from Bundle.total, which HAPI gives once a search has found every match.
    // Its first pass stops at 13 matches (or the page size): let it go on to totalCountedUpTo, so that a
    // small search is finished, total and all, by the time its first page is answered.
    if (props.totalCountedUpTo() > 0) {
      int upTo = props.totalCountedUpTo();
      var thresholds = new java.util.ArrayList<Integer>();
      thresholds.add(upTo);
      settings.getSearchPreFetchThresholds().stream().filter(t -> t == -1 || t > upTo).forEach(thresholds::add);
      settings.setSearchPreFetchThresholds(thresholds);
      settings.setCountSearchResultsUpTo(upTo);
    }
    // Our ValueSets are small and expand in memory; HAPI's pre-expansion needs full-text indexing.
    settings.setPreExpandValueSets(false);
    // A finished step of a batch job (bulk export) starts the next at once, not at the next minute's pass.
    settings.setJobFastTrackingEnabled(true);
    settings.setBulkExportFileRetentionPeriodHours((int) Math.max(1, bulkExport.fileRetention().toHours()));
    settings.setBulkExportFileMaximumCapacity(bulkExport.resourcesPerFile());
    // HAPI hands an identical kick-off the job (and files) an earlier caller started; each job belongs to the
    // client that started it (exchange/ExportOwners), so every kick-off starts its own.
    settings.setEnableBulkExportJobReuse(false);
    if (indexing.inlineResourceTextBelow() > 0) {
      settings.setInlineResourceTextBelowSize(indexing.inlineResourceTextBelow());
    }
    return settings;
  }

  /** No reindex job for a SearchParameter the server itself stores when nothing of its base type is stored. */
  @Bean
  public EmptyTypeReindexSkip emptyTypeReindexSkip(EntityManagerFactory entityManagerFactory) {
    return new EmptyTypeReindexSkip(SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory));
  }

  /** One partition: a clinic runs its own server (partitioning is a module we do not use). */
  @Bean
  public PartitionSettings partitionSettings() {
    return new PartitionSettings();
  }

  @Bean
  public RestfulServer restfulServer(
      IFhirSystemDao<?, ?> systemDao,
      ResourceProviderFactory resourceProviders,
      JpaSystemProvider<?, ?> systemProvider,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport,
      DatabaseBackedPagingProvider pagingProvider,
      BulkDataExportProvider bulkExport,
      FhirServerProperties props,
      List<ServerInterceptor> interceptors,
      List<ServerProvider> providers) {
    var fhirContext = systemDao.getContext();
    fhirContext.setNarrativeGenerator(new NullNarrativeGenerator());

    var server = new RestfulServer(fhirContext);
    server.registerProviders(resourceProviders.createProviders());
    server.registerProvider(systemProvider);
    // Bulk Data $export (system, Patient, Group), $export-poll-status and its DELETE.
    server.registerProvider(bulkExport);
    // Includes ValueSet $expand and $validate-code: HAPI's provider, with the guide's ValueSets expanded in memory.
    providers.forEach(server::registerProvider);

    var capabilities = new JpaCapabilityStatementProvider(
        server, systemDao, storageSettings, searchParamRegistry, validationSupport);
    capabilities.setImplementationDescription("infusion-fhir: FHIR R4 server for infusion clinics");
    server.setServerConformanceProvider(capabilities);
    server.setServerName("infusion-fhir");
    var version = FhirServerConfig.class.getPackage().getImplementationVersion();
    server.setServerVersion(version != null ? version : "development");

    pagingProvider.setDefaultPageSize(props.defaultPageSize());
    pagingProvider.setMaximumPageSize(props.maxPageSize());
    server.setPagingProvider(pagingProvider);
    server.setDefaultResponseEncoding(EncodingEnum.JSON);
    // Links are built from the request's own scheme, host and port. Behind a trusted proxy Tomcat's RemoteIpValve
    // has set them from X-Forwarded-Proto/Host/Port (server.forward-headers-strategy=native); else no header can.
    server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
    server.registerInterceptor(new ResponseHighlighterInterceptor());
    interceptors.stream()
        .filter(interceptor -> HookPlacement.of(interceptor.getClass()) == HookPlacement.REST_SERVER)
        .forEach(server::registerInterceptor);
    return server;
  }

  @Bean
  public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer server) {
    var registration = new ServletRegistrationBean<>(server, FHIR_PATH + "/*");
    registration.setName("fhir");
    registration.setLoadOnStartup(1);
    return registration;
  }
}
