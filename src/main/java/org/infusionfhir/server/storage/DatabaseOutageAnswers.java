package org.infusionfhir.server.storage;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.infusionfhir.server.ServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A FHIR request the database's absence stopped is answered 503 with {@code Retry-After} (and an OperationOutcome),
 * where HAPI answers 500 ({@link DatabaseOutage}).
 */
@Component
@Interceptor
public class DatabaseOutageAnswers implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger("infusion.database");

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException unavailable(RequestDetails request, Throwable exception) {
    if (exception instanceof DatabaseOutage.Unavailable || exception instanceof DatabaseOutage.DiskFull
        || exception instanceof BaseServerResponseException answer && answer.getStatusCode() < 500) {
      return null;
    }
    if (DatabaseOutage.isStoreWriteFailure(exception)) {
      log.error("{} {}: 507, the database's disk is full ({})", request.getRequestType(), request.getCompleteUrl(),
          DatabaseOutage.rootOf(exception));
      return DatabaseOutage.diskFull(exception);
    }
    if (!DatabaseOutage.causedIt(exception)) {
      return null;
    }
    log.warn("{} {}: 503, the database is out of reach ({})", request.getRequestType(), request.getCompleteUrl(),
        DatabaseOutage.rootOf(exception));
    return DatabaseOutage.answer(exception);
  }
}
