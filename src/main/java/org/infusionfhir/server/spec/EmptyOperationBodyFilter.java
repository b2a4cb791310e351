package org.infusionfhir.server.spec;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.infusionfhir.server.FhirServerConfig;

/**
 * Gives an operation invoked by POST with an empty body an empty {@code Parameters} resource, so that it
 * answers as the same operation by GET does.
 *
 * <p>FHIR R4 §3.1.0.1 (operations): the body of a POST is a Parameters resource, and an operation without
 * parameters has nothing to send. Clients such as fhir-kit-client send {@code POST Patient/1/$everything}
 * with {@code Content-Type: application/fhir+json} and no content; HAPI answers that with
 * {@code 400 HAPI-1857: Did not find any content to parse}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
public class EmptyOperationBodyFilter extends OncePerRequestFilter {

  /**
   * Request attribute set (to {@code Boolean.TRUE}) on an operation request whose body was empty, for
   * handlers that answer an operation by GET before HAPI does and should answer this one alike.
   */
  public static final String EMPTY_BODY = EmptyOperationBodyFilter.class.getName() + ".emptyBody";

  private static final byte[] EMPTY_JSON = "{\"resourceType\":\"Parameters\"}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] EMPTY_XML =
      "<Parameters xmlns=\"http://hl7.org/fhir\"/>".getBytes(StandardCharsets.UTF_8);

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    if (!"POST".equals(request.getMethod()) || request.getContentLengthLong() > 0) {
      return true;
    }
    var path = request.getRequestURI();
    if (!path.startsWith(request.getContextPath() + FhirServerConfig.FHIR_PATH + "/")) {
      return true;
    }
    var lastSegment = path.substring(path.lastIndexOf('/') + 1);
    return !lastSegment.startsWith("$") || !(isXml(request) || isJsonOrAbsent(request));
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (request.getContentLengthLong() == 0) {
      request.setAttribute(EMPTY_BODY, Boolean.TRUE);
      chain.doFilter(new EmptyParametersRequest(request, isXml(request) ? EMPTY_XML : EMPTY_JSON), response);
      return;
    }
    // Chunked: only reading tells whether anything was sent.
    var body = new PushbackInputStream(request.getInputStream(), 1);
    int first = body.read();
    if (first < 0) {
      request.setAttribute(EMPTY_BODY, Boolean.TRUE);
      chain.doFilter(new EmptyParametersRequest(request, isXml(request) ? EMPTY_XML : EMPTY_JSON), response);
      return;
    }
    body.unread(first);
    chain.doFilter(new BodyRequest(request, body), response);
  }

  private static String contentType(HttpServletRequest request) {
    var type = request.getContentType();
    return type == null ? "" : type.toLowerCase(Locale.ROOT);
  }

  private static boolean isXml(HttpServletRequest request) {
    return contentType(request).contains("xml");
  }

  private static boolean isJsonOrAbsent(HttpServletRequest request) {
    var type = contentType(request);
    return type.isEmpty() || type.contains("json");
  }

  /** The request with its (empty) body replaced by an empty Parameters resource. */
  private static final class EmptyParametersRequest extends BodyRequest {
    private final int length;
    private final boolean xml;

    EmptyParametersRequest(HttpServletRequest request, byte[] parameters) {
      super(request, new ByteArrayInputStream(parameters));
      this.length = parameters.length;
      this.xml = parameters == EMPTY_XML;
    }

    @Override
    public int getContentLength() {
      return length;
    }

    @Override
    public long getContentLengthLong() {
      return length;
    }

    @Override
    public String getContentType() {
      var type = super.getContentType();
      return type == null || type.isBlank() ? (xml ? "application/fhir+xml" : "application/fhir+json") : type;
    }

    @Override
    public String getHeader(String name) {
      if ("Content-Length".equalsIgnoreCase(name)) {
        return Integer.toString(length);
      }
      if ("Content-Type".equalsIgnoreCase(name)) {
        return getContentType();
      }
      return super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      if ("Content-Length".equalsIgnoreCase(name) || "Content-Type".equalsIgnoreCase(name)) {
        return Collections.enumeration(java.util.List.of(getHeader(name)));
      }
      return super.getHeaders(name);
    }
  }

  /** The request read from another stream. */
  private static class BodyRequest extends HttpServletRequestWrapper {
    private final ServletInputStream stream;

    BodyRequest(HttpServletRequest request, java.io.InputStream body) {
      super(request);
      this.stream = new ServletInputStream() {
        @Override
        public int read() throws IOException {
          return body.read();
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
          return body.read(bytes, offset, length);
        }

        @Override
        public boolean isFinished() {
          try {
            return body.available() == 0;
          } catch (IOException e) {
            return true;
          }
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("operation bodies are read blocking");
        }
      };
    }

    @Override
    public ServletInputStream getInputStream() {
      return stream;
    }

    @Override
    public BufferedReader getReader() {
      var encoding = getCharacterEncoding();
      return new BufferedReader(new InputStreamReader(stream,
          encoding == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(encoding)));
    }
  }
}
