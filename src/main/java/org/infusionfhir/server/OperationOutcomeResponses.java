package org.infusionfhir.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.Constants;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.stereotype.Component;

/**
 * The one shape of every OperationOutcome a client sees: written here for errors raised outside HAPI's
 * own request handling (servlet filters, non-FHIR endpoints), and the rules {@link OperationOutcomeCodes}
 * applies to HAPI's own (the issue type for a status, diagnostics without HAPI's message codes).
 */
@Component
public class OperationOutcomeResponses {

  /** HAPI's message codes ("HAPI-1857: "), a key for HAPI's developers rather than for clients. */
  private static final Pattern HAPI_CODE = Pattern.compile("HAPI-\\d{3,5}: ?");

  private final FhirContext fhirContext;

  public OperationOutcomeResponses(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  public OperationOutcome outcome(IssueType type, String message) {
    var outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(IssueSeverity.ERROR).setCode(type).setDiagnostics(forClients(message));
    return outcome;
  }

  public void write(HttpServletResponse response, int status, IssueType type, String message)
      throws IOException {
    response.setStatus(status);
    response.setContentType(Constants.CT_FHIR_JSON_NEW + ";charset=UTF-8");
    fhirContext.newJsonParser().encodeResourceToWriter(outcome(type, message), response.getWriter());
  }

  /** A message without HAPI's message codes, which mean nothing to a client. */
  public static String forClients(String message) {
    return message == null ? null : HAPI_CODE.matcher(message).replaceAll("");
  }

  /**
   * The issue type (value set {@code http://hl7.org/fhir/ValueSet/issue-type}) that says to a client what
   * an error status means, when nothing more precise is known.
   */
  public static IssueType issueTypeFor(int status) {
    return switch (status) {
      case 400 -> IssueType.INVALID;
      case 401 -> IssueType.LOGIN;
      case 403 -> IssueType.FORBIDDEN;
      case 404 -> IssueType.NOTFOUND;
      case 405, 406, 415, 501 -> IssueType.NOTSUPPORTED;
      // R4 §3.1.0.6: a version conflict (409) and a failed If-Match (412) are both conflicts.
      case 409, 412 -> IssueType.CONFLICT;
      case 410 -> IssueType.DELETED;
      case 413 -> IssueType.TOOLONG;
      case 422 -> IssueType.PROCESSING;
      case 429 -> IssueType.THROTTLED;
      case 503 -> IssueType.TRANSIENT;
      default -> status >= 500 ? IssueType.EXCEPTION : IssueType.PROCESSING;
    };
  }
}
