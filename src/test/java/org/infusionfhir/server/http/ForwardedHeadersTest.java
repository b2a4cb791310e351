package org.infusionfhir.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.infusionfhir.server.FhirServerProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * Forwarded headers are trusted only when configured: by default a client that sends {@code X-Forwarded-Host}
 * cannot make the server's links, issuer checks and launch URLs name another host.
 */
class ForwardedHeadersTest {

  @Test
  void forwardedHeadersAreNotTrustedByDefault() {
    var props = new Binder(new MapConfigurationPropertySource(Map.of()))
        .bindOrCreate("infusion.fhir", FhirServerProperties.class);
    assertThat(props.trustForwardedHeaders()).isFalse();

    var request = new MockHttpServletRequest("GET", "/fhir/Patient");
    request.setServerName("fhir.internal");
    request.setServerPort(8080);
    request.addHeader("X-Forwarded-Host", "attacker.example");
    request.addHeader("X-Forwarded-Proto", "https");
    assertThat(ForwardedAddressStrategy.rootOf(request, props.trustForwardedHeaders()))
        .isEqualTo("http://fhir.internal:8080");
    // Behind a proxy the clinic controls, switched on, they are followed.
    assertThat(ForwardedAddressStrategy.rootOf(request, true)).isEqualTo("https://attacker.example");
  }

  /** The audit's client address: the TCP peer, unless the server trusts its proxy's X-Forwarded-For. */
  @Test
  void theClientAddressIsThePeerUnlessForwardedHeadersAreTrusted() throws Exception {
    for (var trusted : new boolean[] {false, true}) {
      var props = new Binder(new MapConfigurationPropertySource(
          Map.of("infusion.fhir.trust-forwarded-headers", String.valueOf(trusted))))
          .bindOrCreate("infusion.fhir", FhirServerProperties.class);
      var request = new MockHttpServletRequest("GET", "/fhir/Patient");
      request.setRemoteAddr("10.0.0.5");
      request.addHeader("X-Forwarded-For", "198.51.100.7, 203.0.113.9");
      new RequestLogFilter(props).doFilter(request, new org.springframework.mock.web.MockHttpServletResponse(),
          new org.springframework.mock.web.MockFilterChain());
      assertThat(RequestLogFilter.clientAddress(request)).as("trusted: %s", trusted)
          .isEqualTo(trusted ? "203.0.113.9" : "10.0.0.5");
    }
  }
}
