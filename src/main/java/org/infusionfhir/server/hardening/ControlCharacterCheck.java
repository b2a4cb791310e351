package org.infusionfhir.server.hardening;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Refuses to store a string holding a control character. FHIR R4 §2.24.0.1 (string): "Strings SHALL NOT
 * contain Unicode character points below 32, except for u0009 (horizontal tab), u0010 (carriage return) and
 * u0013 (line feed)". HAPI's JSON parser and the adapters let them through, and XML 1.0 cannot hold them:
 * once one was stored (a JSON "\u0016"), every XML answer that held the resource, system history included,
 * broke off in mid-stream after its 200 (found by FhirRequestFuzzTest). A storage hook, so that REST writes
 * and the adapters' writes are refused alike; the audit trail's records are mended instead.
 */
@Component
@Interceptor
public class ControlCharacterCheck implements ServerInterceptor {

  private final FhirContext fhirContext;

  public ControlCharacterCheck(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void beforeCreate(IBaseResource resource) {
    check(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void beforeUpdate(IBaseResource previous, IBaseResource resource) {
    check(resource);
  }

  private void check(IBaseResource resource) {
    for (var primitive : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, IPrimitiveType.class)) {
      var value = primitive.getValueAsString();
      if (value == null) {
        continue;
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
          if (resource instanceof AuditEvent) {
            // The server's own record of a request (its query, say): refused, it would refuse the request. The
            // character is shown as U+FFFD instead (clients cannot write AuditEvents: AuditEventGuard).
            primitive.setValueAsString(value.replaceAll("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]", "\uFFFD"));
            break;
          }
          throw new InvalidRequestException(resource.fhirType() + ": a string holds the control character U+"
              + String.format("%04X", (int) c) + " at position " + i + "; FHIR strings may not hold characters below"
              + " U+0020 other than tab, carriage return and line feed");
        }
      }
    }
  }
}
