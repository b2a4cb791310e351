package org.infusionfhir.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
import org.infusionfhir.security.AuditedEntities.Found;
import org.infusionfhir.security.AuditedEntities.Resolved;
import org.springframework.stereotype.Component;

/**
 * Stores AuditEvents through HAPI's AuditEvent DAO, the same storage and transaction handling as every
 * other write, and is the only writer {@link AuditEventGuard} lets create one. A failure is an
 * {@link AuditNotWrittenException}: the caller's request must then fail, as nothing may be read or
 * written without its audit record.
 */
@Component
public class AuditWriter {

  /** Refusal of a request whose audit record could not be stored; HAPI answers it with a 500 OperationOutcome. */
  public static final class AuditNotWrittenException extends InternalErrorException {
    AuditNotWrittenException(Throwable cause) {
      super("The audit record of this request could not be stored, so the request was refused: "
          + cause.getMessage(), cause);
    }
  }

  private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
  private static final String WRITER_KEY = AuditWriter.class.getName();
  // Only this object marks a request as the audit writer's; clients cannot put objects into userData.
  private static final Object WRITER = new Object();

  private final DaoRegistry daos;
  private final IHapiTransactionService transactions;
  private final IFhirResourceDao<AuditEvent> auditEvents;
  @PersistenceContext private EntityManager entityManager;

  public AuditWriter(DaoRegistry daos, IHapiTransactionService transactions) {
    this.daos = daos;
    this.transactions = transactions;
    this.auditEvents = daos.getResourceDao(AuditEvent.class);
  }

  static boolean isAuditWriter(RequestDetails request) {
    return request != null && request.getUserData().get(WRITER_KEY) == WRITER;
  }

  /**
   * Looks up what {@code entities} name, builds the AuditEvent and stores it, all in the caller's database
   * transaction when there is one (a write's), else in one of its own. {@code transaction}, a write's own
   * TransactionDetails, already knows the resources just written.
   */
  void write(AuditedEntities entities, Function<Resolved, AuditEvent> build, TransactionDetails transaction) {
    try {
      transactions.withSystemRequest().execute(() -> {
        var resolved = entities.resolve(this::current);
        var details = transaction != null ? transaction : new TransactionDetails();
        if (transaction != null) {
          // The write's own inserts go out first. Left in the session, Hibernate's insert ordering
          // (hibernate.order_inserts) sent the AuditEvent's index rows of a FHIRPath PATCH before the
          // AuditEvent's resource row, and the foreign key refused the commit.
          entityManager.flush();
        }
        // HAPI would otherwise look up every referenced resource again to link the AuditEvent to it.
        resolved.pids().forEach(details::addResolvedResourceId);
        var request = new SystemRequestDetails();
        request.getUserData().put(WRITER_KEY, WRITER);
        auditEvents.create(build.apply(resolved), null, true, request, details);
      });
    } catch (RuntimeException e) {
      throw e instanceof AuditNotWrittenException ? e : new AuditNotWrittenException(e);
    }
  }

  /** The current version of a resource, by primary key; empty when it does not exist or is deleted. */
  private Optional<Found> current(IIdType id) {
    // Ids come from the request too; one that is not a FHIR id names nothing.
    if (!FHIR_ID.matcher(id.getIdPart()).matches() || !daos.isResourceTypeSupported(id.getResourceType())) {
      return Optional.empty();
    }
    try {
      var entity = daos.getResourceDao(id.getResourceType()).readEntity(id, new SystemRequestDetails());
      if (entity.isDeleted()) {
        return Optional.empty();
      }
      return Optional.of(new Found(new IdType(id.getResourceType(), id.getIdPart(), String.valueOf(entity.getVersion())),
          (JpaPid) entity.getPersistentId()));
    } catch (ResourceNotFoundException unknown) {
      return Optional.empty();
    }
  }
}
