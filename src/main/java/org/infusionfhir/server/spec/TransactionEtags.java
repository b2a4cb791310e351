package org.infusionfhir.server.spec;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.springframework.stereotype.Component;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Writes {@code entry.response.etag} of transaction and batch responses as the weak ETag {@code W/"3"}
 * that the {@code ETag} header of the same write carries; HAPI writes the bare version id {@code 3}.
 * FHIR R4 §3.1.0.5.3: the ETag is the version id as a weak validator, and Bundle.entry.response.etag
 * is that header's value, so a client can send it back in {@code If-Match} as it is.
 */
@Component
@Interceptor
public class TransactionEtags implements ServerInterceptor {

  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void weakEtags(IBaseResource resource) {
    if (!(resource instanceof Bundle bundle)
        || (bundle.getType() != BundleType.TRANSACTIONRESPONSE && bundle.getType() != BundleType.BATCHRESPONSE)) {
      return;
    }
    for (var entry : bundle.getEntry()) {
      var response = entry.getResponse();
      if (response.hasEtag()) {
        response.setEtag(weak(response.getEtag()));
      }
    }
  }

  static String weak(String etag) {
    if (etag.startsWith("W/")) {
      return etag;
    }
    var version = etag.startsWith("\"") && etag.endsWith("\"") && etag.length() > 1
        ? etag.substring(1, etag.length() - 1) : etag;
    return "W/\"" + version + "\"";
  }
}
