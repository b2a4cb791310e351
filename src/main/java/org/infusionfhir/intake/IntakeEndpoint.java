package org.infusionfhir.intake;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.StringType;
import org.infusionfhir.adapter.PatientResolver.UnknownPatientException;
import org.infusionfhir.intake.SessionRecordReader.InvalidRecordException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /intake/sessions}: the charting app's JSON record of one infusion session. Answers 201 when
 * the session is new, 200 when an earlier copy was updated, and 400 with an OperationOutcome whose issues
 * name the JSON path at fault ({@code expression}) when the record is not usable.
 */
@RestController
class IntakeEndpoint {

  private static final MediaType FHIR_JSON = MediaType.parseMediaType("application/fhir+json");

  private final SessionRecordReader reader;
  private final IntakeService service;
  private final FhirContext fhirContext;

  IntakeEndpoint(ObjectMapper json, IntakeCodes codes, IntakeService service, FhirContext fhirContext) {
    this.reader = new SessionRecordReader(json, codes);
    this.service = service;
    this.fhirContext = fhirContext;
  }

  // No consumes condition: with one, Spring parses the Content-Type and answered a charset it does not know with
  // its own 415, not an OperationOutcome (found by IntakeFuzzTest: application/json; charset=nonsense).
  @PostMapping(path = "/intake/sessions", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> receive(HttpServletRequest request) throws IOException {
    try {
      // The raw bytes whatever the Content-Type (see Hl7v2HttpEndpoint); the request size limit applies.
      var record = reader.read(request.getInputStream().readAllBytes());
      var stored = service.store(record);
      return ResponseEntity.status(stored.created() ? HttpStatus.CREATED : HttpStatus.OK)
          .header("Location", "/fhir/" + stored.procedure())
          .body(stored);
    } catch (InvalidRecordException e) {
      return outcome(HttpStatus.BAD_REQUEST, e.problems().stream()
          .map(p -> issue(p.message(), p.path())).toList());
    } catch (UnknownPatientException e) {
      return outcome(HttpStatus.UNPROCESSABLE_ENTITY,
          List.of(issue(e.getMessage(), e.aboutAuthority() ? "$.patient.mrnAuthority" : "$.patient.mrn")));
    } catch (BaseServerResponseException e) {
      // Storage refused the transaction (validation on write, a conflict): pass HAPI's answer on.
      var outcome = e.getOperationOutcome() instanceof OperationOutcome o ? o
          : new OperationOutcome().addIssue(issue(e.getMessage(), null));
      return ResponseEntity.status(e.getStatusCode()).contentType(FHIR_JSON)
          .body(fhirContext.newJsonParser().encodeResourceToString(outcome));
    }
  }

  private ResponseEntity<String> outcome(HttpStatus status, List<OperationOutcome.OperationOutcomeIssueComponent> issues) {
    var outcome = new OperationOutcome();
    issues.forEach(outcome::addIssue);
    return ResponseEntity.status(status).contentType(FHIR_JSON)
        .body(fhirContext.newJsonParser().setPrettyPrint(true).encodeResourceToString(outcome));
  }

  private static OperationOutcome.OperationOutcomeIssueComponent issue(String message, String path) {
    var issue = new OperationOutcome.OperationOutcomeIssueComponent()
        .setSeverity(IssueSeverity.ERROR)
        .setCode(message.endsWith("is required") ? IssueType.REQUIRED : IssueType.INVALID)
        .setDiagnostics(message);
    if (path != null) {
      issue.addExpression(path);
      issue.getDetails().setText(path + ": " + message);
    }
    return issue;
  }
}
