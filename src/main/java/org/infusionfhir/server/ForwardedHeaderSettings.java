package org.infusionfhir.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses to start on forwarded-header settings that would trust the wrong senders: our removed switch
 * {@code infusion.fhir.trust-forwarded-headers} (an operator who set it expects a proxy to be trusted, and
 * silently ignoring it would break their links), and Spring's {@code framework} strategy, whose filter believes
 * {@code Forwarded} and {@code X-Forwarded-*} from every client and rewrites the request path HAPI routes on.
 */
public class ForwardedHeaderSettings implements EnvironmentPostProcessor, Ordered {

  static final String REMOVED = "infusion.fhir.trust-forwarded-headers";
  static final String HOW = "set server.forward-headers-strategy=native and server.tomcat.remoteip.internal-proxies "
      + "to a regular expression matching only your proxy's address (docs/security.md#behind-a-reverse-proxy)";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    if (environment.containsProperty(REMOVED)) {
      throw new IllegalStateException(REMOVED + " was removed: forwarded headers are trusted from named proxies only. "
          + "To trust your reverse proxy, " + HOW);
    }
    if ("framework".equalsIgnoreCase(environment.getProperty("server.forward-headers-strategy", "").strip())) {
      throw new IllegalStateException("server.forward-headers-strategy=framework would believe forwarded headers "
          + "from any client. To trust your reverse proxy, " + HOW);
    }
  }

  @Override
  public int getOrder() {
    // After the configuration files, the environment and the command line are read.
    return Ordered.LOWEST_PRECEDENCE;
  }
}
