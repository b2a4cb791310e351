package org.infusionfhir.hl7v2;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.util.DeepCopy;
import ca.uhn.hl7v2.model.v26.message.ACK;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import java.io.IOException;

/**
 * Original-mode acknowledgements. For a message that parsed, HAPI's {@link Message#generateACK} swaps
 * sender and receiver, echoes MSH-10 in MSA-2 and, for AE/AR, writes the ERR segment from the
 * exception's location and HL7 table 0357 code. For input that did not parse, the ACK is built from
 * whatever of MSH could be read.
 */
final class Hl7v2AckBuilder {

  static final String APPLICATION = "INFUSION-FHIR";

  private Hl7v2AckBuilder() {}

  static String accept(Message message, PipeParser parser) throws HL7Exception, IOException {
    return parser.encode(addressedToSender(message, message.generateACK()));
  }

  static String refuse(Message message, AcknowledgmentCode code, HL7Exception error, PipeParser parser)
      throws HL7Exception, IOException {
    return parser.encode(addressedToSender(message, message.generateACK(code, error)));
  }

  /**
   * HAPI copies only the first component of MSH-3/4 into the ACK's MSH-5/6; PCD-01 senders name
   * themselves with all three (namespace, EUI-64, type), so the ACK gets the whole of each.
   */
  private static Message addressedToSender(Message message, Message ack) throws HL7Exception {
    var theirs = (Segment) message.get("MSH");
    var ours = (Segment) ack.get("MSH");
    DeepCopy.copy(theirs.getField(3, 0), ours.getField(5, 0));
    DeepCopy.copy(theirs.getField(4, 0), ours.getField(6, 0));
    return ack;
  }

  /** An AR for input that is not a message we could parse, echoing its MSH-10 when it can be read. */
  static String reject(String input, HL7Exception error, PipeParser parser) {
    try {
      var ack = new ACK();
      // Our parser carries our configuration (the control-id generator among it) into the new ACK.
      ack.setParser(parser);
      ack.initQuickstart("ACK", "R01", "P");
      var terser = new Terser(ack);
      terser.set("MSH-3-1", APPLICATION);
      try {
        var msh = parser.getCriticalResponseData(input);
        terser.set("MSH-5-1", nullToEmpty(Terser.get(msh, 3, 0, 1, 1)));
        terser.set("MSH-6-1", nullToEmpty(Terser.get(msh, 4, 0, 1, 1)));
        terser.set("MSA-2", nullToEmpty(Terser.get(msh, 10, 0, 1, 1)));
      } catch (HL7Exception | RuntimeException unreadable) {
        // Nothing of MSH could be read: the ACK says so without echoing a control id.
      }
      error.populateResponse(ack, AcknowledgmentCode.AR, 0);
      return parser.encode(ack);
    } catch (HL7Exception | IOException e) {
      throw new IllegalStateException("building an AR acknowledgement failed", e);
    }
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
