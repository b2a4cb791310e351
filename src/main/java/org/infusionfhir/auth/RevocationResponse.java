package org.infusionfhir.auth;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.Principal;
import org.infusionfhir.security.SignInAudit;
import org.infusionfhir.security.SignInAudit.Record;
import org.infusionfhir.security.SignInAudit.Step;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2TokenRevocationAuthenticationToken;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;

/**
 * The revocation endpoint's answer (200, RFC 7009 §2.2), after recording the revocation in the audit
 * trail with the user, the app and the launch context of the authorization the token belonged to. An
 * unknown token is answered 200 as well, and recorded with the revoking app only.
 */
final class RevocationResponse implements AuthenticationSuccessHandler {

  private final OAuth2AuthorizationService authorizations;
  private final SignInAudit audit;

  RevocationResponse(OAuth2AuthorizationService authorizations, SignInAudit audit) {
    this.authorizations = authorizations;
    this.audit = audit;
  }

  @Override
  public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response,
      Authentication authentication) {
    var revocation = (OAuth2TokenRevocationAuthenticationToken) authentication;
    var revoking = revocation.getPrincipal() instanceof Authentication client ? client.getName() : null;
    var authorization = authorizations.findByToken(revocation.getToken(), null);
    String user = null;
    String fhirUser = null;
    String patient = null;
    String detail = "unknown token";
    if (authorization != null) {
      Authentication person = authorization.getAttribute(Principal.class.getName());
      fhirUser = SignedInUser.fhirUser(person).orElse(null);
      user = person != null && !(person.getName().equals(revoking)) ? authorization.getPrincipalName() : null;
      patient = authorization.getAttribute(LaunchAwareAuthorizations.PATIENT_ATTRIBUTE);
      detail = authorization.getRefreshToken() != null
          && revocation.getToken().equals(authorization.getRefreshToken().getToken().getTokenValue())
              ? "refresh token" : "access token";
    }
    audit.record(new Record(Step.TOKEN_REVOKED, user, fhirUser, revoking, patient, null, detail), request);
    response.setStatus(HttpServletResponse.SC_OK);
  }
}
