package org.infusionfhir.auth;

import com.nimbusds.jwt.JWTParser;
import java.security.Principal;
import java.text.ParseException;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationCode;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Spring's JDBC authorization service, plus the two things SMART needs it to remember:
 *
 * <ul>
 *   <li>the launch context (patient, encounter), fixed when the code is issued: a patient user's own
 *       record, the EHR launch's context, or the patient a practitioner picked on the consent page;
 *   <li>revocation: an access token marked invalid (revoked, refreshed away, or issued with a reused code)
 *       goes on the revocation list the resource server checks.
 * </ul>
 */
final class LaunchAwareAuthorizations implements OAuth2AuthorizationService {

  static final String PATIENT_ATTRIBUTE = "smart_patient";
  static final String ENCOUNTER_ATTRIBUTE = "smart_encounter";
  private static final String CONTEXT_FIXED = "smart_context_fixed";
  /** The consent page's form field for the patient a practitioner picked. */
  static final String PICKED_PATIENT_PARAMETER = "patient";

  private final OAuth2AuthorizationService delegate;
  private final LaunchContexts launches;
  private final RevokedTokens revoked;

  LaunchAwareAuthorizations(OAuth2AuthorizationService delegate, LaunchContexts launches, RevokedTokens revoked) {
    this.delegate = delegate;
    this.launches = launches;
    this.revoked = revoked;
  }

  @Override
  public void save(OAuth2Authorization authorization) {
    var toSave = authorization;
    if (authorization.getToken(OAuth2AuthorizationCode.class) != null
        && authorization.getAttribute(CONTEXT_FIXED) == null) {
      toSave = withLaunchContext(authorization);
    }
    var access = toSave.getToken(OAuth2AccessToken.class);
    if (access != null && access.isInvalidated()) {
      revoke(access.getToken().getTokenValue());
    }
    delegate.save(toSave);
  }

  @Override
  public void remove(OAuth2Authorization authorization) {
    var access = authorization.getToken(OAuth2AccessToken.class);
    if (access != null) {
      revoke(access.getToken().getTokenValue());
    }
    delegate.remove(authorization);
  }

  @Override
  public OAuth2Authorization findById(String id) {
    return delegate.findById(id);
  }

  @Override
  public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
    return delegate.findByToken(token, tokenType);
  }

  private OAuth2Authorization withLaunchContext(OAuth2Authorization authorization) {
    var builder = OAuth2Authorization.from(authorization).attribute(CONTEXT_FIXED, "true");
    Authentication user = authorization.getAttribute(Principal.class.getName());
    OAuth2AuthorizationRequest request = authorization.getAttribute(OAuth2AuthorizationRequest.class.getName());
    var scopes = authorization.getAuthorizedScopes();
    var fhirUser = SignedInUser.fhirUser(user);
    if (fhirUser.isPresent() && fhirUser.get().startsWith("Patient/")) {
      // A patient user's context is always their own record, whatever the app asked for.
      builder.attribute(PATIENT_ATTRIBUTE, fhirUser.get().substring("Patient/".length()));
    } else if (request != null && request.getAdditionalParameters().get("launch") instanceof String launch
        && scopes.contains("launch")) {
      launches.consume(launch, request.getClientId())
          .ifPresent(context -> {
            builder.attribute(PATIENT_ATTRIBUTE, context.patient());
            if (context.encounter() != null) {
              builder.attribute(ENCOUNTER_ATTRIBUTE, context.encounter());
            }
          });
    } else if (scopes.contains("launch/patient")) {
      pickedPatient().ifPresent(patient -> builder.attribute(PATIENT_ATTRIBUTE, patient));
    }
    return builder.build();
  }

  /** The patient picked on the consent page, in the request that issues the code. */
  private static Optional<String> pickedPatient() {
    if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes) {
      var picked = attributes.getRequest().getParameter(PICKED_PATIENT_PARAMETER);
      if (picked != null && picked.matches("[A-Za-z0-9\\-.]{1,64}")) {
        return Optional.of(picked);
      }
    }
    return Optional.empty();
  }

  private void revoke(String accessToken) {
    try {
      var claims = JWTParser.parse(accessToken).getJWTClaimsSet();
      if (claims.getJWTID() != null) {
        revoked.revoke(claims.getJWTID(),
            claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant());
      }
    } catch (ParseException notAJwt) {
      throw new IllegalStateException("an access token of this server is not a JWT", notAJwt);
    }
  }
}
