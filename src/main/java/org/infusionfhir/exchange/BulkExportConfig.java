package org.infusionfhir.exchange;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Tunes HAPI's Bulk Data export, which {@code FhirServerConfig} registers: how long files are kept
 * and how big they get. Jobs and files live in the database, so any replica
 * answers a status poll, and a job survives a restart.
 */
@Configuration
@EnableConfigurationProperties(BulkExportProperties.class)
public class BulkExportConfig {

  @Bean
  static BeanPostProcessor bulkExportTuning(ObjectProvider<BulkExportProperties> properties) {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessBeforeInitialization(Object bean, String name) {
        if (bean instanceof JpaStorageSettings settings) {
          var props = properties.getObject();
          settings.setBulkExportFileRetentionPeriodHours(
              (int) Math.max(1, props.fileRetention().toHours()));
          settings.setBulkExportFileMaximumCapacity(props.resourcesPerFile());
        }
        return bean;
      }
    };
  }
}
