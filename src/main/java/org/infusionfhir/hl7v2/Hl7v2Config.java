package org.infusionfhir.hl7v2;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class Hl7v2Config {

  @Bean
  @ConditionalOnProperty(name = "infusion.hl7v2.mllp.enabled", havingValue = "true", matchIfMissing = true)
  MllpListener mllpListener(Hl7v2Ingest ingest, Hl7v2Properties properties) {
    return new MllpListener(ingest, properties);
  }
}
