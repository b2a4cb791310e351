package org.infusionfhir.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The MLLP listener is safe by default: it listens on loopback, and a listener other hosts can reach must say who
 * may send (a peer allowlist, or TLS with client certificates), or the server does not start.
 */
class MllpBindTest {

  @Test
  void theListenerBindsToLoopbackByDefault() {
    assertThat(mllp(Map.of()).bindAddress()).isEqualTo("127.0.0.1");
    assertThatCode(() -> MllpListener.refuseAnOpenListener(mllp(Map.of()))).doesNotThrowAnyException();
  }

  @Test
  void aListenerOnAnotherAddressWithoutAllowlistOrClientCertificatesIsRefusedNamingWhatToSet() {
    for (var address : new String[] {"0.0.0.0", "::"}) {
      assertThatThrownBy(() -> MllpListener.refuseAnOpenListener(mllp(Map.of("bind-address", address))))
          .as(address).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("infusion.hl7v2.mllp.allowed-peers")
          .hasMessageContaining("require-client-certificate");
    }
    // TLS alone is not enough: without client certificates anyone may still send.
    assertThatThrownBy(() -> MllpListener.refuseAnOpenListener(
        mllp(Map.of("bind-address", "0.0.0.0", "ssl-bundle", "mllp")))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aListenerOnAnotherAddressStartsWithAnAllowlistOrClientCertificates() {
    assertThatCode(() -> MllpListener.refuseAnOpenListener(
        mllp(Map.of("bind-address", "0.0.0.0", "allowed-peers", "10.20.30.0/24")))).doesNotThrowAnyException();
    assertThatCode(() -> MllpListener.refuseAnOpenListener(mllp(Map.of("bind-address", "0.0.0.0",
        "ssl-bundle", "mllp", "require-client-certificate", "true")))).doesNotThrowAnyException();
    // A listener that is off needs neither.
    assertThatCode(() -> MllpListener.refuseAnOpenListener(
        mllp(Map.of("bind-address", "0.0.0.0", "enabled", "false")))).doesNotThrowAnyException();
  }

  private static Hl7v2Properties.Mllp mllp(Map<String, String> settings) {
    var all = new HashMap<String, String>();
    settings.forEach((name, value) -> all.put("infusion.hl7v2.mllp." + name, value));
    return new Binder(new MapConfigurationPropertySource(all)).bindOrCreate("infusion.hl7v2", Hl7v2Properties.class)
        .mllp();
  }
}
