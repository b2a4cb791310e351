package org.infusionfhir.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Date;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * AuditEvents of the authorization server's steps: sign-in (and its failure), sign-out, consent, token
 * issue, refresh and revocation. Each is a DICOM "User Authentication" event whose subtype says which step
 * (local CodeSystem {@value #STEP_SYSTEM}), naming the person (their {@code fhirUser} when the resource
 * exists), the app and the patient of the launch context. They go through the same writer, storage and
 * guard as the FHIR API's own AuditEvents, so they are searched the same way ({@code subtype},
 * {@code agent}, {@code agent-name}, {@code patient}, {@code outcome}).
 *
 * <p>A step that succeeded fails when its record cannot be stored (no token without its audit record); a
 * failure (a wrong password, a sign-out) is only logged then, since refusing it would change nothing.
 */
@Component
public class SignInAudit {

  /** The local code system of the steps (profiles/CodeSystem-authorization-step.json). */
  public static final String STEP_SYSTEM = "http://infusion-fhir.org/fhir/CodeSystem/authorization-step";

  private static final Logger log = LoggerFactory.getLogger(SignInAudit.class);
  private static final String DICOM = "http://dicom.nema.org/resources/ontology/DCM";
  private static final String SECURITY_ROLE = "http://terminology.hl7.org/CodeSystem/extra-security-role-type";
  private static final String ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
  private static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";

  /** The steps, by their code in {@value #STEP_SYSTEM}. */
  public enum Step {
    SIGN_IN("sign-in", "Sign-in", "110122", "Login"),
    SIGN_IN_FAILED("sign-in-failed", "Sign-in failed", "110122", "Login"),
    SIGN_OUT("sign-out", "Sign-out", "110123", "Logout"),
    CONSENT_GRANTED("consent-granted", "Consent granted", null, null),
    CONSENT_DENIED("consent-denied", "Consent denied", null, null),
    TOKEN_ISSUED("token-issued", "Token issued", null, null),
    TOKEN_REFRESHED("token-refreshed", "Token refreshed", null, null),
    TOKEN_REVOKED("token-revoked", "Token revoked", null, null);

    public final String code;
    final String display;
    final String dicomCode;
    final String dicomDisplay;

    Step(String code, String display, String dicomCode, String dicomDisplay) {
      this.code = code;
      this.display = display;
      this.dicomCode = dicomCode;
      this.dicomDisplay = dicomDisplay;
    }
  }

  /**
   * One step.
   *
   * @param user the user name typed or signed in (null for a client's own token)
   * @param fhirUser the person's resource ({@code Practitioner/123}), when known
   * @param client the app ({@code client_id}), when known
   * @param patient the launch context's patient id, when there is one
   * @param tokenId the {@code jti} of the token issued or revoked, when there is one
   * @param detail what else a reader needs: the scopes granted, why a sign-in failed
   */
  public record Record(Step step, String user, String fhirUser, String client, String patient, String tokenId,
      String detail) {}

  private final AuditWriter writer;
  private final AuditProperties properties;

  public SignInAudit(AuditWriter writer, AuditProperties properties) {
    this.writer = writer;
    this.properties = properties;
  }

  /** Stores the record; throws when it cannot be stored and the step was a success. */
  public void record(Record record, HttpServletRequest request) {
    if (!properties.enabled()) {
      return;
    }
    boolean failure = record.step() == Step.SIGN_IN_FAILED;
    var entities = new AuditedEntities(properties.maxPatients());
    entities.person(record.fhirUser());
    if (record.patient() != null) {
      entities.patientId(new IdType("Patient", record.patient()));
    }
    var address = request != null ? request.getRemoteAddr() : null;
    try {
      writer.write(entities, resolved -> build(record, address, resolved), null);
    } catch (RuntimeException e) {
      if (!failure && record.step() != Step.SIGN_OUT) {
        throw e;
      }
      log.error("the audit record of a {} ({}) could not be stored: {}", record.step().code, record.user(),
          e.getMessage(), e);
    }
  }

  private static AuditEvent build(Record record, String address, AuditedEntities.Resolved resolved) {
    var step = record.step();
    var event = new AuditEvent();
    event.setType(new Coding(DICOM, "110114", "User Authentication"));
    event.addSubtype(new Coding(STEP_SYSTEM, step.code, step.display));
    if (step.dicomCode != null) {
      event.addSubtype(new Coding(DICOM, step.dicomCode, step.dicomDisplay));
    }
    event.setAction(AuditEventAction.E);
    event.setRecorded(new Date());
    event.setOutcome(step == Step.SIGN_IN_FAILED ? AuditEventOutcome._4 : AuditEventOutcome._0);
    if (record.detail() != null) {
      event.setOutcomeDesc(record.detail());
    }
    if (record.user() != null) {
      var person = event.addAgent().setRequestor(true).setName(record.user())
          .setType(new CodeableConcept(new Coding(SECURITY_ROLE, "humanuser", "human user")));
      var who = resolved.person() != null ? resolved.person().copy() : new Reference();
      person.setWho(who.setDisplay(record.fhirUser() != null ? record.fhirUser() : record.user())
          .setIdentifier(new Identifier().setValue(record.user())));
      if (record.tokenId() != null) {
        person.addPolicy(record.tokenId());
      }
      if (address != null) {
        person.getNetwork().setAddress(address).setType(AuditEvent.AuditEventAgentNetworkType._2);
      }
    }
    if (record.client() != null) {
      var app = event.addAgent().setRequestor(record.user() == null).setName(record.client())
          .setType(new CodeableConcept(new Coding(DICOM, "110153", "Source Role ID")))
          .setWho(new Reference().setDisplay(record.client()).setIdentifier(new Identifier().setValue(record.client())));
      if (record.user() == null && record.tokenId() != null) {
        app.addPolicy(record.tokenId());
      }
      if (record.user() == null && address != null) {
        app.getNetwork().setAddress(address).setType(AuditEvent.AuditEventAgentNetworkType._2);
      }
    }
    event.addAgent().setRequestor(false)
        .setType(new CodeableConcept(new Coding(DICOM, "110152", "Destination Role ID")))
        .setWho(new Reference().setDisplay(BalpAuditEvent.SERVER_NAME));
    event.getSource().setObserver(new Reference().setDisplay(BalpAuditEvent.SERVER_NAME))
        .addType(new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server"));
    for (var patient : resolved.patients()) {
      event.addEntity().setWhat(patient.what())
          .setType(new Coding(ENTITY_TYPE, "1", "Person"))
          .setRole(new Coding(OBJECT_ROLE, "1", "Patient"));
    }
    return event;
  }
}
