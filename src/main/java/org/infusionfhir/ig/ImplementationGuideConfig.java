package org.infusionfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The offline validator for our guide, and validation on write in the storage layer. */
@Configuration
public class ImplementationGuideConfig {

  @Bean
  public OfflineValidator offlineValidator(FhirContext fhirContext) {
    return OfflineValidator.fromBundledPackage(fhirContext);
  }

  @Bean
  public ProfileValidationInterceptor profileValidationInterceptor(
      OfflineValidator validator, ValidationProperties properties, IInterceptorService storageInterceptors) {
    var interceptor = new ProfileValidationInterceptor(validator, properties);
    storageInterceptors.registerInterceptor(interceptor);
    return interceptor;
  }
}
