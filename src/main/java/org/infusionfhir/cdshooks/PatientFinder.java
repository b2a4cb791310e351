package org.infusionfhir.cdshooks;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.adapter.PatientResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Our Patient for a hook call. When {@code fhirServer} is this server (or absent), {@code context.patientId}
 * is our id. Otherwise it is the EHR's id, and our patient is the one with an identifier of the prefetched
 * Patient: the identity mapping the adapters use. No match, or more than one, means no cards.
 */
@Component
class PatientFinder {

  private static final Logger log = LoggerFactory.getLogger(PatientFinder.class);
  private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

  private final IFhirResourceDao<Patient> patients;
  private final PatientResolver resolver;
  private final OwnServer ownServer;

  PatientFinder(DaoRegistry daoRegistry, PatientResolver resolver, OwnServer ownServer) {
    this.patients = daoRegistry.getResourceDao(Patient.class);
    this.resolver = resolver;
    this.ownServer = ownServer;
  }

  Optional<String> ourPatient(CdsServiceRequestJson request) {
    var patientId = request.getContext() == null ? null : request.getContext().getString("patientId");
    if (patientId == null || !FHIR_ID.matcher(patientId).matches()) {
      throw new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException(
          "context.patientId must be a FHIR id (letters, digits, '-' and '.', at most 64)");
    }
    if (ownServer.isOurs(request.getFhirServer())) {
      try {
        patients.read(new IdType("Patient", patientId), new SystemRequestDetails());
        return Optional.of(patientId);
      } catch (ResourceNotFoundException | ResourceGoneException e) {
        log.info("CDS Hooks call {} names Patient/{}, which this server does not have: no cards",
            request.getHookInstance(), patientId);
        return Optional.empty();
      }
    }
    if (!(request.getPrefetch(InfusionSafetyCdsService.PATIENT_PREFETCH) instanceof Patient theirs)) {
      log.info("CDS Hooks call {} from {} brought no Patient to match by identifier: no cards",
          request.getHookInstance(), request.getFhirServer());
      return Optional.empty();
    }
    var found = resolver.findByIdentifiers(theirs.getIdentifier(), new SystemRequestDetails());
    if (found.isEmpty()) {
      log.info("CDS Hooks call {}: no single patient here has an identifier of the EHR's Patient/{}: no cards",
          request.getHookInstance(), patientId);
    }
    return found;
  }
}
