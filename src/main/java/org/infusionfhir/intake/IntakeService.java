package org.infusionfhir.intake;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.HashSet;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.adapter.AdapterStorage;
import org.infusionfhir.adapter.PatientResolver;
import org.infusionfhir.adapter.VitalSigns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Stores one session record as a single FHIR transaction: the resources of {@link SessionTransaction}
 * as PUTs, plus a DELETE of each resource an earlier copy of the record wrote that this one no longer
 * holds (a vital row removed from the chart, say). A resend therefore leaves exactly what the latest
 * record says, and nothing twice.
 */
@Service
class IntakeService {

  /** What a stored record became. */
  record Stored(String sessionId, String patient, String procedure, int resources, int removed, boolean created) {}

  private static final Logger log = LoggerFactory.getLogger(IntakeService.class);
  // The types whose number varies with the record; the others are one per session and always rewritten.
  private static final List<String> VARIABLE_TYPES = List.of("Observation", "AdverseEvent");

  private final PatientResolver patients;
  private final AdapterStorage storage;
  private final VitalSigns vitalSigns;
  private final IntakeCodes codes;
  private final DaoRegistry daoRegistry;

  IntakeService(PatientResolver patients, AdapterStorage storage, VitalSigns vitalSigns, IntakeCodes codes,
      DaoRegistry daoRegistry) {
    this.patients = patients;
    this.storage = storage;
    this.vitalSigns = vitalSigns;
    this.codes = codes;
    this.daoRegistry = daoRegistry;
  }

  Stored store(SessionRecord record) {
    var request = storage.newRequest();
    var transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    var patient = patients.resolve(record.patient(), transaction, request);
    var session = new SessionTransaction(record, vitalSigns, patient, codes.instrument("PHQ-9 item 9").orElseThrow());
    var resources = session.build();
    resources.forEach(r -> AdapterStorage.put(transaction, r));
    var written = new HashSet<String>();
    resources.forEach(r -> written.add(r.getIdElement().toUnqualifiedVersionless().getValue()));
    int removed = 0;
    for (var type : VARIABLE_TYPES) {
      var tagged = SearchParameterMap.newSynchronous("_tag", new TokenParam(SessionTransaction.SESSION_SYSTEM,
          record.sessionId()));
      List<org.hl7.fhir.instance.model.api.IIdType> ids = daoRegistry.getResourceDao(type).searchForResourceIds(tagged, request);
      for (var id : ids) {
        var versionless = id.toUnqualifiedVersionless().getValue();
        if (!written.contains(versionless)) {
          transaction.addEntry().getRequest().setMethod(HTTPVerb.DELETE).setUrl(versionless);
          removed++;
        }
      }
    }
    var response = storage.commit(transaction, request);
    boolean created = response.getEntry().stream()
        .anyMatch(e -> e.getResponse().getLocation() != null
            && e.getResponse().getLocation().startsWith(session.procedureId() + "/")
            && e.getResponse().getStatus().startsWith("201"));
    var patientId = patientReference(patient, response);
    log.info("intake session {}: {} resource(s) stored, {} removed, patient {}", record.sessionId(), resources.size(),
        removed, patientId);
    return new Stored(record.sessionId(), patientId, session.procedureId(), resources.size(), removed, created);
  }

  /** The patient's id, also when the transaction has just created the Patient from a placeholder. */
  private static String patientReference(Reference patient, Bundle response) {
    if (!patient.getReference().startsWith("urn:")) {
      return patient.getReference();
    }
    return response.getEntry().stream()
        .map(e -> e.getResponse().getLocation())
        .filter(l -> l != null && l.startsWith("Patient/"))
        .map(l -> l.replaceAll("/_history/.*$", ""))
        .findFirst().orElse(patient.getReference());
  }
}
