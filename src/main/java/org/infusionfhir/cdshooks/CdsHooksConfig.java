package org.infusionfhir.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.hapi.fhir.cdshooks.api.CDSHooksVersion;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceRegistry;
import ca.uhn.hapi.fhir.cdshooks.controller.CdsHooksController;
import ca.uhn.hapi.fhir.cdshooks.module.CdsHooksObjectMapperFactory;
import ca.uhn.hapi.fhir.cdshooks.serializer.CdsServiceRequestJsonDeserializer;
import ca.uhn.hapi.fhir.cdshooks.svc.CdsHooksContextBooter;
import ca.uhn.hapi.fhir.cdshooks.svc.CdsServiceCache;
import ca.uhn.hapi.fhir.cdshooks.svc.CdsServiceRegistryImpl;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchDaoSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchFhirClientSvc;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.converter.json.MappingJackson2HttpMessageConverter;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * HAPI's CDS Hooks module (2.0) at {@code /cds-services}, with our one service. HAPI's own Spring
 * configuration is not imported: it would start a second application context for the services and let a
 * missing prefetch be read from any server a caller names. The EHR's JWT is checked in our security chain.
 */
@Configuration
@ConditionalOnProperty(name = "infusion.cds-hooks.enabled", havingValue = "true", matchIfMissing = true)
class CdsHooksConfig {

  /** HAPI's JSON mapper for the CDS Hooks classes, kept out of Spring's own so it replaces nothing there. */
  record CdsJson(ObjectMapper mapper) {}

  @Bean
  CdsJson cdsJson(FhirContext fhirContext) {
    return new CdsJson(new CdsHooksObjectMapperFactory(fhirContext).newMapper());
  }

  @Bean
  InfusionSafetyCdsService infusionSafetyCdsService(PatientFinder patients, AlertAccess access, SafetyCards cards) {
    return new InfusionSafetyCdsService(patients, access, cards);
  }

  @Bean
  CardIdentity cardIdentity(IInterceptorService interceptors) {
    var identity = new CardIdentity();
    interceptors.registerInterceptor(identity);
    return identity;
  }

  @Bean
  EhrPrefetch cdsPrefetch(DaoRegistry daos, MatchUrlService matchUrls, FhirContext fhirContext, OwnServer ownServer,
      CdsHooksProperties properties) {
    return new EhrPrefetch(new CdsPrefetchDaoSvc(daos, matchUrls, fhirContext),
        new CdsPrefetchFhirClientSvc(fhirContext), ownServer, properties);
  }

  @Bean
  ICdsServiceRegistry cdsServiceRegistry(InfusionSafetyCdsService service, EhrPrefetch prefetch, CdsJson json,
      FhirContext fhirContext) {
    var booter = new CdsHooksContextBooter() {
      @Override
      public CdsServiceCache buildCdsServiceCache() {
        myCdsServiceBeans = List.of(service);
        return super.buildCdsServiceCache();
      }
    };
    return new CdsServiceRegistryImpl(booter, prefetch, json.mapper(),
        new CdsServiceRequestJsonDeserializer(fhirContext, json.mapper()), CDSHooksVersion.V_2_0);
  }

  @Bean
  CdsHooksController cdsHooksController(ICdsServiceRegistry registry) {
    return new CdsHooksController(registry);
  }

  /**
   * Writes and reads HAPI's CDS Hooks classes with HAPI's mapper (no null members, FHIR resources as FHIR
   * JSON); everything else keeps Spring's.
   */
  @Bean
  WebMvcConfigurer cdsHooksJson(CdsJson json) {
    return new WebMvcConfigurer() {
      @Override
      public void extendMessageConverters(List<HttpMessageConverter<?>> converters) {
        converters.add(0, new MappingJackson2HttpMessageConverter(json.mapper()) {
          @Override
          public boolean canWrite(Class<?> type, MediaType mediaType) {
            return isCdsHooksType(type) && super.canWrite(type, mediaType);
          }

          @Override
          public boolean canRead(Class<?> type, MediaType mediaType) {
            return isCdsHooksType(type) && super.canRead(type, mediaType);
          }

          @Override
          public boolean canRead(java.lang.reflect.Type type, Class<?> contextClass, MediaType mediaType) {
            return type instanceof Class<?> c && isCdsHooksType(c) && super.canRead(type, contextClass, mediaType);
          }

          @Override
          public boolean canWrite(java.lang.reflect.Type type, Class<?> clazz, MediaType mediaType) {
            return isCdsHooksType(clazz) && super.canWrite(type, clazz, mediaType);
          }
        });
      }
    };
  }

  private static boolean isCdsHooksType(Class<?> type) {
    return type != null && type.getPackageName().startsWith("ca.uhn.hapi.fhir.cdshooks.api.json");
  }
}
