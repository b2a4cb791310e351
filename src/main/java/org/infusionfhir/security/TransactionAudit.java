package org.infusionfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.EnumSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.infusionfhir.security.AuditedEntities.Lifecycle;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Audits every write in the database transaction that makes it, so that no write commits without its
 * AuditEvent and no AuditEvent outlives a rolled-back write. Each resource created, updated or deleted in a
 * transaction is collected as HAPI reports it, and just before the commit one AuditEvent for the whole
 * transaction is stored through the DAO: one extra resource per transaction, however many it writes.
 *
 * <p>This sees every write that goes through HAPI's storage: REST interactions and transaction Bundles,
 * the HL7 v2 and intake adapters, the implementation guide installed at start-up, batch jobs. Registered
 * with the JPA interceptor service (not the REST server) so that those without a REST request are seen.
 */
@Interceptor
public class TransactionAudit implements ServerInterceptor {

  private final AuditWriter writer;
  private final AuditProperties properties;

  public TransactionAudit(AuditWriter writer, AuditProperties properties) {
    this.writer = writer;
    this.properties = properties;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
    if (audited(resource)) {
      writes(request, transaction).written(resource, Lifecycle.CREATED);
    }
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource oldResource, IBaseResource newResource, RequestDetails request,
      TransactionDetails transaction) {
    if (audited(newResource)) {
      writes(request, transaction).written(newResource, Lifecycle.AMENDED);
    }
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
    if (audited(resource)) {
      writes(request, transaction).written(resource, Lifecycle.DELETED);
    }
  }

  private boolean audited(IBaseResource resource) {
    // An AuditEvent is the record itself; auditing it would never end.
    return properties.enabled() && !(resource instanceof AuditEvent);
  }

  /** The writes of the current database transaction, registered with it at its first write. */
  private Writes writes(RequestDetails request, TransactionDetails transaction) {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      throw new IllegalStateException("a write outside a database transaction cannot be audited with it");
    }
    // Synchronizations belong to one transaction and are set aside while a nested one runs, so the
    // lookup finds this transaction's writes, never an enclosing one's.
    for (var synchronization : TransactionSynchronizationManager.getSynchronizations()) {
      if (synchronization instanceof Writes writes && writes.owner == this) {
        return writes;
      }
    }
    var writes = new Writes(this, request, transaction);
    TransactionSynchronizationManager.registerSynchronization(writes);
    return writes;
  }

  private static final class Writes implements TransactionSynchronization {
    private final TransactionAudit owner;
    private final RequestDetails request;
    private final TransactionDetails transaction;
    private final AuditedEntities entities;
    private final EnumSet<Lifecycle> happened = EnumSet.noneOf(Lifecycle.class);
    private int count;

    Writes(TransactionAudit owner, RequestDetails request, TransactionDetails transaction) {
      this.owner = owner;
      this.request = request;
      this.transaction = transaction;
      this.entities = new AuditedEntities(owner.properties.maxPatients());
    }

    void written(IBaseResource resource, Lifecycle lifecycle) {
      count++;
      happened.add(lifecycle);
      if (lifecycle == Lifecycle.DELETED) {
        entities.deleted(resource);
      } else {
        entities.resource(resource, lifecycle);
        entities.patientsOf(resource, true);
      }
    }

    @Override
    public void beforeCommit(boolean readOnly) {
      var rest = request instanceof ServletRequestDetails
          ? RestInteraction.of(request.getRestOperationType()).orElse(null) : null;
      RestInteraction interaction;
      AuditEventAction action;
      if (rest != null && rest.action != AuditEventAction.R) {
        interaction = rest;
        // A Bundle's action is what it did: only creates make a create.
        boolean bundle = rest == RestInteraction.TRANSACTION || rest == RestInteraction.BATCH;
        action = bundle ? combinedAction() : rest.action;
      } else {
        interaction = count == 1 ? single() : RestInteraction.TRANSACTION;
        action = count == 1 ? single().action : combinedAction();
      }
      var operation = interaction == RestInteraction.OPERATION ? request.getOperation() : null;
      var agent = AuditAgent.current(request);
      entities.person(agent.fhirUser());
      var serverBase = request != null ? request.getFhirServerBase() : null;
      owner.writer.write(entities, resolved -> BalpAuditEvent.build(new BalpAuditEvent.Content(interaction, action,
          operation, 0, null, agent, serverBase, resolved, null)), transaction);
    }

    @Override
    public void afterCommit() {
      if (request instanceof ServletRequestDetails) {
        AuditTrail.markAudited(request);
      }
    }

    private RestInteraction single() {
      return happened.contains(Lifecycle.DELETED) ? RestInteraction.DELETE
          : happened.contains(Lifecycle.CREATED) ? RestInteraction.CREATE : RestInteraction.UPDATE;
    }

    /** A transaction that only created is a create, and so on; a mixed one executed a Bundle. */
    private AuditEventAction combinedAction() {
      if (happened.size() > 1) {
        return AuditEventAction.E;
      }
      return single().action;
    }
  }
}
