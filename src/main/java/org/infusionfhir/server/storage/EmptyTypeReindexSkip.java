package org.infusionfhir.server.storage;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.persistence.EntityManager;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.Enumerations.ResourceType;
import org.hl7.fhir.r4.model.SearchParameter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.infusionfhir.server.ServerInterceptor;

/**
 * The server's own SearchParameter writes (the guide's parameters and the switched-off built-in ones,
 * stored at start) start no reindex job when no resource of the parameter's base types is stored, or when
 * the parameter is retired (switched off: not indexed, not searchable).
 * HAPI starts one REINDEX batch job per SearchParameter written; on a new database that was 17 jobs with
 * nothing to do, which kept both cores busy for about 5 s after the first {@code /fhir/metadata} and the
 * batch scheduler busy for 30 s (server CPU in the 30 s after start: 14 s against 6 s without them).
 * Where resources of a base type are stored and an active parameter changes, HAPI's reindex runs as before;
 * so it does when a switched-off parameter is switched on again (its retired copy is deleted). A client's
 * SearchParameter write through the REST API is left to HAPI.
 */
@Interceptor
public class EmptyTypeReindexSkip implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(EmptyTypeReindexSkip.class);
  private static final String SET_HERE = EmptyTypeReindexSkip.class.getName();
  // A parameter on these applies to every type; HAPI reindexes everything for it, and so do we.
  private static final Set<String> EVERY_TYPE = Set.of(ResourceType.RESOURCE.toCode(),
      ResourceType.DOMAINRESOURCE.toCode());

  private final EntityManager entityManager;

  public EmptyTypeReindexSkip(EntityManager entityManager) {
    this.entityManager = entityManager;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    decide(resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    decide(resource, request);
  }

  private void decide(IBaseResource resource, RequestDetails request) {
    if (!(resource instanceof SearchParameter parameter) || !(request instanceof SystemRequestDetails)) {
      return;
    }
    // A retired parameter is neither indexed nor searchable, so the index rows it leaves behind can no
    // longer be reached: reindexing would only reclaim their space.
    boolean skip = parameter.getStatus() == PublicationStatus.RETIRED || parameter.hasBase() && parameter.getBase()
        .stream().noneMatch(base -> EVERY_TYPE.contains(base.getCode()) || anyStored(base.getCode()));
    var data = request.getUserData();
    if (skip) {
      if (data.putIfAbsent(JpaConstants.SKIP_REINDEX_ON_UPDATE, Boolean.TRUE) == null) {
        data.put(SET_HERE, Boolean.TRUE);
      }
      log.debug("SearchParameter {} ({}, on {}): no reindex job", parameter.getUrl(), parameter.getStatus(),
          parameter.getBase());
    } else if (data.remove(SET_HERE) != null) {
      // One request may write several parameters: a skip decided here for an earlier one must not carry
      // over. A skip the caller asked for itself is left as it is.
      data.remove(JpaConstants.SKIP_REINDEX_ON_UPDATE);
    }
  }

  private boolean anyStored(String type) {
    return !entityManager.createNativeQuery(
            "select 1 from HFJ_RESOURCE where RES_TYPE = ?1 and RES_DELETED_AT is null")
        .setParameter(1, type).setMaxResults(1).getResultList().isEmpty();
  }
}
