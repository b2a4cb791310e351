package org.infusionfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.stereotype.Component;

/**
 * Gives HAPI's error answers the issue type that says what went wrong, where HAPI says {@code processing}
 * for everything (a parse error, a 412, a 410, a 403), and keeps HAPI's message codes out of diagnostics.
 * The rules are {@link OperationOutcomeResponses}', shared with the errors our filters write.
 */
@Component
@Interceptor
public class OperationOutcomeCodes implements ServerInterceptor {

  /** HAPI's codes for a request body it could not parse, thrown as a bare InvalidRequestException. */
  private static final java.util.List<String> PARSE_FAILURES =
      java.util.List.of("HAPI-1857:", "HAPI-1858:", "HAPI-1859:", "HAPI-1861:", "HAPI-0450:", "HAPI-1838:");

  /**
   * Runs on the exception HAPI is about to answer with, after every interceptor has had its say in
   * SERVER_PRE_PROCESS_OUTGOING_EXCEPTION (e.g. {@link PreconditionFailedInterceptor}'s 412).
   */
  @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
  public boolean shape(BaseServerResponseException exception) {
    var type = isParseFailure(exception) ? IssueType.STRUCTURE
        : OperationOutcomeResponses.issueTypeFor(exception.getStatusCode());
    if (exception.getOperationOutcome() instanceof OperationOutcome outcome) {
      for (var issue : outcome.getIssue()) {
        // A 422's outcome comes from the validator, whose issue types are already precise.
        if (issue.getCode() == IssueType.PROCESSING && !(exception instanceof UnprocessableEntityException)) {
          issue.setCode(type);
        } else if (issue.getCode() == null || issue.getCode() == IssueType.NULL) {
          issue.setCode(type);
        }
        issue.setDiagnostics(OperationOutcomeResponses.forClients(issue.getDiagnostics()));
      }
    } else if (exception.getOperationOutcome() == null) {
      exception.setOperationOutcome(issue(type, exception.getMessage()));
    }
    return true;
  }

  private static boolean isParseFailure(BaseServerResponseException exception) {
    for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
      if (cause instanceof DataFormatException) {
        return true;
      }
    }
    var message = exception.getMessage();
    return message != null && PARSE_FAILURES.stream().anyMatch(message::startsWith);
  }

  private static OperationOutcome issue(IssueType type, String message) {
    var outcome = new OperationOutcome();
    outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(type)
        .setDiagnostics(OperationOutcomeResponses.forClients(message));
    return outcome;
  }
}
