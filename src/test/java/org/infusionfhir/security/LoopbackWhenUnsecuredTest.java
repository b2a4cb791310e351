package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.logging.DeferredLogs;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** {@code infusion.security.enabled=false} is for one developer's machine: everything binds to loopback. */
class LoopbackWhenUnsecuredTest {

  private StandardEnvironment environment(Map<String, Object> properties) {
    var environment = new StandardEnvironment();
    environment.getPropertySources().addLast(new MapPropertySource("configured", properties));
    new LoopbackWhenUnsecured(new DeferredLogs()).postProcessEnvironment(environment, null);
    return environment;
  }

  @Test
  void switchedOffTheServerAndMllpBindToLoopbackWhateverWasConfigured() {
    var environment = environment(Map.of("infusion.security.enabled", "false",
        "server.address", "0.0.0.0", "infusion.hl7v2.mllp.bind-address", "0.0.0.0"));
    assertThat(environment.getProperty("server.address")).isEqualTo("127.0.0.1");
    assertThat(environment.getProperty("infusion.hl7v2.mllp.bind-address")).isEqualTo("127.0.0.1");
  }

  @Test
  void switchedOnTheConfiguredAddressesStand() {
    var environment = environment(Map.of("server.address", "0.0.0.0"));
    assertThat(environment.getProperty("server.address")).isEqualTo("0.0.0.0");
    assertThat(environment.getProperty("infusion.hl7v2.mllp.bind-address")).isNull();
  }
}
