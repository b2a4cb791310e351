package org.infusionfhir.server.http;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The server's root address as the client used it, e.g. {@code https://fhir.clinic.example}: the same rule as
 * HAPI's links (its {@code IncomingRequestAddressStrategy}), for callers outside HAPI.
 */
public final class RequestRoot {

  private RequestRoot() {}

  /**
   * The request's scheme, host and port, then its context path. Behind a proxy that
   * {@code server.tomcat.remoteip.internal-proxies} names (with {@code server.forward-headers-strategy=native}),
   * Tomcat's RemoteIpValve has already put the proxy's {@code X-Forwarded-Proto/Host/Port} there; from anyone
   * else those headers have changed nothing.
   */
  public static String of(HttpServletRequest request) {
    var scheme = request.getScheme();
    var port = request.getServerPort();
    var defaultPort = ("https".equalsIgnoreCase(scheme) && port == 443) || ("http".equalsIgnoreCase(scheme) && port == 80);
    var host = request.getServerName();
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return scheme + "://" + host + (defaultPort ? "" : ":" + port) + request.getContextPath();
  }
}
