package org.infusionfhir.exchange;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Instant;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.infusionfhir.server.ServerProvider;
import org.springframework.stereotype.Component;

/**
 * {@code GET|POST Patient/[id]/$summary?start=&end=}: the patient's infusion treatment summary as a FHIR
 * document (profile infusion-treatment-summary). {@code start} and {@code end} (date or dateTime, both
 * inclusive, both optional) narrow it to the sessions that started, the adverse events that happened and
 * the scores taken in that period. An unknown patient is 404; an unreadable or inverted period is 400.
 */
@Component
public class PatientSummaryOperation implements ServerProvider {

  private final TreatmentRecordReader reader;

  public PatientSummaryOperation(TreatmentRecordReader reader) {
    this.reader = reader;
  }

  // start and end are taken as text and parsed by SummaryWindow: HAPI's own DateTimeType binding refuses a
  // valueDate in a POSTed Parameters body, and its parse error does not say which parameter was wrong.
  @Operation(name = "$summary", idempotent = true, typeName = "Patient",
      returnParameters = @OperationParam(name = "return", type = Bundle.class, min = 1, max = 1))
  @Description(value = "The patient's infusion treatment summary as a FHIR document: indications, course and "
      + "sessions, vital-sign ranges, adverse events and outcome-measure trend")
  public Bundle summary(
      @IdParam IdType patientId,
      @Description(value = "Earliest date or dateTime to include (inclusive)", example = "2026-02-01")
      @OperationParam(name = "start", min = 0, max = 1) String start,
      @Description(value = "Latest date or dateTime to include (inclusive)", example = "2026-02-28")
      @OperationParam(name = "end", min = 0, max = 1) String end,
      RequestDetails request) {
    var window = SummaryWindow.of(start, end);
    return SummaryDocument.of(reader.read(patientId, window), request.getFhirServerBase(), Instant.now());
  }
}
