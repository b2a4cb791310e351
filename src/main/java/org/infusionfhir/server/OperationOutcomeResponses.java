package org.infusionfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.Constants;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.stereotype.Component;

/**
 * Writes an OperationOutcome for errors raised outside HAPI's own request handling (servlet filters,
 * non-FHIR endpoints), so that every error a client sees has the same shape.
 */
@Component
public class OperationOutcomeResponses {

  private final FhirContext fhirContext;

  public OperationOutcomeResponses(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  public OperationOutcome outcome(IssueType type, String message) {
    var outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(IssueSeverity.ERROR).setCode(type).setDiagnostics(message);
    return outcome;
  }

  public void write(HttpServletResponse response, int status, IssueType type, String message)
      throws IOException {
    response.setStatus(status);
    response.setContentType(Constants.CT_FHIR_JSON_NEW + ";charset=UTF-8");
    fhirContext.newJsonParser().encodeResourceToWriter(outcome(type, message), response.getWriter());
  }
}
