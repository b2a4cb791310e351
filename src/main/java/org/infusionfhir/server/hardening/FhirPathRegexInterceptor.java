package org.infusionfhir.server.hardening;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.fhirpath.ExpressionNode;
import org.hl7.fhir.r4.fhirpath.ExpressionNode.Function;
import org.hl7.fhir.r4.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r4.hapi.ctx.HapiWorkerContext;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.springframework.stereotype.Component;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Refuses FHIRPath written by a client that calls {@code matches()}, {@code matchesFull()} or
 * {@code replaceMatches()}: in FHIRPath Patch paths, in SearchParameter expressions and in the
 * constraints of a StructureDefinition.
 *
 * <p>The FHIRPath engines of org.hl7.fhir.core 6.7.9 hand such a regular expression to
 * {@code java.util.regex} with no time limit (CVE-2026-45367, CVE-2026-49485, fixed in 6.9.7 and
 * 6.9.4.2, which HAPI 8.8.0 cannot use). One catastrophic pattern such as {@code (a+)+$} holds a request
 * thread for as long as the JVM runs. HAPI evaluates Patch paths at once, SearchParameter expressions on
 * every later write of their type, and profile constraints whenever {@code $validate} names the profile.
 * Our own guide uses none of these functions; other clients have no need to send them here.
 */
@Component
@Interceptor
public class FhirPathRegexInterceptor implements ServerInterceptor {

  private static final Set<Function> REGEX_FUNCTIONS =
      EnumSet.of(Function.Matches, Function.MatchesFull, Function.ReplaceMatches);

  private final FhirContext fhirContext;
  private volatile FHIRPathEngine engine;

  public FhirPathRegexInterceptor(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
  }

  /** FHIRPath Patch, alone or as entries of a transaction or batch: refused before HAPI applies it. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void checkPatchPaths(RequestDetails request, RestOperationTypeEnum operation) {
    var resource = request.getResource();
    if (operation == RestOperationTypeEnum.PATCH && resource instanceof Parameters patch) {
      checkPatch(patch, "the patch");
    } else if (resource instanceof Bundle bundle) {
      for (int i = 0; i < bundle.getEntry().size(); i++) {
        var entry = bundle.getEntry().get(i);
        if (entry.getRequest().getMethod() == Bundle.HTTPVerb.PATCH && entry.getResource() instanceof Parameters patch) {
          checkPatch(patch, "Bundle.entry[" + i + "]");
        }
      }
    }
  }

  /**
   * Conformance resources whose FHIRPath the server evaluates later, however they arrive (PUT, Patch,
   * Bundle, or a write that does not come over REST at all): a storage interceptor of its own.
   */
  @Component
  @Interceptor
  public static class StoredExpressions implements ServerInterceptor {

    private final FhirPathRegexInterceptor checks;

    public StoredExpressions(FhirPathRegexInterceptor checks) {
      this.checks = checks;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void checkCreated(IBaseResource resource) {
      checks.checkStored(resource);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void checkUpdated(IBaseResource oldResource, IBaseResource resource) {
      checks.checkStored(resource);
    }
  }

  private void checkPatch(Parameters patch, String where) {
    for (var operation : patch.getParameter()) {
      for (var part : operation.getPart()) {
        if (part.getName().equals("path") && part.getValue() != null) {
          refuseRegex(part.getValue().primitiveValue(), where + " path", this::invalid);
        }
      }
    }
  }

  private void checkStored(IBaseResource resource) {
    if (resource instanceof SearchParameter parameter && parameter.hasExpression()) {
      refuseRegex(parameter.getExpression(), "SearchParameter.expression", this::unprocessable);
    } else if (resource instanceof StructureDefinition profile) {
      for (var element : profile.getDifferential().getElement()) {
        checkConstraints(element);
      }
      for (var element : profile.getSnapshot().getElement()) {
        checkConstraints(element);
      }
    }
  }

  private void checkConstraints(ElementDefinition element) {
    for (var constraint : element.getConstraint()) {
      if (constraint.hasExpression()) {
        refuseRegex(constraint.getExpression(),
            "StructureDefinition constraint " + constraint.getKey() + " on " + element.getPath(), this::unprocessable);
      }
    }
  }

  private void refuseRegex(String expression, String where, Refusal refusal) {
    if (expression == null || expression.isBlank()) {
      return;
    }
    ExpressionNode parsed;
    try {
      parsed = engine().parse(expression);
    } catch (RuntimeException notFhirPath) {
      throw refusal.of(where + " is not a FHIRPath expression: " + notFhirPath.getMessage());
    }
    var function = regexFunctionIn(parsed);
    if (function != null) {
      throw refusal.of(where + " calls " + function.toCode() + "(): regular expressions in FHIRPath are not"
          + " accepted by this server (a crafted pattern can hold the server for hours)");
    }
  }

  /**
   * Built at first use, as HAPI builds its own: the engine reads the type definitions from the validation
   * support, which is complete only once the server has started. Only its parser is used here.
   */
  private FHIRPathEngine engine() {
    var built = engine;
    if (built == null) {
      built = new FHIRPathEngine(new HapiWorkerContext(fhirContext, fhirContext.getValidationSupport()));
      engine = built;
    }
    return built;
  }

  private static Function regexFunctionIn(ExpressionNode node) {
    if (node == null) {
      return null;
    }
    if (node.getKind() == ExpressionNode.Kind.Function && REGEX_FUNCTIONS.contains(node.getFunction())) {
      return node.getFunction();
    }
    var children = new ArrayList<ExpressionNode>();
    if (node.getParameters() != null) {
      children.addAll(node.getParameters());
    }
    children.addAll(Arrays.asList(node.getInner(), node.getGroup(), node.getOpNext()));
    for (var next : children) {
      var found = regexFunctionIn(next);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private InvalidRequestException invalid(String message) {
    return new InvalidRequestException(message);
  }

  private UnprocessableEntityException unprocessable(String message) {
    return new UnprocessableEntityException(message);
  }

  @FunctionalInterface
  private interface Refusal {
    RuntimeException of(String message);
  }
}
