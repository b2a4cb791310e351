package org.infusionfhir.server.http;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One log line per request: request id, method, path, status and duration. The id comes from the
 * caller's {@code X-Request-Id} when it is well-formed, is echoed in the response, and is in the MDC
 * so that every log line of the request carries it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestLogFilter extends OncePerRequestFilter {

  public static final String HEADER = "X-Request-Id";
  public static final String MDC_KEY = "requestId";
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Logger log = LoggerFactory.getLogger("infusion.request");

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    var supplied = request.getHeader(HEADER);
    boolean usable = supplied != null && SAFE_ID.matcher(supplied).matches();
    var requestId = usable ? supplied : UUID.randomUUID().toString().replace("-", "");
    long start = System.nanoTime();
    MDC.put(MDC_KEY, requestId);
    response.setHeader(HEADER, requestId);
    try {
      // HAPI echoes the X-Request-Id it is given (and makes its own up otherwise): give it ours.
      chain.doFilter(usable ? request : new RequestIdRequest(request, requestId), response);
    } finally {
      long millis = (System.nanoTime() - start) / 1_000_000;
      log.info("{} {} {} {} {}ms", requestId, request.getMethod(), request.getRequestURI(),
          response.getStatus(), millis);
      MDC.remove(MDC_KEY);
    }
  }

  private static final class RequestIdRequest extends HttpServletRequestWrapper {
    private final String requestId;

    RequestIdRequest(HttpServletRequest request, String requestId) {
      super(request);
      this.requestId = requestId;
    }

    @Override
    public String getHeader(String name) {
      return HEADER.equalsIgnoreCase(name) ? requestId : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return HEADER.equalsIgnoreCase(name)
          ? Collections.enumeration(List.of(requestId)) : super.getHeaders(name);
    }
  }
}
