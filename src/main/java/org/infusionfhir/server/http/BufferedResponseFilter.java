package org.infusionfhir.server.http;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.infusionfhir.server.FhirServerConfig;

/**
 * Lets the servlet container decide when a FHIR answer goes onto the wire.
 *
 * <p>HAPI writes JSON through Jackson, and for every decimal (each {@code valueQuantity.value}) Jackson's
 * {@code ObjectMapper.writeValue} flushes, down through the servlet writer to the socket. A search answer
 * of 50 vital signs went out as more than 50 HTTP chunks, and in a profile of such searches those flushes
 * were about a sixth of the server's CPU. Here {@code flush()} from the application is ignored: the
 * container still sends its buffer ({@code server.tomcat} default 8 KB) whenever it fills, and everything
 * when the request ends, so large answers (bulk export files, {@code $everything}) still stream.
 * {@link HttpServletResponse#flushBuffer()} still commits at once.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class BufferedResponseFilter extends OncePerRequestFilter {

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !request.getRequestURI().startsWith(request.getContextPath() + FhirServerConfig.FHIR_PATH);
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    chain.doFilter(request, new ContainerFlushedResponse(response));
  }

  private static final class ContainerFlushedResponse extends HttpServletResponseWrapper {
    private ServletOutputStream stream;
    private PrintWriter writer;

    ContainerFlushedResponse(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      if (stream == null) {
        stream = new UnflushedStream(super.getOutputStream());
      }
      return stream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
      if (writer == null) {
        writer = new PrintWriter(super.getWriter(), false) {
          @Override
          public void flush() {
            // The container sends its buffer when it is full and at the end of the request.
          }
        };
      }
      return writer;
    }
  }

  private static final class UnflushedStream extends ServletOutputStream {
    private final ServletOutputStream out;

    UnflushedStream(ServletOutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      out.write(bytes, offset, length);
    }

    @Override
    public void flush() {
      // As for the writer: left to the container.
    }

    @Override
    public void close() throws IOException {
      out.close();
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      out.setWriteListener(listener);
    }
  }
}
