package org.infusionfhir.adapter;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ParameterUtil;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.util.UrlUtil;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;

/**
 * Finds the Patient an adapter input is about by identifier, or adds a conditional create of one to the
 * transaction being built. The conditional create ({@code ifNoneExist}) means two inputs about the same
 * new patient that race each other still leave one Patient.
 */
@Component
public class PatientResolver {

  private final IFhirResourceDao<Patient> patients;
  private final PatientMatchingProperties properties;

  public PatientResolver(DaoRegistry daoRegistry, PatientMatchingProperties properties) {
    this.patients = daoRegistry.getResourceDao(Patient.class);
    this.properties = properties;
  }

  /** The identifier system for an assigning authority, or a refusal naming the setting to add. */
  public String systemFor(String authority) {
    var name = authority == null || authority.isBlank() ? properties.defaultAuthority() : authority;
    if (name == null || name.isBlank()) {
      throw UnknownPatientException.ofAuthority("no assigning authority (PID-3.4, mrnAuthority) is given, and "
          + "infusion.patients.default-authority is not set");
    }
    var system = properties.authorities().get(name);
    if (system == null) {
      throw UnknownPatientException.ofAuthority("assigning authority '" + name + "' (PID-3.4, mrnAuthority) "
          + "is not configured (set infusion.patients.authorities." + name + ")");
    }
    return system;
  }

  /**
   * A reference to the patient: the stored Patient's id when one has the identifier, else a placeholder
   * for a conditional create added to {@code transaction}.
   */
  public Reference resolve(PatientIdentity identity, Bundle transaction, RequestDetails request) {
    var system = systemFor(identity.authority());
    var map = SearchParameterMap.newSynchronous(Patient.SP_IDENTIFIER, new TokenParam(system, identity.value()));
    var found = patients.searchForResourceIds(map, request);
    if (found.size() > 1) {
      throw new UnknownPatientException(found.size() + " patients have identifier " + system + "|"
          + identity.value() + "; merge them before sending more data", false);
    }
    if (found.size() == 1) {
      return new Reference("Patient/" + found.get(0).getIdPart());
    }
    if (!properties.createUnknown()) {
      throw new UnknownPatientException("no patient has identifier " + system + "|" + identity.value()
          + " and infusion.patients.create-unknown is false", true);
    }
    var placeholder = "urn:uuid:" + UUID.randomUUID();
    transaction.addEntry()
        .setFullUrl(placeholder)
        .setResource(newPatient(identity, system))
        .getRequest().setMethod(HTTPVerb.POST).setUrl("Patient")
        .setIfNoneExist("identifier=" + searchValue(system) + "|" + searchValue(identity.value()));
    return new Reference(placeholder);
  }

  /**
   * One part of a token in a search URL. FHIR R4 §3.1.1.5.7 makes {@code , $ | \} search syntax unless
   * escaped with a backslash, and the URL makes {@code & # % +} syntax unless percent-encoded: unescaped, the
   * MRN {@code A,B} made the conditional create match the patient with MRN A, and filed B's readings to A.
   */
  private static String searchValue(String value) {
    return UrlUtil.escapeUrlParam(ParameterUtil.escape(value));
  }

  /**
   * The one stored Patient that has any of {@code identifiers} (system and value both given), e.g. the
   * identifiers an EHR's Patient carries; empty when none has, or when they lead to more than one.
   */
  public java.util.Optional<String> findByIdentifiers(java.util.List<Identifier> identifiers, RequestDetails request) {
    var ids = new java.util.TreeSet<String>();
    for (var identifier : identifiers) {
      if (identifier.hasSystem() && identifier.hasValue()) {
        var map = SearchParameterMap.newSynchronous(Patient.SP_IDENTIFIER,
            new TokenParam(identifier.getSystem(), identifier.getValue()));
        patients.searchForResourceIds(map, request).forEach(id -> ids.add(id.getIdPart()));
      }
    }
    return ids.size() == 1 ? java.util.Optional.of(ids.first()) : java.util.Optional.empty();
  }

  private static Patient newPatient(PatientIdentity identity, String system) {
    var patient = new Patient();
    patient.addIdentifier(new Identifier()
        .setUse(Identifier.IdentifierUse.USUAL)
        .setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR",
            "Medical record number")))
        .setSystem(system)
        .setValue(identity.value()));
    patient.setActive(true);
    if (identity.family() != null || !identity.given().isEmpty()) {
      var name = patient.addName().setUse(HumanName.NameUse.OFFICIAL).setFamily(identity.family());
      identity.given().forEach(name::addGiven);
    }
    if (identity.birthDate() != null) {
      patient.setBirthDateElement(new DateType(identity.birthDate()));
    }
    patient.setGender(identity.gender());
    return patient;
  }

  /** The input names a patient that cannot be used: not configured, ambiguous, or unknown. */
  public static class UnknownPatientException extends RuntimeException {
    private final boolean notFound;
    private final boolean authority;

    UnknownPatientException(String message, boolean notFound) {
      this(message, notFound, false);
    }

    private UnknownPatientException(String message, boolean notFound, boolean authority) {
      super(message);
      this.notFound = notFound;
      this.authority = authority;
    }

    /** The assigning authority is missing or not mapped to an identifier system. */
    static UnknownPatientException ofAuthority(String message) {
      return new UnknownPatientException(message, false, true);
    }

    public boolean notFound() {
      return notFound;
    }

    /** Whether the authority, not the identifier's value, is what could not be used. */
    public boolean aboutAuthority() {
      return authority;
    }
  }
}
