package org.infusionfhir.cdshooks;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.infusionfhir.server.http.RequestRoot;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/** This server's addresses as the EHR calling the service reached it (behind a proxy, as the proxy names it). */
@Component
class OwnServer {

  /** The root, e.g. {@code https://clinic.example}; the workspace is served at root + "/". */
  String root() {
    var attributes = (ServletRequestAttributes) RequestContextHolder.currentRequestAttributes();
    HttpServletRequest request = attributes.getRequest();
    return RequestRoot.of(request);
  }

  String fhirBase() {
    return root() + "/fhir";
  }

  /**
   * Whether {@code fhirServer} (from a hook call) is this server's FHIR base. The scheme is not compared: a
   * proxy may end TLS, so the EHR says https where this server sees http.
   */
  boolean isOurs(String fhirServer) {
    if (fhirServer == null || fhirServer.isBlank()) {
      return true;
    }
    try {
      var theirs = URI.create(fhirServer.endsWith("/") ? fhirServer.substring(0, fhirServer.length() - 1) : fhirServer);
      var ours = URI.create(fhirBase());
      return theirs.getHost() != null && theirs.getHost().equalsIgnoreCase(ours.getHost())
          && port(theirs) == port(ours) && String.valueOf(theirs.getPath()).equals(ours.getPath());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The explicit port, or none for a scheme's default: http://h and https://h:443 are both "no port". */
  private static int port(URI uri) {
    var port = uri.getPort();
    return port == 80 || port == 443 ? -1 : port;
  }
}
