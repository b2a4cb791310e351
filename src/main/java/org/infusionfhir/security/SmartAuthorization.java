package org.infusionfhir.security;

import ca.uhn.fhir.jpa.searchparam.matcher.AuthorizationSearchParamMatcher;
import ca.uhn.fhir.jpa.searchparam.matcher.SearchParamMatcher;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.List;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/**
 * HAPI's AuthorizationInterceptor driven by the SMART scopes of the request's access token (checked by
 * Spring Security before the request reached HAPI). Denies by default.
 */
@Component
@ConditionalOnProperty(name = "infusion.security.enabled", havingValue = "true", matchIfMissing = true)
class SmartAuthorization extends AuthorizationInterceptor implements ServerInterceptor {

  SmartAuthorization(SearchParamMatcher matcher) {
    super(PolicyEnum.DENY);
    // Granular v2 scopes (?category=vital-signs) are tested in memory against each resource.
    setAuthorizationSearchParamMatcher(new AuthorizationSearchParamMatcher(matcher));
  }

  @Override
  public List<IAuthRule> buildRuleList(RequestDetails request) {
    var granted = currentScopes();
    if (granted == null) {
      // Only /fhir/metadata reaches HAPI without a token (SecurityConfig); everything else needs one.
      return new RuleBuilder().allow("capabilities").metadata().andThen().denyAll("no access token").andThen().build();
    }
    return SmartRules.forRequest(granted, request);
  }

  /** The scopes of the token on this request thread, or null when there is none. */
  static SmartScopes currentScopes() {
    var authentication = SecurityContextHolder.getContext().getAuthentication();
    return authentication instanceof JwtAuthenticationToken token ? SmartScopes.of(token.getToken()) : null;
  }
}
