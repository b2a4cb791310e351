package org.infusionfhir.server.spec;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.ResourceVersionConflictResolutionStrategy;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.springframework.stereotype.Component;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Parallel conditional creates of the same resource (the same {@code If-None-Exist}) must leave one
 * resource and answer every caller with it. HAPI's unique search-URL index already stops duplicates,
 * but the losers of the race get 409; retried, they find the winner and answer 200.
 */
@Component
@Interceptor
public class ConditionalWriteRetryInterceptor implements ServerInterceptor {

  static final int MAX_RETRIES = 5;

  @Hook(Pointcut.STORAGE_VERSION_CONFLICT)
  public ResourceVersionConflictResolutionStrategy retryConditionalWrites(RequestDetails request) {
    var strategy = new ResourceVersionConflictResolutionStrategy();
    if (request != null && isConditionalWrite(request)) {
      strategy.setRetry(true);
      strategy.setMaxRetries(MAX_RETRIES);
    }
    return strategy;
  }

  private static boolean isConditionalWrite(RequestDetails request) {
    var operation = request.getRestOperationType();
    if (operation == RestOperationTypeEnum.CREATE) {
      return request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null;
    }
    if (operation == RestOperationTypeEnum.UPDATE) {
      // A conditional update names a search, not an id; an If-Match update must fail, not retry.
      return request.getHeader(Constants.HEADER_IF_MATCH) == null
          && (request.getId() == null || !request.getId().hasIdPart());
    }
    return operation == RestOperationTypeEnum.TRANSACTION;
  }
}
