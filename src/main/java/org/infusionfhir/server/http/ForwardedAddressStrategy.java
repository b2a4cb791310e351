package org.infusionfhir.server.http;

import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Collections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.util.ForwardedHeaderUtils;

/**
 * The FHIR base URL as a client behind a reverse proxy sees it: scheme, host and port from
 * {@code Forwarded} or {@code X-Forwarded-Proto/Host/Port}, and {@code X-Forwarded-Prefix} as the path
 * the proxy stripped before {@code /fhir} (the meaning Spring and common proxies give it). HAPI's own
 * ApacheProxyAddressStrategy instead takes the prefix as the whole base path and drops {@code /fhir}.
 */
public class ForwardedAddressStrategy extends IncomingRequestAddressStrategy {

  private static final Logger log = LoggerFactory.getLogger(ForwardedAddressStrategy.class);

  /**
   * The server's root address as the client used it ({@code https://fhir.clinic.example/records}), with the
   * forwarded headers applied when {@code trusted}: the same rule as the FHIR links, for callers outside HAPI.
   */
  public static String rootOf(HttpServletRequest request, boolean trusted) {
    var url = URI.create(request.getRequestURL().toString());
    var root = URI.create(url.getScheme() + "://" + url.getRawAuthority() + request.getContextPath());
    return trusted ? asForwarded(root, request) : root.toString();
  }

  @Override
  public String determineServerBase(ServletContext servletContext, HttpServletRequest request) {
    return asForwarded(URI.create(super.determineServerBase(servletContext, request)), request);
  }

  /** {@code address} with the scheme, host and port the forwarded headers name, behind their path prefix. */
  private static String asForwarded(URI address, HttpServletRequest request) {
    var headers = new HttpHeaders();
    for (var name : Collections.list(request.getHeaderNames())) {
      headers.addAll(name, Collections.list(request.getHeaders(name)));
    }
    var prefix = forwardedPrefix(request.getHeader("X-Forwarded-Prefix"));
    try {
      var adapted = ForwardedHeaderUtils.adaptFromForwardedHeaders(address, headers);
      var base = adapted.replacePath(prefix + address.getRawPath()).build().toUriString();
      // Spring takes any scheme a header names: "X-Forwarded-Proto: 1" made the FHIR links "1://host/fhir", and
      // the Turtle writer (Jena) refused such a base with a 500 (found by FhirRequestFuzzTest).
      // Nor does it check the host: "X-Forwarded-Host: //evil.example" made them "http:////evil.example/fhir".
      var uri = URI.create(base);
      if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
          || uri.getHost() == null) {
        throw new IllegalArgumentException("scheme or host of " + base);
      }
      return base;
    } catch (IllegalArgumentException | IllegalStateException e) {
      // Spring's message quotes every request header, the bearer token among them: it was answered 500 with the
      // token in the OperationOutcome (found by FhirRequestFuzzTest: X-Forwarded-Port: a1D). Refusing with a 400
      // instead failed where HAPI asks for the base while it renders an error (an HTML answer): the links keep
      // the server's own address, as with untrusted headers.
      log.warn("the forwarded headers (Forwarded, X-Forwarded-Host, -Port, -Proto, -Prefix) name no address; "
          + "the FHIR links use the server's own");
      return address.toString();
    }
  }

  private static String forwardedPrefix(String header) {
    if (header == null) {
      return "";
    }
    var prefix = header.split(",")[0].trim();
    while (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    // Only a plain path; anything else (a scheme, a query) is ignored rather than echoed into links.
    return prefix.matches("(/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*") ? prefix : "";
  }
}
