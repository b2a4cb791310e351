package org.infusionfhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code java -jar infusion-fhir.jar load PATH...}, as a user runs it beside a running server. */
class LoadCommandTest {

  @Test
  void loadStoresFixturesTwiceWithoutTakingTheMllpPortOfARunningServer() throws IOException {
    // Stands in for a running server holding the MLLP port; loading must not try to bind it.
    try (var runningServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var args = List.of(
          "--spring.datasource.url=jdbc:h2:mem:load-command;DB_CLOSE_DELAY=-1",
          "--infusion.hl7v2.mllp.port=" + runningServer.getLocalPort(),
          "--infusion.hl7v2.mllp.bind-address=127.0.0.1",
          "fixtures/resources/iv-vitamin-medication-example.json");
      assertThat(Application.load(args)).isZero();
      assertThat(Application.load(args)).isZero();
    }
  }

  @Test
  void loadWithoutAPathIsAUsageError() {
    assertThat(Application.load(List.of())).isEqualTo(2);
  }
}
