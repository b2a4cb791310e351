package org.infusionfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.IdType;
import org.infusionfhir.server.ServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One AuditEvent for every FHIR REST interaction that does not write (reads, searches, history,
 * operations, export kick-off and polls), stored before the response is sent, and one for every request
 * HAPI answers with an error. Writes are audited inside their own database transaction by
 * {@link TransactionAudit}, which marks the request so that it is not audited twice.
 *
 * <p>If the AuditEvent cannot be stored the request fails with a 500 OperationOutcome and its data is not
 * sent: HAPI streams the response only after this hook returns, and answers an exception thrown here
 * through its ordinary error handling.
 */
@Component
@Interceptor
public class AuditTrail implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
  private static final String AUDITED = AuditTrail.class.getName() + ".audited";
  private static final Set<String> PATIENT_PARAMETERS = Set.of("patient", "subject");
  // After HAPI's AuthorizationInterceptor (order 0), so that a response it refuses is audited as the 403 it
  // becomes; before the response highlighter (10000), which writes the response itself.
  private static final int AFTER_AUTHORIZATION = 100;

  private final AuditWriter writer;
  private final AuditProperties properties;

  public AuditTrail(AuditWriter writer, AuditProperties properties) {
    this.writer = writer;
    this.properties = properties;
  }

  static void markAudited(RequestDetails request) {
    request.getUserData().put(AUDITED, Boolean.TRUE);
  }

  @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = AFTER_AUTHORIZATION)
  public void beforeResponse(RequestDetails request, ResponseDetails response) {
    if (!properties.enabled() || request.getUserData().get(AUDITED) != null) {
      return;
    }
    var interaction = RestInteraction.of(request.getRestOperationType());
    if (interaction.isEmpty()) {
      return;
    }
    var entities = new AuditedEntities(properties.maxPatients());
    var resource = response.getResponseResource();
    if (resource != null) {
      boolean current = !interaction.get().mayShowPastVersions();
      if (interaction.get() == RestInteraction.READ) {
        entities.resource(resource, null);
      } else if (interaction.get() == RestInteraction.VREAD) {
        entities.resourceId(resource.getIdElement());
      }
      entities.patientsOf(resource, current);
    }
    namedInRequest(request, interaction.get(), entities);
    write(request, interaction.get(), response.getResponseCode(), null, entities);
    markAudited(request);
  }

  /**
   * A failed request. Its AuditEvent is written in a transaction of its own, since the request's was rolled
   * back. Nothing is thrown from here: HAPI would then send no answer at all, so a record that cannot be
   * stored now is logged instead, and the client gets the error it was going to get.
   */
  @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
  public void failed(RequestDetails request, BaseServerResponseException exception) {
    if (!properties.enabled() || request.getRestOperationType() == RestOperationTypeEnum.METADATA) {
      return;
    }
    var interaction = RestInteraction.of(request.getRestOperationType()).orElseGet(() -> byMethod(request));
    var entities = new AuditedEntities(properties.maxPatients());
    if (request.getId() != null && request.getId().hasIdPart() && request.getResourceName() != null) {
      entities.resourceId(new IdType(request.getResourceName(), request.getId().getIdPart()));
    }
    if (request.getResource() != null) {
      entities.patientsOf(request.getResource(), false);
    }
    namedInRequest(request, interaction, entities);
    try {
      write(request, interaction, exception.getStatusCode(), exception.getMessage(), entities);
    } catch (RuntimeException e) {
      log.error("{} {} failed with {} and its audit record could not be stored either: {}",
          request.getRequestType(), request.getCompleteUrl(), exception.getStatusCode(), e.getMessage(), e);
    }
  }

  private void write(RequestDetails request, RestInteraction interaction, int status, String failure,
      AuditedEntities entities) {
    var operation = interaction == RestInteraction.OPERATION ? request.getOperation() : null;
    var query = interaction.isQuery() || operation != null ? query(request) : null;
    var agent = AuditAgent.current(request);
    entities.person(agent.fhirUser());
    writer.write(entities, resolved -> BalpAuditEvent.build(new BalpAuditEvent.Content(interaction,
        interaction.action, operation, status, failure, agent, request.getFhirServerBase(), resolved, query)), null);
  }

  /** Patients the request names: the instance it is about, and {@code patient} or {@code subject} parameters. */
  private static void namedInRequest(RequestDetails request, RestInteraction interaction, AuditedEntities entities) {
    var id = request.getId();
    if (id != null && id.hasIdPart() && request.getResourceName() != null) {
      var instance = new IdType(request.getResourceName(), id.getIdPart());
      entities.patientId(instance);
      if (interaction == RestInteraction.OPERATION && !"Patient".equals(request.getResourceName())) {
        entities.resourceId(instance);
      }
    }
    if (request.getParameters() == null) {
      return;
    }
    request.getParameters().forEach((name, values) -> {
      var parameter = name.split(":", 2);
      if (!PATIENT_PARAMETERS.contains(parameter[0])) {
        return;
      }
      // A bare id is a Patient for patient= and for subject:Patient=, but could be anything for subject=.
      boolean bareIsPatient = parameter[0].equals("patient") || (parameter.length > 1 && parameter[1].equals("Patient"));
      for (var value : values) {
        for (var part : value.split(",")) {
          var reference = new IdType(part.trim());
          if (reference.hasResourceType()) {
            entities.patientId(reference);
          } else if (bareIsPatient && !part.isBlank()) {
            entities.patientId(new IdType("Patient", part.trim()));
          }
        }
      }
    });
  }

  private static String query(RequestDetails request) {
    if (request instanceof ServletRequestDetails servlet && servlet.getServletRequest().getQueryString() != null) {
      return servlet.getServletRequest().getQueryString();
    }
    if (request.getParameters() == null || request.getParameters().isEmpty()) {
      return null;
    }
    // POST [type]/_search: the parameters came in the body.
    return request.getParameters().entrySet().stream()
        .flatMap(e -> Arrays.stream(e.getValue()).map(v -> encode(e.getKey()) + "=" + encode(v)))
        .collect(Collectors.joining("&"));
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** A request that failed before HAPI matched it to an interaction (an unknown type, a malformed URL). */
  private static RestInteraction byMethod(RequestDetails request) {
    if (request.getRequestType() == null) {
      return RestInteraction.OPERATION;
    }
    return switch (request.getRequestType()) {
      case GET, HEAD -> request.getId() != null ? RestInteraction.READ : RestInteraction.SEARCH;
      case POST -> RestInteraction.CREATE;
      case PUT -> RestInteraction.UPDATE;
      case PATCH -> RestInteraction.PATCH;
      case DELETE -> RestInteraction.DELETE;
      default -> RestInteraction.OPERATION;
    };
  }
}
