package org.infusionfhir.hl7v2;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class Hl7v2Config {

  @Bean
  @ConditionalOnProperty(name = "infusion.hl7v2.mllp.enabled", havingValue = "true", matchIfMissing = true)
  MllpListener mllpListener(Hl7v2Ingest ingest, Hl7v2Properties properties, ObjectProvider<SslBundles> sslBundles) {
    return new MllpListener(ingest, properties, tlsBundle(properties, sslBundles.getIfAvailable()));
  }

  /** The SSL bundle named by {@code infusion.hl7v2.mllp.ssl-bundle}, or null for plain TCP. */
  static SslBundle tlsBundle(Hl7v2Properties properties, SslBundles bundles) {
    if (!properties.mllp().tls()) {
      if (properties.mllp().requireClientCertificate()) {
        throw new IllegalStateException("infusion.hl7v2.mllp.require-client-certificate needs TLS:"
            + " name an SSL bundle in infusion.hl7v2.mllp.ssl-bundle");
      }
      return null;
    }
    if (bundles == null) {
      throw new IllegalStateException("infusion.hl7v2.mllp.ssl-bundle is set but no SSL bundles are configured");
    }
    // An unknown name fails start-up here (NoSuchSslBundleException), not at the first connection.
    return bundles.getBundle(properties.mllp().sslBundle());
  }
}
