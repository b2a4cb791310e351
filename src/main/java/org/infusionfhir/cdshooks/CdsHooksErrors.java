package org.infusionfhir.cdshooks;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.hapi.fhir.cdshooks.controller.CdsHooksController;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Errors of the CDS Hooks endpoints as JSON with the right status: a bad call is a 4xx naming what is wrong,
 * never a 500 (HAPI throws its FHIR exceptions, and an unknown service is an IllegalArgumentException).
 */
@RestControllerAdvice(assignableTypes = {CdsHooksController.class, FeedbackEndpoint.class})
class CdsHooksErrors {

  private static final Logger log = LoggerFactory.getLogger(CdsHooksErrors.class);

  @ExceptionHandler(BaseServerResponseException.class)
  ResponseEntity<Map<String, String>> fhir(BaseServerResponseException e) {
    return error(e.getStatusCode(), e.getMessage());
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<Map<String, String>> unknownService(IllegalArgumentException e) {
    return error(404, e.getMessage());
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<Map<String, String>> unreadable(HttpMessageNotReadableException e) {
    return error(400, "the request body is not a CDS Hooks request in JSON");
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<Map<String, String>> mediaType(HttpMediaTypeNotSupportedException e) {
    return error(415, "send the request as application/json");
  }

  @ExceptionHandler(ca.uhn.fhir.context.ConfigurationException.class)
  ResponseEntity<Map<String, String>> badRequestBody(ca.uhn.fhir.context.ConfigurationException e) {
    // HAPI wraps a request it cannot turn into the service's arguments this way.
    log.info("CDS Hooks call refused: {}", e.getMessage());
    return error(400, e.getMessage());
  }

  private static ResponseEntity<Map<String, String>> error(int status, String message) {
    if (status >= 500) {
      log.warn("CDS Hooks call failed: {}", message);
    }
    return ResponseEntity.status(status).body(Map.of("error", message == null ? "error" : message));
  }
}
