package org.infusionfhir.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.ActiveProfiles;

/**
 * The server on in-memory H2 with small limits, set up as the README's demo (the {@code demo} profile: the
 * fixtures' assigning authority CLINIC is mapped). Every test class carrying it shares one Spring context
 * (one server start for the whole H2 family).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.datasource.url=jdbc:h2:mem:contract;DB_CLOSE_DELAY=-1",
      "infusion.limits.max-body-size=256KB",
      // The tests play the clinic's reverse proxy, from loopback (off by default: docs/security.md).
      "server.forward-headers-strategy=native",
      "server.tomcat.remoteip.internal-proxies=" + H2FhirServer.LOOPBACK_PROXY,
      "infusion.limits.max-json-depth=32",
      "infusion.limits.max-bundle-entries=50",
      "infusion.validation.modes.CarePlan=warn",
      "infusion.validation.modes.Medication=off",
      "infusion.hl7v2.max-message-size=64KB",
      "infusion.hl7v2.mllp.frame-timeout=2s",
      "infusion.hl7v2.mllp.idle-timeout=5s",
      "infusion.batch.check-interval=1s",
      "infusion.subscriptions.allowed-endpoints=http://127.0.0.1:",
      "infusion.subscriptions.retry-first-wait=100ms",
      "infusion.subscriptions.retry-longest-wait=500ms",
      "infusion.security.embedded.key-file=target/test-data/issuer-key.json",
      "infusion.security.embedded.clients-file=src/test/resources/security/clients.json",
      "infusion.auth.admin-secret-file=target/test-data/h2-family-admin-secret",
      // One allowed browser origin, so that the tests see CORS both granted and refused.
      "infusion.security.cors-allowed-origins=" + H2FhirServer.ALLOWED_ORIGIN
    })
@AutoConfigureObservability
@ActiveProfiles("demo")
public @interface H2FhirServer {

  /** The one origin browsers may call the H2 family's server from. */
  String ALLOWED_ORIGIN = "https://ehr.example.test";

  /**
   * Loopback as Tomcat names the peer (IPv4 or IPv6), as a server.tomcat.remoteip.internal-proxies expression;
   * [.] rather than a backslash, which property-file parsing of test annotations would take as an escape.
   */
  String LOOPBACK_PROXY = "127[.]0[.]0[.]1|0:0:0:0:0:0:0:1";
}
