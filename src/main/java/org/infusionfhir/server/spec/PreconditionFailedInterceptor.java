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
 * no longer current must fail with 412 Precondition Failed. HAPI answers 409 Conflict. One that names no
 * version at all fails as well.
 */
@Component
@Interceptor
public class PreconditionFailedInterceptor implements ServerInterceptor {

  private static final Set<RestOperationTypeEnum> VERSIONED_WRITES =
      Set.of(RestOperationTypeEnum.UPDATE, RestOperationTypeEnum.PATCH, RestOperationTypeEnum.DELETE);

  /**
   * An {@code If-Match} whose version is not a number names no version of this server (HAPI's versions are
   * 1, 2, ...), so the precondition fails: 412. HAPI's PATCH parsed it as a number and answered 500
   * (found by FhirRequestFuzzTest: {@code If-Match: W/"abc"}).
   */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean ifMatchNamingNoVersionIs412(RequestDetails request) {
    var ifMatch = request.getHeader(Constants.HEADER_IF_MATCH);
    if (ifMatch == null || !VERSIONED_WRITES.contains(request.getRestOperationType())) {
      return true;
    }
    var version = ifMatch.strip();
    if (version.startsWith("W/")) {
      version = version.substring(2);
    }
    if (version.length() >= 2 && version.startsWith("\"") && version.endsWith("\"")) {
      version = version.substring(1, version.length() - 1);
    }
    if (!version.matches("[0-9]{1,18}")) {
      throw new PreconditionFailedException("If-Match " + ifMatch + " names no version of this resource: "
          + "versions are whole numbers, as in W/\"3\"");
    }
    return true;
  }

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
