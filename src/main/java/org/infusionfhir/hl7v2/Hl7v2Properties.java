package org.infusionfhir.hl7v2;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The HL7 v2 adapter ({@code infusion.hl7v2.*}).
 *
 * @param maxMessageSize the largest message accepted over MLLP or HTTP; larger ones get AR
 * @param defaultZone the time zone of HL7 v2 times that carry no offset (default: the server's)
 * @param mllp the MLLP listener
 */
@ConfigurationProperties("infusion.hl7v2")
public record Hl7v2Properties(
    @DefaultValue("1MB") DataSize maxMessageSize,
    ZoneId defaultZone,
    @DefaultValue Mllp mllp) {

  public Hl7v2Properties {
    defaultZone = defaultZone == null ? ZoneId.systemDefault() : defaultZone;
  }

  /**
   * @param enabled whether to listen at all
   * @param port TCP port (0 picks a free one, for tests)
   * @param bindAddress the interface to listen on; 127.0.0.1 (the default) keeps it to this host. Any other
   *     address needs allowed-peers or TLS with client certificates, or the server does not start
   * @param allowedPeers addresses or CIDR ranges that may connect; empty allows any (only on loopback, or
   *     with client certificates)
   * @param idleTimeout a connection with no message for this long is closed
   * @param frameTimeout a message that has started must be complete within this time
   * @param maxConnections connections served at once; more are closed on accept
   * @param sslBundle a Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) to speak MLLP over TLS with;
   *     empty (the default): plain TCP, to be protected by the network or a TLS proxy in front
   * @param requireClientCertificate with TLS, accept only peers presenting a certificate the bundle's
   *     trust store trusts (mutual TLS): the only per-sender authentication MLLP can have
   */
  public record Mllp(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("2575") int port,
      @DefaultValue("127.0.0.1") String bindAddress,
      @DefaultValue List<String> allowedPeers,
      @DefaultValue("5m") Duration idleTimeout,
      @DefaultValue("30s") Duration frameTimeout,
      @DefaultValue("64") int maxConnections,
      String sslBundle,
      @DefaultValue("false") boolean requireClientCertificate) {

    public boolean tls() {
      return sslBundle != null && !sslBundle.isBlank();
    }
  }
}
