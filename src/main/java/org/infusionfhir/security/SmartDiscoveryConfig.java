package org.infusionfhir.security;

import ca.uhn.fhir.rest.server.RestfulServer;
import org.infusionfhir.server.OperationOutcomeResponses;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Publishes the SMART configuration beside the FHIR servlet. */
@Configuration(proxyBeanMethods = false)
class SmartDiscoveryConfig {

  @Bean
  ServletRegistrationBean<SmartConfigurationServlet> smartConfigurationServlet(SmartEndpoints endpoints,
      RestfulServer fhirServer, OperationOutcomeResponses errors) {
    var registration = new ServletRegistrationBean<>(
        new SmartConfigurationServlet(endpoints, fhirServer, errors), SmartConfigurationServlet.PATH);
    registration.setName("smart-configuration");
    return registration;
  }
}
