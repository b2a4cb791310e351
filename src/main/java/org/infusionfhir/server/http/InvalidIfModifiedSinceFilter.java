package org.infusionfhir.server.http;

import ca.uhn.fhir.util.DateUtils;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import ca.uhn.fhir.util.DateUtils;
import org.infusionfhir.server.FhirServerConfig;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Hides an {@code If-Modified-Since} that is not an HTTP-date. RFC 9110 §13.1.3: "A recipient MUST ignore the
 * If-Modified-Since header field if the received field value is not a valid HTTP-date". HAPI's read parses it
 * (with the {@link DateUtils} used here) and, when that fails, dereferences the null date: a 500 (found by FhirRequestFuzzTest).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 21)
public class InvalidIfModifiedSinceFilter extends OncePerRequestFilter {

  static final String HEADER = "If-Modified-Since";

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    var value = request.getHeader(HEADER);
    return value == null || !request.getRequestURI().startsWith(request.getContextPath() + FhirServerConfig.FHIR_PATH)
        || DateUtils.parseDate(value) != null;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    chain.doFilter(new HttpServletRequestWrapper(request) {
      @Override
      public String getHeader(String name) {
        return HEADER.equalsIgnoreCase(name) ? null : super.getHeader(name);
      }

      @Override
      public Enumeration<String> getHeaders(String name) {
        return HEADER.equalsIgnoreCase(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
      }

      @Override
      public long getDateHeader(String name) {
        return HEADER.equalsIgnoreCase(name) ? -1 : super.getDateHeader(name);
      }

      @Override
      public Enumeration<String> getHeaderNames() {
        return Collections.enumeration(Collections.list(super.getHeaderNames()).stream()
            .filter(n -> !HEADER.equalsIgnoreCase(n)).toList());
      }
    }, response);
  }
}
