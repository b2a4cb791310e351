package org.infusionfhir.server.spec;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.infusionfhir.server.ServerInterceptor;

/**
 * FHIR R4 §3.1.0.8.1 (http.html#concurrency): an update whose {@code If-Match} names a version that is
 * no longer current must fail with 412 Precondition Failed. HAPI answers 409 Conflict.
 */
@Component
@Interceptor
public class PreconditionFailedInterceptor implements ServerInterceptor {

  private static final Set<RestOperationTypeEnum> VERSIONED_WRITES =
      Set.of(RestOperationTypeEnum.UPDATE, RestOperationTypeEnum.PATCH, RestOperationTypeEnum.DELETE);

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException staleIfMatchIs412(RequestDetails request, Throwable exception) {
    if (exception instanceof ResourceVersionConflictException conflict
        && request.getHeader(Constants.HEADER_IF_MATCH) != null
        && VERSIONED_WRITES.contains(request.getRestOperationType())) {
      var failed = new PreconditionFailedException(
          "If-Match " + request.getHeader(Constants.HEADER_IF_MATCH)
              + " does not name the current version: " + conflict.getMessage());
      failed.setOperationOutcome(conflict.getOperationOutcome());
      return failed;
    }
    return null;
  }
}
