package org.infusionfhir.server.hardening;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import org.infusionfhir.server.ServerInterceptor;

/**
 * FHIR R4 §2.20.0.1 (datatypes.html#id): a logical id is 1 to 64 of {@code A-Z a-z 0-9 - .}. A request
 * naming any other id is malformed (400), not a search for something that might exist (HAPI says 404).
 */
@Component
@Interceptor
public class ResourceIdInterceptor implements ServerInterceptor {

  private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean checkId(RequestDetails request) {
    var id = request.getId();
    if (id != null && id.hasIdPart() && !FHIR_ID.matcher(id.getIdPart()).matches()) {
      throw new InvalidRequestException("Invalid resource id '" + id.getIdPart()
          + "': a FHIR id is 1 to 64 characters of A-Z, a-z, 0-9, '-' and '.'");
    }
    if (id != null && id.hasVersionIdPart() && !FHIR_ID.matcher(id.getVersionIdPart()).matches()) {
      throw new InvalidRequestException("Invalid version id '" + id.getVersionIdPart() + "'");
    }
    return true;
  }
}
