package org.infusionfhir.security;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentNetworkType;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.security.AuditedEntities.Named;
import org.infusionfhir.security.AuditedEntities.Resolved;

/**
 * Builds the R4 AuditEvent of one interaction after IHE BALP's RESTful activity pattern: type {@code rest},
 * the interaction as subtype, the client (DICOM "Source Role ID") and this server ("Destination Role ID")
 * as agents, this server as the observing source, and as entities the patients, the resources touched and,
 * for searches, the query. Every code is from the code system BALP and FHIR R4 bind there.
 */
final class BalpAuditEvent {

  static final String SERVER_NAME = "infusion-fhir";

  private static final String AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type";
  private static final String DICOM = "http://dicom.nema.org/resources/ontology/DCM";
  private static final String SECURITY_ROLE = "http://terminology.hl7.org/CodeSystem/extra-security-role-type";
  private static final String SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type";
  private static final String ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
  private static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";

  /**
   * What one AuditEvent records.
   *
   * @param operation the operation's name ({@code $everything}) for {@link RestInteraction#OPERATION}
   * @param status the HTTP status answered (or that an exception carries); 0 for writes without a request
   * @param failure what went wrong, for a failed interaction
   * @param serverBase this server's FHIR base URL, when a request gives it
   * @param query the request's query string, for searches
   */
  record Content(RestInteraction interaction, AuditEventAction action, String operation, int status,
      String failure, AuditAgent agent, String serverBase, Resolved entities, String query) {}

  private BalpAuditEvent() {}

  static AuditEvent build(Content content) {
    var event = new AuditEvent();
    event.setType(new Coding(AUDIT_EVENT_TYPE, "rest", "RESTful Operation"));
    event.addSubtype(new Coding(RestInteraction.SYSTEM, content.interaction().code, content.interaction().code));
    if (content.operation() != null) {
      // Operations have no code system of their own; their name is what a reader searches for.
      event.addSubtype(new Coding().setCode(content.operation()));
    }
    event.setAction(content.action());
    event.setRecorded(new Date());
    event.setOutcome(outcome(content.status(), content.failure()));
    if (content.failure() != null) {
      event.setOutcomeDesc(content.failure());
    }

    var agent = content.agent();
    if (agent.kind() != AuditAgent.Kind.SERVER) {
      addClient(event, agent, content.entities().person());
    }
    var server = event.addAgent()
        .setType(new CodeableConcept(new Coding(DICOM, "110152", "Destination Role ID")))
        .setWho(new Reference().setDisplay(SERVER_NAME))
        .setRequestor(agent.kind() == AuditAgent.Kind.SERVER);
    if (content.serverBase() != null) {
      server.getNetwork().setAddress(content.serverBase()).setType(AuditEventAgentNetworkType._5);
    }

    event.getSource().setObserver(new Reference().setDisplay(SERVER_NAME))
        .addType(new Coding(SOURCE_TYPE, "4", "Application Server"));

    for (var patient : content.entities().patients()) {
      event.addEntity().setWhat(patient.what())
          .setType(new Coding(ENTITY_TYPE, "1", "Person"))
          .setRole(new Coding(OBJECT_ROLE, "1", "Patient"));
    }
    for (var resource : content.entities().resources()) {
      addResource(event, resource);
    }
    if (content.query() != null) {
      event.addEntity()
          .setType(new Coding(ENTITY_TYPE, "2", "System Object"))
          .setRole(new Coding(OBJECT_ROLE, "24", "Query"))
          .setQuery(content.query().getBytes(StandardCharsets.UTF_8));
    }
    return event;
  }

  /**
   * The requestor. A system token's client is the one agent (DICOM "Source Role ID"). A user's token
   * (SMART App Launch) names two: the person ({@code fhirUser}, a human user, the requestor, referenced when
   * the resource exists) and the app the token was issued to (the source of the request).
   */
  private static void addClient(AuditEvent event, AuditAgent agent, Reference person) {
    if (agent.kind() != AuditAgent.Kind.CLIENT) {
      var anonymous = event.addAgent()
          .setType(new CodeableConcept(new Coding(DICOM, "110153", "Source Role ID")))
          .setRequestor(true)
          .setWho(new Reference().setDisplay("anonymous (security disabled)"));
      if (agent.address() != null) {
        setNetwork(anonymous, agent.address());
      }
      return;
    }
    boolean user = agent.fhirUser() != null || agent.client() != null;
    var requestor = event.addAgent().setRequestor(true)
        .setType(user ? new CodeableConcept(new Coding(SECURITY_ROLE, "humanuser", "human user"))
            : new CodeableConcept(new Coding(DICOM, "110153", "Source Role ID")));
    // name as well as who.identifier: R4 searches agents by name (agent-name), not by identifier.
    var who = person != null ? person.copy() : new Reference();
    requestor.setName(agent.who()).setWho(who.setDisplay(agent.fhirUser() != null ? agent.fhirUser() : agent.who())
        .setIdentifier(new Identifier().setSystem(agent.issuer()).setValue(agent.who())));
    if (agent.tokenId() != null) {
      requestor.addPolicy(agent.tokenId());
    }
    if (agent.address() != null) {
      setNetwork(requestor, agent.address());
    }
    if (agent.client() != null) {
      event.addAgent().setRequestor(false).setName(agent.client())
          .setType(new CodeableConcept(new Coding(DICOM, "110153", "Source Role ID")))
          .setWho(new Reference().setDisplay(agent.client())
              .setIdentifier(new Identifier().setSystem(agent.issuer()).setValue(agent.client())));
    }
  }

  private static void setNetwork(AuditEventAgentComponent agent, String address) {
    agent.getNetwork().setAddress(address).setType(AuditEventAgentNetworkType._2);
  }

  private static void addResource(AuditEvent event, Named resource) {
    var entity = event.addEntity().setWhat(resource.what())
        .setType(new Coding(ENTITY_TYPE, "2", "System Object"))
        .setRole(new Coding(OBJECT_ROLE, "4", "Domain Resource"));
    if (resource.lifecycle() != null) {
      entity.setLifecycle(new Coding(AuditedEntities.Lifecycle.SYSTEM, resource.lifecycle().code,
          resource.lifecycle().display));
    }
  }

  /** 4xx: the client's request failed (minor); 5xx: this server failed (serious). */
  private static AuditEventOutcome outcome(int status, String failure) {
    if (status >= 500) {
      return AuditEventOutcome._8;
    }
    if (status >= 400 || failure != null) {
      return AuditEventOutcome._4;
    }
    return AuditEventOutcome._0;
  }
}
