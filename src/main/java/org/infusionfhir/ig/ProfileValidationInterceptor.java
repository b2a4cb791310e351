package org.infusionfhir.ig;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Validation on write: a resource that claims one of our profiles and breaks it is refused with 422 and
 * an OperationOutcome whose issues carry FHIRPath expressions ({@code enforce}), or stored with its issues
 * logged and returned in {@code X-Validation-Issues} ({@code warn}). Registered with the storage layer,
 * so REST writes, transaction entries and the adapters are all checked.
 */
@Interceptor
public class ProfileValidationInterceptor implements ServerInterceptor {

  public static final String ISSUES_HEADER = "X-Validation-Issues";
  /**
   * Request user-data key set by an adapter whose output is built by a tested mapping and that runs
   * with {@code infusion.adapters.validate=false}; such writes are not validated again.
   */
  public static final String MAPPED_BY_ADAPTER = "org.infusionfhir.adapter.mapped";
  private static final Logger log = LoggerFactory.getLogger(ProfileValidationInterceptor.class);

  private final OfflineValidator validator;
  private final ValidationProperties properties;

  public ProfileValidationInterceptor(OfflineValidator validator, ValidationProperties properties) {
    this.validator = validator;
    this.properties = properties;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    check(resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    check(resource, request);
  }

  private void check(IBaseResource resource, RequestDetails request) {
    if (!(resource instanceof Resource r4) || !claimsOurProfile(r4)
        || (request != null && Boolean.TRUE.equals(request.getUserData().get(MAPPED_BY_ADAPTER)))) {
      return;
    }
    var mode = properties.modeFor(r4.fhirType());
    if (mode == ValidationProperties.Mode.OFF) {
      return;
    }
    List<SingleValidationMessage> problems = validator.validate(resource).getMessages().stream()
        .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
        .toList();
    if (problems.isEmpty()) {
      return;
    }
    var what = r4.fhirType() + (r4.hasIdElement() && r4.getIdElement().hasIdPart() ? "/" + r4.getIdElement().getIdPart() : "");
    if (mode == ValidationProperties.Mode.ENFORCE) {
      throw new UnprocessableEntityException(validator.fhirContext(),
          new ValidationResult(validator.fhirContext(), problems).toOperationOutcome());
    }
    log.warn("{} breaks its profile ({} issue(s)), stored because validation mode is warn: {}", what,
        problems.size(), problems.stream().map(m -> m.getLocationString() + ": " + m.getMessage()).toList());
    if (request instanceof ServletRequestDetails servlet && servlet.getServletResponse() != null) {
      servlet.getServletResponse().addHeader(ISSUES_HEADER,
          problems.size() + " issue(s); first: " + problems.get(0).getLocationString() + ": "
              + problems.get(0).getMessage().replaceAll("[\\r\\n]+", " "));
    }
  }

  private static boolean claimsOurProfile(Resource resource) {
    return resource.getMeta().getProfile().stream()
        .anyMatch(p -> ImplementationGuidePackage.isOurs(p.getValue()));
  }

}
