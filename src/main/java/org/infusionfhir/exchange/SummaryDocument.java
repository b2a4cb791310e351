package org.infusionfhir.exchange;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Composition;
import org.hl7.fhir.r4.model.Composition.CompositionStatus;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.ig.ImplementationGuidePackage;

/**
 * The treatment summary as a FHIR document (R4 documents.html): a Bundle of type document with an
 * identifier and a timestamp (bdl-9, bdl-10), the Composition first (bdl-11), then every resource the
 * Composition references, each once, with a fullUrl of the server's base and Type/id (bdl-7), so the
 * relative references inside the document resolve within it.
 */
final class SummaryDocument {

  static final String PROFILE =
      ImplementationGuidePackage.CANONICAL_BASE + "/StructureDefinition/infusion-treatment-summary";
  static final String TITLE = "Infusion treatment summary";
  static final String AUTHOR = "infusion-fhir server";

  private SummaryDocument() {}

  static Bundle of(TreatmentRecord record, String serverBase, Instant generatedAt) {
    var composition = composition(record, generatedAt);
    var document = new Bundle().setType(BundleType.DOCUMENT)
        .setIdentifier(new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + UUID.randomUUID()))
        .setTimestamp(Date.from(generatedAt));
    for (var resource : contents(composition, record)) {
      var id = resource.getIdElement().toUnqualifiedVersionless().getValue();
      document.addEntry().setFullUrl(serverBase + "/" + id).setResource(resource);
    }
    return document;
  }

  private static Composition composition(TreatmentRecord record, Instant generatedAt) {
    var composition = new Composition();
    composition.setId("Composition/" + UUID.randomUUID());
    composition.getMeta().addProfile(PROFILE);
    composition.setStatus(CompositionStatus.FINAL)
        .setType(SummarySection.documentType())
        .setSubject(new Reference(record.patient().getIdElement().toUnqualifiedVersionless().getValue()))
        .setDate(Date.from(generatedAt))
        .setTitle(TITLE);
    // Reference.type and display only: the server names itself and is not a resource it stores.
    composition.addAuthor().setType("Device").setDisplay(AUTHOR);
    if (record.window().isBounded()) {
      composition.addEvent().setPeriod(record.window().asPeriod());
    }
    composition.setText(new SummaryNarrative().paragraph(headline(record)).build());
    SummarySections.of(record).forEach(composition::addSection);
    return composition;
  }

  /**
   * "Infusion treatment summary for Hanna Marie Lindqvist (born 1984-06-17), 2026-02-01 to 2026-02-28: 6
   * infusion sessions."
   */
  private static String headline(TreatmentRecord record) {
    var patient = record.patient();
    var text = new StringBuilder(TITLE).append(" for ")
        .append(patient.hasName() ? patient.getNameFirstRep().getNameAsSingleString() : "the patient");
    if (patient.hasBirthDate()) {
      text.append(" (born ").append(patient.getBirthDateElement().getValueAsString()).append(")");
    }
    text.append(record.window().isBounded() ? ", " + record.window().describe() : ", whole record");
    var sessions = record.sessions().size();
    return text.append(": ").append(sessions).append(sessions == 1 ? " infusion session." : " infusion sessions.")
        .toString();
  }

  /** The Composition, then each resource it references, once, in section order after the patient. */
  private static List<Resource> contents(Composition composition, TreatmentRecord record) {
    var byId = new LinkedHashMap<String, Resource>();
    var all = new ArrayList<Resource>();
    all.add(composition);
    all.add(record.patient());
    all.addAll(record.conditions());
    all.addAll(record.carePlans());
    record.sessions().forEach(s -> {
      all.add(s.procedure());
      all.addAll(s.administrations());
    });
    // Not referenced by the Composition, but by the administrations: the drug column names them.
    all.addAll(record.medications());
    all.addAll(record.adverseEvents());
    record.outcomes().forEach(t -> {
      all.add(t.first());
      all.add(t.latest());
    });
    all.addAll(record.safetyAlerts());
    all.forEach(r -> byId.putIfAbsent(r.getIdElement().toUnqualifiedVersionless().getValue(), r));
    return List.copyOf(byId.values());
  }
}
