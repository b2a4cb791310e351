package org.infusionfhir.hl7v2;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.v26.message.ORU_R01;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.util.idgenerator.UUIDGenerator;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.adapter.AdapterStorage;
import org.infusionfhir.adapter.InfusionLinker;
import org.infusionfhir.adapter.PatientResolver;
import org.infusionfhir.adapter.ReceivedMessages;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.server.OperationOutcomeResponses;
import org.infusionfhir.adapter.PatientResolver.UnknownPatientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Receives one HL7 v2 message (from MLLP or HTTP) and answers with its ACK. An AA is returned only after
 * the transaction holding the message's resources has committed. A message already stored (same sender,
 * MSH-10 and content, by the database key of {@link ReceivedMessages}, on any replica) is answered AA without
 * being stored again; the same sender and MSH-10 with other content is a new message from a sender that
 * reuses control ids, stored with a warning. AE and AR store nothing.
 */
@Service
public class Hl7v2Ingest {

  /** The outcome of one message: the ACK to send back and its code. */
  public record Acknowledgement(String message, AcknowledgmentCode code) {}

  private static final Logger log = LoggerFactory.getLogger(Hl7v2Ingest.class);
  private static final Set<String> VERSIONS = Set.of("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6");

  private final PipeParser parser;
  private final OruMapper mapper;
  private final PatientResolver patients;
  private final InfusionLinker linker;
  private final AdapterStorage storage;
  private final ReceivedMessages received;
  // Devices written since start-up, by id, with what was written (name and MDC type); a message names its
  // monitor without rewriting it, unless it tells something new about it.
  private final Map<String, String> knownDevices = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Boolean>> inFlight = new ConcurrentHashMap<>();
  private final Hl7v2Properties properties;
  private final VitalSigns vitalSigns;

  public Hl7v2Ingest(VitalSigns vitalSigns, VitalSignCodes codes, PatientResolver patients, InfusionLinker linker, AdapterStorage storage,
      ReceivedMessages received, Hl7v2Properties properties) {
    // Versions 2.3 to 2.6 parse into the 2.6 structures. HAPI's own validation is off: the mapper checks
    // what we use and names the segment and field in the ACK.
    HapiContext context = new DefaultHapiContext(new CanonicalModelClassFactory("2.6"));
    context.setValidationContext(ValidationContextFactory.noValidation());
    // ACK control ids: HAPI's default generator keeps a counter in a file named id_file in the working
    // directory; UUIDs need no file and stay unique across restarts and replicas.
    context.getParserConfiguration().setIdGenerator(new UUIDGenerator());
    this.parser = context.getPipeParser();
    this.mapper = new OruMapper(codes, properties.defaultZone());
    this.patients = patients;
    this.linker = linker;
    this.storage = storage;
    this.received = received;
    this.properties = properties;
    this.vitalSigns = vitalSigns;
  }

  /** The largest message accepted, in bytes. */
  public int maxMessageBytes() {
    return (int) Math.min(Integer.MAX_VALUE - 1, properties.maxMessageSize().toBytes());
  }

  /** An AR for a message over {@code infusion.hl7v2.max-message-size}; {@code start} is its beginning. */
  public Acknowledgement tooLarge(String start, long size) {
    return reject(start, new HL7Exception("message of " + size + " bytes is larger than the limit of "
        + properties.maxMessageSize().toBytes() + " (infusion.hl7v2.max-message-size)",
        ErrorCode.APPLICATION_INTERNAL_ERROR));
  }

