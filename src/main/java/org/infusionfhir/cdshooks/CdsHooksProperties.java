package org.infusionfhir.cdshooks;

import java.net.URI;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The CDS Hooks service that shows the safety monitor's alerts as cards in the EHR.
 *
 * @param enabled serve {@code /cds-services}
 * @param sourceLabel the {@code source.label} of every card: who stands behind the rules
 * @param ehrFhirServers FHIR servers of EHRs (base URLs) that the service may call itself for a prefetch the
 *     EHR did not send, with the EHR's {@code fhirAuthorization}; empty (the default) means it never calls out,
 *     so a caller cannot make the server fetch from an address of its choosing
 */
@ConfigurationProperties("infusion.cds-hooks")
public record CdsHooksProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("Infusion clinic safety rules") String sourceLabel,
    @DefaultValue List<String> ehrFhirServers) {

  /** Whether the service may fetch from {@code fhirServer}: listed, same scheme, host, port and path. */
  boolean mayFetchFrom(String fhirServer) {
    if (fhirServer == null) {
      return false;
    }
    return ehrFhirServers.stream().anyMatch(allowed -> sameBase(allowed, fhirServer));
  }

  private static boolean sameBase(String a, String b) {
    try {
      var x = URI.create(strip(a)).normalize();
      var y = URI.create(strip(b)).normalize();
      return x.getScheme() != null && x.getScheme().equalsIgnoreCase(y.getScheme())
          && x.getHost() != null && x.getHost().equalsIgnoreCase(y.getHost()) && x.getPort() == y.getPort()
          && String.valueOf(x.getPath()).equals(String.valueOf(y.getPath()));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String strip(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
