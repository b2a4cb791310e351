package org.infusionfhir.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * MLLP inside TLS ({@code infusion.hl7v2.mllp.ssl-bundle}): a second listener, on the shared server's own
 * ingest, speaks TLS made from a Spring Boot SSL bundle with a throwaway key. A monitor speaking TLS gets
 * its ACK; one speaking plain MLLP to that port gets nothing and is disconnected.
 */
@H2FhirServer
class MllpTlsTest extends FhirServerTestBase {

  static final String PASSWORD = "throwaway";

  @TempDir static Path keys;
  static KeyStore serverKey;
  static KeyStore clientKey;

  @Autowired Hl7v2Ingest ingest;

  @BeforeAll
  static void throwawayKeys() throws Exception {
    serverKey = generateKey("server");
    clientKey = generateKey("monitor");
  }

  @Test
  void aMonitorSpeakingTlsGetsItsAck() throws Exception {
    try (var tls = new Listener(false, serverKey, null); var mllp = new MllpClient(tlsSocket(tls.port(), null))) {
      var ack = mllp.send(freshMessage());
      assertThat(ack.code()).as(ack.text()).isEqualTo("AA");
    }
  }

  @Test
  void plainMllpOnTheTlsPortGetsNoAckAndIsDisconnected() throws Exception {
    try (var tls = new Listener(false, serverKey, null); var plain = new MllpClient(tls.port())) {
      plain.writeRaw(MllpClient.frame(freshMessage()));
      assertThatThrownBy(plain::readAck).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("closed before an ACK");
    }
  }

  @Test
  void withClientCertificatesRequiredOnlyATrustedMonitorIsServed() throws Exception {
    var trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("monitor", clientKey.getCertificate("monitor"));
    try (var tls = new Listener(true, serverKey, trusted)) {
      try (var mllp = new MllpClient(tlsSocket(tls.port(), clientKey))) {
        assertThat(mllp.send(freshMessage()).code()).isEqualTo("AA");
      }
      assertThatThrownBy(() -> {
        try (var anonymous = new MllpClient(tlsSocket(tls.port(), null))) {
          anonymous.send(freshMessage());
        }
      }).as("a TLS client without a certificate").isInstanceOfAny(IOException.class, UncheckedIOException.class);
    }
  }

  @Test
  void anSslBundleThatDoesNotExistStopsStartUp() {
    var registry = new DefaultSslBundleRegistry();
    assertThatThrownBy(() -> Hl7v2Config.tlsBundle(properties("no-such-bundle", false), registry))
        .hasMessageContaining("no-such-bundle");
  }

  /** A listener on a free loopback port, made the way the server makes it: an SSL bundle found by name. */
  final class Listener implements AutoCloseable {
    private final MllpListener listener;

    Listener(boolean requireClientCertificate, KeyStore key, KeyStore trusted) {
      var registry = new DefaultSslBundleRegistry();
      registry.registerBundle("mllp", SslBundle.of(SslStoreBundle.of(key, PASSWORD, trusted)));
      var props = properties("mllp", requireClientCertificate);
      listener = new MllpListener(ingest, props, Hl7v2Config.tlsBundle(props, registry));
      listener.start();
    }

    int port() {
      return listener.port();
    }

    @Override
    public void close() {
      listener.stop();
    }
  }

  private static Hl7v2Properties properties(String bundle, boolean requireClientCertificate) {
    var settings = new HashMap<String, String>(Map.of(
        "infusion.hl7v2.mllp.port", "0",
        "infusion.hl7v2.mllp.bind-address", "127.0.0.1",
        "infusion.hl7v2.mllp.idle-timeout", "5s",
        "infusion.hl7v2.mllp.frame-timeout", "2s",
        "infusion.hl7v2.mllp.ssl-bundle", bundle,
        "infusion.hl7v2.mllp.require-client-certificate", String.valueOf(requireClientCertificate)));
    return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("infusion.hl7v2", Hl7v2Properties.class);
  }

  /** A TLS client trusting the throwaway server key, presenting {@code clientKey} when given. */
  private static SSLSocket tlsSocket(int port, KeyStore clientKey) throws IOException {
    SSLContext context = SslBundle.of(SslStoreBundle.of(clientKey, clientKey == null ? null : PASSWORD, serverKey))
        .createSslContext();
    var socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.startHandshake();
    return socket;
  }

  private String freshMessage() {
    return Hl7v2Messages.withControlId(Hl7v2Messages.read(Hl7v2Messages.VALID.resolve("pcd01-v26-new-patient.hl7")),
        unique("TLS"));
  }

  /** A self-signed EC key for 127.0.0.1, made with the JDK's keytool: no key material in the repository. */
  private static KeyStore generateKey(String alias) throws Exception {
    var file = keys.resolve(alias + ".p12");
    var keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    var process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", alias, "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", "CN=" + alias, "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD))
        .redirectErrorStream(true).start();
    var output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(output).isZero();
    var store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, PASSWORD.toCharArray());
    }
    return store;
  }
}
