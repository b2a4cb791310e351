package org.infusionfhir.hl7v2;

import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationComponentComponent;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.adapter.InfusionLinker;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.hl7v2.MonitorReport.Reading;

/**
 * Turns a {@link MonitorReport} into the transaction entries that store it: one vital-sign Observation per
 * reading (the systolic, diastolic and mean NIBP of one reading become one blood-pressure panel), a Device
 * per monitor and a Provenance naming the message.
 *
 * <p>Observations and the Provenance are created with server-assigned ids (a transaction of many PUTs
 * by id makes HAPI look the ids up with one OR-ed query that H2 answers by scanning the resource table).
 * Each Observation's identifier names the message and the OBX, which is how a resend is recognised;
 * the Device is a PUT by an id derived from its equipment id.
 */
final class VitalSignObservations {

  static final String CANONICAL = VitalSigns.CANONICAL;
  static final String OBX_IDENTIFIER_SYSTEM = CANONICAL + "/sid/hl7v2-obx";
  static final String MESSAGE_IDENTIFIER_SYSTEM = CANONICAL + "/sid/hl7v2-message";
  static final String EQUIPMENT_IDENTIFIER_SYSTEM = CANONICAL + "/sid/hl7v2-equipment";
  private static final String MDC_SYSTEM = "urn:iso:std:iso:11073:10101";

  private VitalSignObservations() {}

  /** The message's identity: sender and control id. */
  static String messageKey(MonitorReport report) {
    return report.sender() + "^" + report.controlId();
  }

  /** The identifier value of the Observation made from the OBX at {@code obxSequence}. */
  static String observationIdentifier(MonitorReport report, int obxSequence) {
    return messageKey(report) + "^" + obxSequence;
  }

  static List<Observation> observations(VitalSigns vitalSigns, MonitorReport report,
      Reference patient, InfusionLinker.Sessions sessions) throws HL7Exception {
    var observations = new ArrayList<Observation>();
    var panels = new LinkedHashMap<String, List<Reading>>();
    for (var reading : report.readings()) {
      if (reading.measure().isPanelComponent()) {
        panels.computeIfAbsent(reading.measure().panel() + "|" + reading.time().toInstant() + "|" + reading.deviceId(),
            k -> new ArrayList<>()).add(reading);
        continue;
      }
      var observation = base(vitalSigns, report, reading, patient, sessions);
      if ("MDC".equals(reading.sourceCode().system())) {
        observation.getCode().addCoding(new Coding(MDC_SYSTEM, reading.sourceCode().code(), reading.sourceCode().display()));
      }
      observation.setValue(VitalSigns.quantity(reading.value(), reading.unit()));
      observations.add(observation);
    }
    for (var group : panels.values()) {
      observations.add(panel(vitalSigns, report, group, patient, sessions));
    }
    return observations;
  }

  private static Observation panel(VitalSigns vitalSigns, MonitorReport report,
      List<Reading> group, Reference patient, InfusionLinker.Sessions sessions) throws HL7Exception {
    var first = group.get(0);
    var names = group.stream().map(r -> r.measure().name()).toList();
    // FHIR R4 bp profile: systolic and diastolic components are both required.
    if (!names.contains("bp-systolic") || !names.contains("bp-diastolic")) {
      var missing = names.contains("bp-systolic") ? "diastolic" : "systolic";
      throw OruMapper.error("blood pressure reading at " + first.time() + " has no " + missing + " value",
          ErrorCode.REQUIRED_FIELD_MISSING, "OBX", first.obxSequence(), 3);
    }
    var observation = base(vitalSigns, report, first, patient, sessions);
    for (var reading : group) {
      var component = new ObservationComponentComponent().setCode(vitalSigns.code(reading.measure()));
      if ("MDC".equals(reading.sourceCode().system())) {
        component.getCode().addCoding(new Coding(MDC_SYSTEM, reading.sourceCode().code(), reading.sourceCode().display()));
      }
      component.setValue(VitalSigns.quantity(reading.value(), reading.unit()));
      observation.addComponent(component);
    }
    return observation;
  }

