package org.infusionfhir.security;

import java.util.Map;
import org.apache.commons.logging.Log;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * With {@code infusion.security.enabled=false} nothing asks who is calling, so the HTTP server and the
 * MLLP listener listen on loopback only, whatever else is configured: the switch is for a developer's own
 * machine, never for a network.
 */
public class LoopbackWhenUnsecured implements EnvironmentPostProcessor, Ordered {

  static final String LOOPBACK = "127.0.0.1";

  private final Log log;

  public LoopbackWhenUnsecured(DeferredLogFactory logs) {
    this.log = logs.getLog(LoopbackWhenUnsecured.class);
  }

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    if (environment.getProperty("infusion.security.enabled", Boolean.class, true)) {
      return;
    }
    environment.getPropertySources().addFirst(new MapPropertySource("infusion-security-disabled",
        Map.of("server.address", LOOPBACK, "infusion.hl7v2.mllp.bind-address", LOOPBACK)));
    log.warn("""

        ************************************************************************************
        *  AUTHORIZATION IS OFF (infusion.security.enabled=false): no token is checked and  *
        *  anyone who can reach this server can read and change every patient's record.     *
        *  For local development only. HTTP and MLLP are bound to 127.0.0.1.                *
        ************************************************************************************""");
  }

  @Override
  public int getOrder() {
    // After the configuration files and command line are read, so their value of the switch counts.
    return Ordered.LOWEST_PRECEDENCE;
  }
}
