package org.infusionfhir.cdshooks;

import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.hapi.fhir.cdshooks.api.CdsPrefetchFailureMode;
import ca.uhn.hapi.fhir.cdshooks.api.CdsService;
import ca.uhn.hapi.fhir.cdshooks.api.CdsServicePrefetch;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code infusion-safety} service for the {@code patient-view} hook: the patient's open safety alerts,
 * an active PHQ-9 item 9 Flag and an out-of-range discharge, as cards beside the EHR's chart. Its methods are
 * found by HAPI's registry through the annotations, so the object must not be proxied.
 */
public class InfusionSafetyCdsService {

  static final String SERVICE_ID = "infusion-safety";
  static final String PATIENT_PREFETCH = "patient";
  /** Where the EHR launches the workspace from a card's smart link (relative to the server's root). */
  static final String WORKSPACE_LAUNCH_PATH = "/";

  private static final Logger log = LoggerFactory.getLogger(InfusionSafetyCdsService.class);

  private final PatientFinder patients;
  private final AlertAccess access;
  private final SafetyCards cards;

  InfusionSafetyCdsService(PatientFinder patients, AlertAccess access, SafetyCards cards) {
    this.patients = patients;
    this.access = access;
    this.cards = cards;
  }

  @CdsService(
      value = SERVICE_ID,
      hook = "patient-view",
      title = "Infusion safety alerts",
      description = "The patient's open safety alerts from infusion monitoring (vital signs and scores beyond the "
          + "clinic's limits), an active PHQ-9 item 9 follow-up flag, and a discharge with readings out of range.",
      prefetch = {@CdsServicePrefetch(value = PATIENT_PREFETCH, query = "Patient/{{context.patientId}}",
          failureMode = CdsPrefetchFailureMode.OMIT)},
      allowAutoFhirClientPrefetch = true)
  public CdsServiceResponseJson patientView(CdsServiceRequestJson request) {
    if (!"patient-view".equals(request.getHook())) {
      throw new InvalidRequestException("hook must be patient-view for " + SERVICE_ID + ", not " + request.getHook());
    }
    if (request.getHookInstance() == null || request.getHookInstance().isBlank()) {
      throw new InvalidRequestException("hookInstance is required");
    }
    var response = new CdsServiceResponseJson();
    patients.ourPatient(request).ifPresent(patientId -> {
      var grant = access.grantFor(request, patientId);
      cards.forPatient(patientId, grant).forEach(response::addCard);
      log.info("CDS Hooks {} {}: {} card(s) for Patient/{}", SERVICE_ID, request.getHookInstance(),
          response.getCards() == null ? 0 : response.getCards().size(), patientId);
    });
    return response;
  }
}
