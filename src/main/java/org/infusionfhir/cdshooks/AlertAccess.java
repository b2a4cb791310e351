package org.infusionfhir.cdshooks;

import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import org.infusionfhir.security.SmartScope;
import org.infusionfhir.security.SmartScopes;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.stereotype.Component;

/**
 * What a hook call may read here. The EHR itself is trusted for what its registration allows (a system read
 * scope covering DetectedIssue, checked with its JWT). When it also sends {@code fhirAuthorization} for this
 * server, that token is honoured: the cards show only what it may read, for the patient it is limited to.
 */
@Component
class AlertAccess {

  private final ObjectProvider<JwtDecoder> decoder;
  private final OwnServer ownServer;

  AlertAccess(ObjectProvider<JwtDecoder> decoder, OwnServer ownServer) {
    this.decoder = decoder;
    this.ownServer = ownServer;
  }

  /** What may be read for {@code patientId}; a token this server does not accept is a 401. */
  Grant grantFor(CdsServiceRequestJson request, String patientId) {
    var authorization = request.getServiceRequestAuthorizationJson();
    var jwtDecoder = decoder.getIfAvailable();
    if (authorization == null || authorization.getAccessToken() == null || jwtDecoder == null
        || !ownServer.isOurs(request.getFhirServer())) {
      // No token for this server: the EHR's registration decides (its JWT has been checked).
      return type -> true;
    }
    try {
      var scopes = SmartScopes.of(jwtDecoder.decode(authorization.getAccessToken()));
      return type -> scopes.scopes().stream().anyMatch(s -> s.filter() == null && s.covers(type)
          && (s.allows(SmartScope.Permission.READ) || s.allows(SmartScope.Permission.SEARCH))
          && (s.context() != SmartScope.Context.PATIENT || patientId.equals(scopes.patient())));
    } catch (JwtException e) {
      throw new AuthenticationException("fhirAuthorization.access_token is not a token of this server: "
          + e.getMessage());
    }
  }

  /** Whether resources of a type may be read for the call's patient. */
  @FunctionalInterface
  interface Grant {
    boolean mayRead(String type);
  }
}
