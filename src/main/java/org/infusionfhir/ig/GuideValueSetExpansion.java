package org.infusionfhir.ig;

import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.context.support.ValueSetExpansionOptions;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.ValueSet;
import org.infusionfhir.server.EmptyOperationBodyFilter;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * {@code ValueSet/$expand?url=} for our guide's ValueSets, expanded in memory from the package. HAPI
 * expands a stored CodeSystem through its full-text index, a module we do not run; our ValueSets are
 * small enumerations, so the in-memory expansion of the validator's own chain is exact. Other ValueSets
 * go to HAPI as before.
 */
@Component
@Interceptor
public class GuideValueSetExpansion implements ServerInterceptor {

  private final OfflineValidator validator;

  public GuideValueSetExpansion(OfflineValidator validator) {
    this.validator = validator;
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_PROCESSED)
  public boolean expandOurs(HttpServletRequest request, HttpServletResponse response) throws IOException {
    var url = request.getParameter("url");
    // A POST without a body is the same request as the GET (EmptyOperationBodyFilter).
    boolean asGet = "GET".equals(request.getMethod())
        || Boolean.TRUE.equals(request.getAttribute(EmptyOperationBodyFilter.EMPTY_BODY));
    if (!asGet || !request.getRequestURI().endsWith("/ValueSet/$expand")
        || !ImplementationGuidePackage.isOurs(url)) {
      return true;
    }
    var chain = validator.supportChain();
    var valueSet = chain.fetchValueSet(url);
    if (valueSet == null) {
      return true;
    }
    var outcome = chain.expandValueSet(new ValidationSupportContext(chain), new ValueSetExpansionOptions(), valueSet);
    if (outcome == null || outcome.getValueSet() == null) {
      return true;
    }
    var expanded = (ValueSet) outcome.getValueSet();
    response.setStatus(200);
    response.setContentType(Constants.CT_FHIR_JSON_NEW + ";charset=UTF-8");
    validator.fhirContext().newJsonParser().encodeResourceToWriter(expanded, response.getWriter());
    return false;
  }
}
