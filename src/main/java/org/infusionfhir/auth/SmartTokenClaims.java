package org.infusionfhir.auth;

import java.util.ArrayList;
import java.util.List;
import org.infusionfhir.security.RegisteredClients;
import org.infusionfhir.security.SecurityProperties;
import org.infusionfhir.security.SmartScope;
import org.infusionfhir.security.SmartScope.Context;
import org.infusionfhir.security.SmartScopes;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;

/**
 * What our tokens carry (the format the resource server reads, security/SmartScopes): our audience,
 * SMART's space-separated {@code scope}, the client, the launch context ({@code patient},
 * {@code encounter}) and, for a signed-in user, {@code fhirUser}; in the ID token, {@code fhirUser} when
 * that scope was granted.
 */
final class SmartTokenClaims implements OAuth2TokenCustomizer<JwtEncodingContext> {

  static final String FHIR_USER_CLAIM = SmartScopes.FHIR_USER_CLAIM;
  static final String ENCOUNTER_CLAIM = "encounter";

  private final SecurityProperties props;
  private final UserAccounts users;

  SmartTokenClaims(SecurityProperties props, UserAccounts users) {
    this.props = props;
    this.users = users;
  }

  @Override
  public void customize(JwtEncodingContext context) {
    Authentication principal = context.getPrincipal();
    var fhirUser = SignedInUser.fhirUser(principal);
    if (fhirUser.isPresent() && AuthorizationGrantType.REFRESH_TOKEN.equals(context.getAuthorizationGrantType())
        && !users.active(principal.getName())) {
      throw new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_GRANT,
          "the user of this refresh token is disabled", null));
    }
    var claims = context.getClaims();
    if (OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue())) {
      if (fhirUser.isPresent() && context.getAuthorizedScopes().contains("fhirUser")) {
        claims.claim(FHIR_USER_CLAIM, fhirUser.get());
      }
      return;
    }
    if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
      return;
    }
    // A mutable list: Spring stores the claims with the authorization, and its JSON allowlist refuses
    // List.of's classes when it reads them back.
    claims.audience(new ArrayList<>(List.of(props.audience())));
    var scopes = context.getAuthorizedScopes().stream();
    if (SignedInUser.isPatient(principal)) {
      // However the grant came about, a patient user's token reaches their own compartment only.
      scopes = scopes.filter(s -> SmartScope.parse(s).map(p -> p.context() == Context.PATIENT).orElse(true));
    }
    claims.claim("scope", String.join(" ", scopes.toList()));
    claims.claim("client_id", context.getRegisteredClient().getClientId());
    String patient = context.getRegisteredClient().getClientSettings().getSetting(RegisteredClients.PATIENT_SETTING);
    var authorization = context.getAuthorization();
    if (authorization != null && authorization.getAttribute(LaunchAwareAuthorizations.PATIENT_ATTRIBUTE) != null) {
      patient = authorization.getAttribute(LaunchAwareAuthorizations.PATIENT_ATTRIBUTE);
      String encounter = authorization.getAttribute(LaunchAwareAuthorizations.ENCOUNTER_ATTRIBUTE);
      if (encounter != null) {
        claims.claim(ENCOUNTER_CLAIM, encounter);
      }
    }
    if (patient != null) {
      claims.claim(SmartScopes.PATIENT_CLAIM, patient);
    }
    fhirUser.ifPresent(f -> claims.claim(FHIR_USER_CLAIM, f));
  }
}