  private static Observation base(VitalSigns vitalSigns, MonitorReport report, Reading reading,
      Reference patient, InfusionLinker.Sessions sessions) {
    var observation = vitalSigns.observation(reading.measure(), patient, reading.time());
    observation.setId(IdType.newRandomUuid());
    observation.addIdentifier(new Identifier().setSystem(OBX_IDENTIFIER_SYSTEM)
        .setValue(observationIdentifier(report, reading.obxSequence())));
    observation.setStatus(status(reading.status()));
    observation.setDevice(new Reference("Device/" + deviceId(reading.deviceId())));
    sessions.at(reading.time().toInstant()).ifPresent(link -> {
      observation.addPartOf(link.procedure());
      if (link.encounter() != null) {
        observation.setEncounter(link.encounter());
      }
      observation.addExtension(link.phase().extension());
    });
    return observation;
  }

  private static Observation.ObservationStatus status(String obx11) {
    return switch (obx11) {
      case "C" -> Observation.ObservationStatus.CORRECTED;
      case "R", "P", "S", "I" -> Observation.ObservationStatus.PRELIMINARY;
      case "W" -> Observation.ObservationStatus.ENTEREDINERROR;
      default -> Observation.ObservationStatus.FINAL;
    };
  }

  static String deviceId(String equipmentId) {
    var clean = equipmentId.replaceAll("[^A-Za-z0-9.-]", "-");
    return clean.length() <= 50 ? "monitor-" + clean : "monitor-" + digest(equipmentId).substring(0, 32);
  }

  static List<Device> devices(MonitorReport report) {
    var devices = new ArrayList<Device>();
    for (var monitor : report.devices()) {
      var device = new Device();
      device.setId("Device/" + deviceId(monitor.id()));
      device.addIdentifier(new Identifier().setSystem(EQUIPMENT_IDENTIFIER_SYSTEM).setValue(monitor.id()));
      device.setStatus(Device.FHIRDeviceStatus.ACTIVE);
      if (monitor.name() != null && !monitor.name().isEmpty()) {
        device.addDeviceName().setName(monitor.name()).setType(Device.DeviceNameType.USERFRIENDLYNAME);
      }
      if (monitor.type() != null) {
        device.setType(new CodeableConcept(new Coding(MDC_SYSTEM, monitor.type().code(), monitor.type().display())));
      }
      devices.add(device);
    }
    return devices;
  }

  static Provenance provenance(MonitorReport report, List<? extends Resource> targets, Date received) {
    var provenance = new Provenance();
    provenance.setId(IdType.newRandomUuid());
    targets.forEach(t -> provenance.addTarget(new Reference(t.getIdElement().getValue())));
    provenance.setRecordedElement(new InstantType(received));
    provenance.setActivity(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-DataOperation",
        "CREATE", "create")));
    var agent = provenance.addAgent();
    agent.setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/provenance-participant-type",
        "author", "Author")));
    agent.setWho(report.devices().isEmpty() ? new Reference().setDisplay(report.sender())
        : new Reference("Device/" + deviceId(report.devices().get(0).id())));
    provenance.addEntity()
        .setRole(Provenance.ProvenanceEntityRole.SOURCE)
        .setWhat(new Reference()
            .setIdentifier(new Identifier().setSystem(MESSAGE_IDENTIFIER_SYSTEM)
                .setValue(report.sender() + "^" + report.controlId()))
            .setDisplay("HL7 v2 ORU^R01 " + report.controlId() + " from " + report.sender()));
    return provenance;
  }

  /** A create; the resource's urn:uuid id is its fullUrl, which the other entries reference. */
  static void post(Bundle transaction, Resource resource) {
    transaction.addEntry()
        .setFullUrl(resource.getIdElement().getValue())
        .setResource(resource)
        .getRequest().setMethod(HTTPVerb.POST).setUrl(resource.fhirType());
  }

  private static String digest(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
