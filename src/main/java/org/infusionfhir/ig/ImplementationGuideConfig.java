package org.infusionfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.packages.loader.PackageLoaderSvc;
import ca.uhn.fhir.jpa.validation.JpaValidationSupportChain;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The offline validator for our guide, and validation on write in the storage layer. */
@Configuration
public class ImplementationGuideConfig {

  @Bean
  public OfflineValidator offlineValidator(FhirContext fhirContext) {
    return OfflineValidator.fromBundledPackage(fhirContext);
  }

  /**
   * HAPI's {@code $validate} uses the JPA validation chain; our guide goes first in it, straight from
   * the package in the jar, so {@code $validate} and validation on write agree and need no database
   * lookup (the chain would also cache "not found" for profiles asked for before installation). Code
   * systems that are not loaded (RxNorm, say) are a warning there too, as in the offline validator.
   */
  @Bean
  public SmartInitializingSingleton guideInJpaValidationChain(
      JpaValidationSupportChain jpaChain, OfflineValidator validator) {
    return () -> {
      jpaChain.addValidationSupport(0, validator.guideSupport());
      jpaChain.addValidationSupport(OfflineValidator.unknownCodeSystemsWarn(validator.fhirContext()));
      jpaChain.invalidateCaches();
    };
  }

  /**
   * HAPI configures its package loader with packages.fhir.org and its mirror. This server installs its one
   * package from the jar and fetches no dependencies, so the loader keeps no servers: a package missing
   * from the database is an error, never a download (no outbound fetch of packages at run time).
   */
  @Bean
  public SmartInitializingSingleton noPackageServers(PackageLoaderSvc packageLoader) {
    return () -> packageLoader.getPackageServers().clear();
  }

  @Bean
  public ProfileValidationInterceptor profileValidationInterceptor(
      OfflineValidator validator, ValidationProperties properties) {
    return new ProfileValidationInterceptor(validator, properties);
  }
}
