package org.infusionfhir.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Date;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Gives {@code Patient/[id]/$everything} the {@code _since} parameter FHIR R4 defines for it: only resources
 * updated at or after that instant. HAPI 8.8 ignores {@code _since}, and the {@code _lastUpdated} it takes
 * instead is not applied to the everything query, so an EHR asking for changes got the whole record.
 * Here each page drops what is older, the paging links carry {@code _since} so later pages do the same
 * (on any replica), and the page no longer claims a {@code total} it cannot know.
 */
@Component
public class EverythingSinceParameter implements ServerInterceptor {

  private static final String SINCE = "_since";
  private static final String SINCE_KEY = EverythingSinceParameter.class.getName();

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public void readSince(RequestDetails request) {
    var values = request.getParameters().get(SINCE);
    boolean everything = "$everything".equals(request.getOperation())
        || request.getParameters().containsKey("_getpages");
    if (values == null || !everything) {
      return;
    }
    if (values.length != 1) {
      throw new InvalidRequestException("_since may be given once");
    }
    try {
      request.getUserData().put(SINCE_KEY, new InstantType(values[0]).getValue());
    } catch (ca.uhn.fhir.parser.DataFormatException | IllegalArgumentException e) {
      throw new InvalidRequestException("_since must be an instant such as 2026-02-01T00:00:00Z, not '"
          + values[0] + "'");
    }
  }

  @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
  public void dropOlder(IPreResourceAccessDetails resources, RequestDetails request) {
    if (request == null || !(request.getUserData().get(SINCE_KEY) instanceof Date since)) {
      return;
    }
    for (int i = 0; i < resources.size(); i++) {
      var updated = resources.getResource(i).getMeta().getLastUpdated();
      if (updated == null || updated.before(since)) {
        resources.setDontReturnResourceAtIndex(i);
      }
    }
  }

  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void keepSinceInLinks(RequestDetails request, ResponseDetails response) {
    if (!(request.getUserData().get(SINCE_KEY) instanceof Date)
        || !(response.getResponseResource() instanceof Bundle bundle)) {
      return;
    }
    var since = SINCE + "=" + java.net.URLEncoder.encode(request.getParameters().get(SINCE)[0],
        java.nio.charset.StandardCharsets.UTF_8);
    for (var link : bundle.getLink()) {
      if (!link.getRelation().equals(Bundle.LINK_SELF) && !link.getUrl().contains(SINCE + "=")) {
        link.setUrl(link.getUrl() + (link.getUrl().contains("?") ? "&" : "?") + since);
      }
    }
    bundle.setTotalElement(null);
  }
}