  public Acknowledgement receive(String input) {
    var text = input.replace("\r\n", "\r").replace('\n', '\r').strip();
    if (text.length() > properties.maxMessageSize().toBytes()) {
      return tooLarge(text.substring(0, (int) Math.min(text.length(), 4096)), text.length());
    }
    if (!text.startsWith("MSH")) {
      return reject(text, new HL7Exception("input does not start with an MSH segment", ErrorCode.SEGMENT_SEQUENCE_ERROR));
    }
    Message message;
    try {
      var version = parser.getVersion(text);
      if (!VERSIONS.contains(version)) {
        return reject(text, OruMapper.error("HL7 version " + version + " is not supported (2.3 to 2.6 are)",
            ErrorCode.UNSUPPORTED_VERSION_ID, "MSH", 1, 12));
      }
      message = parser.parse(text);
    } catch (HL7Exception | RuntimeException e) {
      var error = e instanceof HL7Exception h ? h : new HL7Exception("unparsable: " + e.getMessage(),
          ErrorCode.SEGMENT_SEQUENCE_ERROR);
      if (error.getError() == ErrorCode.APPLICATION_INTERNAL_ERROR) {
        error.setError(ErrorCode.SEGMENT_SEQUENCE_ERROR);
      }
      return reject(text, error);
    }
    try {
      return process(message, text);
    } catch (InvalidRequestException | UnprocessableEntityException e) {
      // Storage refused what the message says (a control character in a name, say): sent again, it would be
      // refused again, so the AE says why rather than "send it again".
      try {
        return refuse(message, AcknowledgmentCode.AE, new HL7Exception("the message was refused by storage: "
            + OperationOutcomeResponses.forClients(e.getMessage()), ErrorCode.DATA_TYPE_ERROR));
      } catch (HL7Exception | IOException ackFailed) {
        return reject(text, new HL7Exception("internal error", ErrorCode.APPLICATION_INTERNAL_ERROR));
      }
    } catch (HL7Exception | IOException | RuntimeException e) {
      // Storage failed (database down, a conflict): nothing is committed, and the sender may send it again.
      log.error("HL7 v2 message could not be stored", e);
      try {
        return refuse(message, AcknowledgmentCode.AE, new HL7Exception("the message could not be stored ("
            + e.getClass().getSimpleName() + "); send it again", ErrorCode.APPLICATION_INTERNAL_ERROR));
      } catch (HL7Exception | IOException ackFailed) {
        return reject(text, new HL7Exception("internal error", ErrorCode.APPLICATION_INTERNAL_ERROR));
      }
    }
  }

