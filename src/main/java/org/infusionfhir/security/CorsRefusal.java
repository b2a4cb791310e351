package org.infusionfhir.security;

import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.infusionfhir.server.OperationOutcomeResponses;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.filter.CorsFilter;

/**
 * Spring's CORS processor, refusing a cross-origin request with an OperationOutcome rather than its plain
 * text "Invalid CORS request", which a FHIR client cannot read (found by FhirRequestFuzzTest: an Origin header
 * that is no origin).
 */
final class CorsRefusal extends DefaultCorsProcessor {

  private final OperationOutcomeResponses responses;

  private CorsRefusal(OperationOutcomeResponses responses) {
    this.responses = responses;
  }

  /** Spring's CORS filter over {@code source}, refusing with an OperationOutcome. */
  static CorsFilter filter(CorsConfigurationSource source, OperationOutcomeResponses responses) {
    var filter = new CorsFilter(source);
    filter.setCorsProcessor(new CorsRefusal(responses));
    return filter;
  }

  @Override
  protected void rejectRequest(ServerHttpResponse response) throws IOException {
    responses.write(((ServletServerHttpResponse) response).getServletResponse(), 403, IssueType.FORBIDDEN,
        "cross-origin request refused: its Origin, method or headers are not allowed "
            + "(infusion.security.cors-allowed-origins)");
  }
}
