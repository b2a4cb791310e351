package org.infusionfhir.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
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

  private static final String WRITER_KEY = AuditWriter.class.getName();
  // Only this object marks a request as the audit writer's; clients cannot put objects into userData.
  private static final Object WRITER = new Object();

  private final DaoRegistry daos;
  private final IFhirResourceDao<AuditEvent> auditEvents;

  public AuditWriter(DaoRegistry daos) {
    this.daos = daos;
    this.auditEvents = daos.getResourceDao(AuditEvent.class);
  }

  static boolean isAuditWriter(RequestDetails request) {
    return request != null && request.getUserData().get(WRITER_KEY) == WRITER;
  }

  /**
   * Stores {@code event}, in the caller's database transaction when there is one. {@code transaction}, the
   * write's own TransactionDetails, lets HAPI find the resources just written without querying for them.
   */
  void write(AuditEvent event, TransactionDetails transaction) {
    var request = new SystemRequestDetails();
    request.getUserData().put(WRITER_KEY, WRITER);
    try {
      if (transaction != null) {
        auditEvents.create(event, null, true, request, transaction);
      } else {
        auditEvents.create(event, request);
      }
    } catch (RuntimeException e) {
      throw new AuditNotWrittenException(e);
    }
  }

  /** The ids of those of {@code ids} that exist and are not deleted, with their current versions. */
  Map<String, IIdType> currentVersions(String resourceType, Set<String> ids) {
    var found = new HashMap<String, IIdType>();
    if (!daos.isResourceTypeSupported(resourceType)) {
      return found;
    }
    var idParam = new TokenOrListParam();
    ids.forEach(id -> idParam.addOr(new TokenParam(id)));
    var map = SearchParameterMap.newSynchronous();
    map.add("_id", idParam);
    try {
      IFhirResourceDao<?> dao = daos.getResourceDao(resourceType);
      for (IIdType id : dao.searchForResourceIds(map, new SystemRequestDetails())) {
        found.put(resourceType + "/" + id.getIdPart(), id);
      }
    } catch (RuntimeException e) {
      throw new AuditNotWrittenException(e);
    }
    return found;
  }
}
