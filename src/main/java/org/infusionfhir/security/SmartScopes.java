package org.infusionfhir.security;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.infusionfhir.security.SmartScope.Context;
import org.infusionfhir.security.SmartScope.Permission;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * What an access token grants: its SMART resource scopes and, for patient scopes, the patient they are
 * held to (the token's {@code patient} claim).
 */
public record SmartScopes(List<SmartScope> scopes, String patient, String subject) {

  public static final String PATIENT_CLAIM = "patient";
  /** The person a user token speaks for, as a FHIR reference ({@code Practitioner/123}). */
  public static final String FHIR_USER_CLAIM = "fhirUser";

  /** Reads the {@code scope} claim as a space-separated string (RFC 9068) or a list (Spring, Keycloak). */
  public static SmartScopes of(Jwt jwt) {
    var claim = jwt.getClaims().get("scope");
    if (claim == null) {
      claim = jwt.getClaims().get("scp");
    }
    List<String> texts = claim instanceof Collection<?> list
        ? list.stream().map(String::valueOf).toList()
        : claim == null ? List.of() : Arrays.asList(String.valueOf(claim).trim().split("\\s+"));
    var scopes = texts.stream().map(SmartScope::parse).flatMap(Optional::stream).toList();
    var patient = jwt.getClaimAsString(PATIENT_CLAIM);
    return new SmartScopes(scopes, patient == null || patient.isBlank() ? null : patient, subjectOf(jwt));
  }

  /** Who the token speaks for: {@code sub}, else {@code client_id}. */
  public static String subjectOf(Jwt jwt) {
    return jwt.getSubject() != null ? jwt.getSubject() : jwt.getClaimAsString("client_id");
  }

  /** Whether some scope outside the patient context allows {@code permission} on {@code type}. */
  public boolean allowsBeyondOnePatient(String type, Permission permission) {
    return scopes.stream().anyMatch(s -> s.context() != Context.PATIENT && s.filter() == null
        && s.covers(type) && s.allows(permission));
  }

  /** Whether a system scope allows {@code permission} on {@code type} (backend services). */
  public boolean allowsSystem(String type, Permission permission) {
    return scopes.stream().anyMatch(s -> s.context() == Context.SYSTEM && s.filter() == null
        && s.covers(type) && s.allows(permission));
  }
}
