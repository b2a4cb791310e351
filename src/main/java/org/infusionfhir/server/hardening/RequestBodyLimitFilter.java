package org.infusionfhir.server.hardening;

import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.infusionfhir.server.OperationOutcomeResponses;

/**
 * Refuses request bodies over {@code infusion.limits.max-body-size} with 413: at once when the
 * {@code Content-Length} says so, and while reading when a chunked body grows past the limit.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class RequestBodyLimitFilter extends OncePerRequestFilter {

  private final long maxBytes;
  private final OperationOutcomeResponses outcomes;

  public RequestBodyLimitFilter(RequestLimitsProperties limits, OperationOutcomeResponses outcomes) {
    this.maxBytes = limits.maxBodySize().toBytes();
    this.outcomes = outcomes;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long declared = request.getContentLengthLong();
    if (declared > maxBytes) {
      outcomes.write(response, 413, IssueType.TOOLONG, tooLarge(declared));
      return;
    }
    chain.doFilter(declared >= 0 ? request : new LimitedBodyRequest(request), response);
  }

  private String tooLarge(long size) {
    return "Request body of " + (size >= 0 ? size + " bytes" : "unknown length")
        + " exceeds the limit of " + maxBytes + " bytes (infusion.limits.max-body-size)";
  }

  /** A chunked body, counted as it is read. */
  private final class LimitedBodyRequest extends HttpServletRequestWrapper {
    private ServletInputStream limited;

    LimitedBodyRequest(HttpServletRequest request) {
      super(request);
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (limited == null) {
        limited = new CountingInputStream(super.getInputStream());
      }
      return limited;
    }
  }

  private final class CountingInputStream extends ServletInputStream {
    private final ServletInputStream in;
    private long count;

    CountingInputStream(ServletInputStream in) {
      this.in = in;
    }

    private void add(long n) {
      if (n > 0 && (count += n) > maxBytes) {
        throw new PayloadTooLargeException(tooLarge(-1));
      }
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      add(b < 0 ? 0 : 1);
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      add(n);
      return n;
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }
}
