package org.infusionfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import java.util.Optional;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.infusionfhir.server.ServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Declares SMART on FHIR in {@code CapabilityStatement.rest.security}: the service code, whether CORS is
 * open, and the token endpoint in the oauth-uris extension (SMART App Launch 1.0 conformance; 2.x keeps
 * it for older clients and points to {@code .well-known/smart-configuration}). There is no
 * {@code authorize} URI with an external issuer: its own metadata names it.
 *
 * <p>HAPI caches the generated statement for every caller, while the token endpoint depends on the
 * address the caller used; so the security block is written into a copy of each answer.
 */
@Component
@Interceptor
public class SmartCapabilityStatement implements ServerInterceptor {

  static final String SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service";
  static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

  private static final Logger log = LoggerFactory.getLogger(SmartCapabilityStatement.class);

  private final SmartEndpoints endpoints;

  public SmartCapabilityStatement(SmartEndpoints endpoints) {
    this.endpoints = endpoints;
  }

  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public boolean declareSecurity(RequestDetails request, ResponseDetails response) {
    if (!(response.getResponseResource() instanceof CapabilityStatement cached) || !endpoints.enabled()) {
      return true;
    }
    var statement = cached.copy();
    for (var rest : statement.getRest()) {
      var security = rest.getSecurity();
      security.setCors(endpoints.corsOpen());
      security.getService().clear();
      var service = new CodeableConcept();
      service.addCoding().setSystem(SERVICE_SYSTEM).setCode("SMART-on-FHIR").setDisplay("SMART-on-FHIR");
      security.addService(service);
      security.setDescription("OAuth2 bearer tokens (SMART App Launch and Backend Services); see "
          + request.getFhirServerBase() + "/.well-known/smart-configuration");
      security.getExtension().removeIf(e -> OAUTH_URIS.equals(e.getUrl()));
      found(request).ifPresent(found -> {
        var oauthUris = new Extension(OAUTH_URIS);
        oauthUris.addExtension(new Extension("token", new UriType(found.tokenEndpoint())));
        if (found.user() != null) {
          oauthUris.addExtension(new Extension("authorize", new UriType(found.user().authorize())));
          oauthUris.addExtension(new Extension("introspect", new UriType(found.user().introspect())));
          oauthUris.addExtension(new Extension("revoke", new UriType(found.user().revoke())));
        }
        security.addExtension(oauthUris);
      });
    }
    response.setResponseResource(statement);
    return true;
  }

  private Optional<SmartEndpoints.Endpoints> found(RequestDetails request) {
    try {
      return Optional.of(endpoints.forClientAt(request.getFhirServerBase()));
    } catch (IllegalStateException issuerUnreadable) {
      // The statement still says SMART; the token endpoint appears once the issuer answers.
      log.warn("CapabilityStatement without token endpoint: {}", issuerUnreadable.getMessage());
      return Optional.empty();
    }
  }
}
