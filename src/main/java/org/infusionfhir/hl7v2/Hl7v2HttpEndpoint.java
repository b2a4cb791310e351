package org.infusionfhir.hl7v2;

import ca.uhn.hl7v2.AcknowledgmentCode;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * HL7 v2 over HTTP: {@code POST /hl7v2} with one ER7 message as the body, answered with its ACK. The
 * status mirrors the ACK so that HTTP clients need not parse it: AA is 200, AE (content error) is 422,
 * AR (unparsable or unsupported) is 400.
 */
@RestController
class Hl7v2HttpEndpoint {

  static final MediaType ER7 = new MediaType("x-application", "hl7-v2+er7", StandardCharsets.UTF_8);

  private final Hl7v2Ingest ingest;

  Hl7v2HttpEndpoint(Hl7v2Ingest ingest) {
    this.ingest = ingest;
  }

  @PostMapping(path = "/hl7v2", consumes = MediaType.ALL_VALUE)
  ResponseEntity<String> receive(@RequestBody(required = false) byte[] body) {
    var ack = ingest.receive(body == null ? "" : new String(body, StandardCharsets.UTF_8));
    var status = ack.code() == AcknowledgmentCode.AA ? HttpStatus.OK
        : ack.code() == AcknowledgmentCode.AE ? HttpStatus.UNPROCESSABLE_ENTITY : HttpStatus.BAD_REQUEST;
    return ResponseEntity.status(status).contentType(ER7).header("X-HL7-Ack-Code", ack.code().name())
        .body(ack.message());
  }
}
