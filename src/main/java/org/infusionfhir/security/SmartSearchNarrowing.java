package org.infusionfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.infusionfhir.security.SmartScope.Context;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Narrows searches to what the token may see, so that an allowed search returns the allowed part
 * rather than being refused for what it would have found beyond it:
 *
 * <ul>
 *   <li>a token held to one patient searches that patient's compartment (HAPI's SearchNarrowing);
 *   <li>a type reached only through v2 granular scopes ({@code Observation.rs?category=vital-signs})
 *       is searched with the granular query added.
 * </ul>
 *
 * Authorization still checks every resource in the answer; narrowing only keeps the answer allowed.
 */
@Component
@ConditionalOnProperty(name = "infusion.security.enabled", havingValue = "true", matchIfMissing = true)
class SmartSearchNarrowing implements ServerInterceptor {

  private final SearchNarrowingInterceptor compartments = new SearchNarrowingInterceptor() {
    @Override
    protected AuthorizedList buildAuthorizedList(RequestDetails request) {
      var granted = SmartAuthorization.currentScopes();
      if (granted == null || granted.patient() == null
          || granted.scopes().stream().anyMatch(s -> s.context() != Context.PATIENT)) {
        return null;
      }
      return new AuthorizedList().addCompartment("Patient/" + granted.patient());
    }
  };

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public void narrow(RequestDetails request, HttpServletRequest servletRequest, HttpServletResponse response) {
    var operation = request.getRestOperationType();
    // HAPI's narrowing refuses system-level searches outright; authorization checks their answers instead.
    if (operation == null || operation == RestOperationTypeEnum.SEARCH_SYSTEM) {
      return;
    }
    compartments.hookIncomingRequestPostProcessed(request, servletRequest, response);
    if (operation == RestOperationTypeEnum.SEARCH_TYPE) {
      addGranularQuery(request);
    }
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void narrowTransaction(ServletRequestDetails request, HttpServletRequest servletRequest,
      HttpServletResponse response) {
    compartments.hookIncomingRequestPreHandled(request, servletRequest, response);
  }

  /**
   * When every scope reaching the searched type carries a granular query, and those queries name one
   * parameter ({@code category=vital-signs}, {@code category=survey}), the search is ANDed with that
   * parameter's values ORed ({@code category=vital-signs,survey}).
   */
  private static void addGranularQuery(RequestDetails request) {
    var granted = SmartAuthorization.currentScopes();
    var type = request.getResourceName();
    if (granted == null || type == null) {
      return;
    }
    var reaching = granted.scopes().stream()
        .filter(s -> s.covers(type) && (s.allows(SmartScope.Permission.SEARCH)))
        .toList();
    if (reaching.isEmpty() || reaching.stream().anyMatch(s -> s.filter() == null)) {
      return;
    }
    String name = null;
    var values = new ArrayList<String>();
    for (var scope : reaching) {
      var pairs = scope.filter().split("&");
      if (pairs.length != 1 || !pairs[0].contains("=")) {
        return;
      }
      var pName = pairs[0].substring(0, pairs[0].indexOf('='));
      if (name != null && !name.equals(pName)) {
        return;
      }
      name = pName;
      values.add(URLDecoder.decode(pairs[0].substring(pName.length() + 1), StandardCharsets.UTF_8));
    }
    Map<String, String[]> parameters = new HashMap<>(request.getParameters());
    var existing = parameters.getOrDefault(name, new String[0]);
    var combined = new ArrayList<>(Arrays.asList(existing));
    combined.add(String.join(",", values));
    parameters.put(name, combined.toArray(String[]::new));
    request.setParameters(parameters);
  }
}
