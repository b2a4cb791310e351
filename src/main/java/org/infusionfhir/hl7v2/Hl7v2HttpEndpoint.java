package org.infusionfhir.hl7v2;

import ca.uhn.hl7v2.AcknowledgmentCode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
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

  // No consumes condition: with one, Spring parses the Content-Type and answers a charset it does not know with
  // its own 415 (as IntakeFuzzTest found at the intake); the body is read as bytes whatever the header says.
  @PostMapping(path = "/hl7v2")
  ResponseEntity<String> receive(HttpServletRequest request) throws IOException {
    // The raw bytes, whatever the Content-Type: curl's default (form-urlencoded) would otherwise make Spring
    // rebuild the body from form parameters, splitting at the '&' of MSH-2 and turning '+' into spaces.
    var body = request.getInputStream().readNBytes(ingest.maxMessageBytes() + 1);
    var ack = ingest.receive(new String(body, StandardCharsets.UTF_8));
    var status = ack.code() == AcknowledgmentCode.AA ? HttpStatus.OK
        : ack.code() == AcknowledgmentCode.AE ? HttpStatus.UNPROCESSABLE_ENTITY : HttpStatus.BAD_REQUEST;
    return ResponseEntity.status(status).contentType(ER7).header("X-HL7-Ack-Code", ack.code().name())
        .body(ack.message());
  }
}
