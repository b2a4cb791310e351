package org.infusionfhir.ig;

import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.context.support.ValueSetExpansionOptions;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.infusionfhir.server.ServerProvider;
import org.springframework.stereotype.Component;

/**
 * HAPI's ValueSet {@code $expand} and {@code $validate-code}, except that {@code ValueSet/$expand?url=} for
 * one of our guide's ValueSets is expanded in memory from the package. HAPI expands a stored CodeSystem
 * through its full-text index, a module we do not run; our ValueSets are small enumerations, so the
 * in-memory expansion of the validator's own chain is exact.
 *
 * <p>It answers as HAPI's operation method, so authorization, audit, content negotiation
 * ({@code _format}, {@code Accept}) and error handling apply as to any other operation. The override
 * carries no {@code @Operation} of its own: HAPI binds the annotated method of
 * {@link ValueSetOperationProvider}, and calling it on this object runs the override (a second annotated
 * method would bind {@code $expand} twice).
 */
@Component
public class GuideValueSetExpansion extends ValueSetOperationProvider implements ServerProvider {

  private final OfflineValidator validator;

  public GuideValueSetExpansion(OfflineValidator validator) {
    this.validator = validator;
  }

  @Override
  public IBaseResource expand(HttpServletRequest servletRequest, IIdType id, IBaseResource valueSet,
      IPrimitiveType<String> url, IPrimitiveType<String> valueSetVersion, IPrimitiveType<String> filter,
      IPrimitiveType<String> context, IPrimitiveType<String> contextDirection, IPrimitiveType<Integer> offset,
      IPrimitiveType<Integer> count, IPrimitiveType<String> displayLanguage,
      IPrimitiveType<Boolean> includeHierarchy, RequestDetails requestDetails) {
    var ours = id == null && valueSet == null && filter == null && offset == null && count == null
        && url != null && ImplementationGuidePackage.isOurs(url.getValue())
        ? expandFromPackage(url.getValue()) : null;
    if (ours != null) {
      return ours;
    }
    return super.expand(servletRequest, id, valueSet, url, valueSetVersion, filter, context, contextDirection,
        offset, count, displayLanguage, includeHierarchy, requestDetails);
  }

  /** Our ValueSet expanded by the validator's chain, or null when the package does not hold it. */
  private IBaseResource expandFromPackage(String url) {
    var chain = validator.supportChain();
    var definition = chain.fetchValueSet(url);
    if (definition == null) {
      return null;
    }
    var outcome = chain.expandValueSet(new ValidationSupportContext(chain), new ValueSetExpansionOptions(), definition);
    return outcome == null ? null : outcome.getValueSet();
  }
}