  private Acknowledgement process(Message message, String text) throws HL7Exception, IOException {
    var terser = new Terser(message);
    var type = terser.get("MSH-9-1") + "^" + terser.get("MSH-9-2");
    if (!(message instanceof ORU_R01 oru) || !"ORU^R01".equals(type)) {
      return refuse(message, AcknowledgmentCode.AR, OruMapper.error("message type " + type
          + " is not supported; this receiver takes ORU^R01", ErrorCode.UNSUPPORTED_MESSAGE_TYPE, "MSH", 1, 9));
    }
    if (terser.get("MSH-10") == null || terser.get("MSH-10").isBlank()) {
      return refuse(message, AcknowledgmentCode.AR, OruMapper.error("MSH-10 message control id is empty",
          ErrorCode.REQUIRED_FIELD_MISSING, "MSH", 1, 10));
    }
    MonitorReport report;
    try {
      report = mapper.map(oru);
    } catch (HL7Exception e) {
      return refuse(message, AcknowledgmentCode.AE, e);
    }
    var dedupe = ReceivedMessages.Key.of(report.sender(), report.controlId(), text);
    if (!report.readings().isEmpty() && !received.stored(dedupe) && received.controlIdReused(dedupe)) {
      log.warn("HL7 v2 {} from {} reuses a control id the sender used before for another message; stored as a "
          + "new message", report.controlId(), report.sender());
      report = report.withControlId(report.controlId() + "~" + dedupe.contentHash().substring(0, 12));
    }
    var key = VitalSignObservations.messageKey(report);
    // Copies of one message arriving together: the first stores it, the others wait for its outcome.
    var mine = new CompletableFuture<Boolean>();
    var earlier = inFlight.putIfAbsent(key, mine);
    if (earlier != null) {
      try {
        earlier.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HL7Exception("interrupted", ErrorCode.APPLICATION_INTERNAL_ERROR);
      } catch (java.util.concurrent.ExecutionException e) {
        // The first copy failed; this one is processed on its own below.
      }
      return process(message, text);
    }
    try {
      var ack = store(message, report, dedupe);
      mine.complete(true);
      return ack;
    } catch (HL7Exception | IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  private Acknowledgement store(Message message, MonitorReport report, ReceivedMessages.Key dedupe)
      throws HL7Exception, IOException {
    var request = storage.newRequest();
    if (report.readings().isEmpty()) {
      log.info("HL7 v2 {} from {} carries no vital sign we map; acknowledged, nothing stored", report.controlId(),
          report.sender());
      return new Acknowledgement(Hl7v2AckBuilder.accept(message, parser), AcknowledgmentCode.AA);
    }
    if (received.stored(dedupe)) {
      log.info("HL7 v2 {} from {} was stored before; acknowledged again without reprocessing", report.controlId(),
          report.sender());
      return new Acknowledgement(Hl7v2AckBuilder.accept(message, parser), AcknowledgmentCode.AA);
    }
    try {
      var transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
      var patient = patients.resolve(report.patient(), transaction, request);
      var sessions = linker.inProgressFor(patient, request);
      var observations = VitalSignObservations.observations(vitalSigns, report, patient, sessions);
      var newDevices = VitalSignObservations.devices(report).stream()
          .filter(d -> !alreadyWritten(d)).toList();
      newDevices.forEach(d -> AdapterStorage.put(transaction, d));
      observations.forEach(o -> VitalSignObservations.post(transaction, o));
      VitalSignObservations.post(transaction, VitalSignObservations.provenance(report, observations, new Date()));
      try {
        commit(report, transaction, request, dedupe);
      } catch (RuntimeException failed) {
        if (!ReceivedMessages.isResend(failed)) {
          throw failed;
        }
        log.info("HL7 v2 {} from {} was stored by another copy a moment ago; acknowledged without storing it "
            + "again", report.controlId(), report.sender());
        return new Acknowledgement(Hl7v2AckBuilder.accept(message, parser), AcknowledgmentCode.AA);
      }
      newDevices.forEach(d -> knownDevices.put(d.getIdElement().getIdPart(), signature(d)));
      log.info("HL7 v2 {} from {}: stored {} observation(s) for {}", report.controlId(), report.sender(),
          observations.size(), patient.getReference().startsWith("urn:") ? "a new patient" : patient.getReference());
      return new Acknowledgement(Hl7v2AckBuilder.accept(message, parser), AcknowledgmentCode.AA);
    } catch (HL7Exception e) {
      return refuse(message, AcknowledgmentCode.AE, e);
    } catch (UnknownPatientException e) {
      var error = OruMapper.error(e.getMessage(), e.notFound() ? ErrorCode.UNKNOWN_KEY_IDENTIFIER
          : ErrorCode.TABLE_VALUE_NOT_FOUND, "PID", 1, 3);
      return refuse(message, AcknowledgmentCode.AE, error);
    }
  }

  private void commit(MonitorReport report, Bundle transaction, RequestDetails request,
      ReceivedMessages.Key dedupe) {
    try {
      if (transaction.getEntry().stream().anyMatch(e -> e.getRequest().hasIfNoneExist())) {
        // A new patient: its conditional create cannot share a transaction with other messages.
        storage.commit(transaction, request, dedupe);
      } else {
        storage.commitGrouped(VitalSignObservations.messageKey(report), transaction, dedupe);
      }
    } catch (BaseServerResponseException e) {
      if (report.devices().isEmpty() || ReceivedMessages.isResend(e)) {
        throw e;
      }
      // A Device we wrote earlier may have been deleted since, or another message created the same new
      // Device at the same moment: write the message once more with its Device.
      log.info("HL7 v2 {}: storing failed ({}); retrying with its Device", report.controlId(), e.getMessage());
      report.devices().forEach(m -> knownDevices.remove(VitalSignObservations.deviceId(m.id())));
      var devices = VitalSignObservations.devices(report);
      var retry = new Bundle().setType(Bundle.BundleType.TRANSACTION);
      devices.forEach(d -> AdapterStorage.put(retry, d));
      transaction.getEntry().stream().filter(entry -> !(entry.getResource() instanceof Device)).forEach(retry::addEntry);
      storage.commit(retry, request, dedupe);
      devices.forEach(d -> knownDevices.put(d.getIdElement().getIdPart(), signature(d)));
    }
  }

  /** Whether the Device as this message describes it is already stored; a message without a type keeps it. */
  private boolean alreadyWritten(Device device) {
    var known = knownDevices.get(device.getIdElement().getIdPart());
    if (known == null) {
      return false;
    }
    return known.equals(signature(device)) || !device.hasType() && known.startsWith(name(device) + "|");
  }

  private static String signature(Device device) {
    return name(device) + "|" + (device.hasType() ? device.getType().getCodingFirstRep().getCode() : "");
  }

  private static String name(Device device) {
    return device.hasDeviceName() ? device.getDeviceNameFirstRep().getName() : "";
  }

  private Acknowledgement refuse(Message message, AcknowledgmentCode code, HL7Exception error)
      throws HL7Exception, IOException {
    log.warn("HL7 v2 message refused with {}: {}", code, error.getMessage());
    return new Acknowledgement(Hl7v2AckBuilder.refuse(message, code, error, parser), code);
  }

  private Acknowledgement reject(String text, HL7Exception error) {
    log.warn("HL7 v2 input rejected with AR: {}", error.getMessage());
    return new Acknowledgement(Hl7v2AckBuilder.reject(text, error, parser), AcknowledgmentCode.AR);
  }
}
