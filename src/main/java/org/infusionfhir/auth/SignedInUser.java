package org.infusionfhir.auth;

import java.util.List;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * How a signed-in user's link to FHIR travels with their authentication: as a plain authority
 * ({@code FHIR_USER:Practitioner/123}), which Spring Authorization Server stores with the authorization
 * without any custom (de)serialisation.
 */
final class SignedInUser {

  static final String FHIR_USER_PREFIX = "FHIR_USER:";

  private SignedInUser() {}

  static List<GrantedAuthority> authorities(UserAccount account) {
    return List.of(new SimpleGrantedAuthority("ROLE_USER"),
        new SimpleGrantedAuthority(FHIR_USER_PREFIX + account.fhirUser()));
  }

  /** The {@code fhirUser} of an authentication made by {@link PasswordSignIn}, if it is one. */
  static Optional<String> fhirUser(Authentication authentication) {
    if (authentication == null) {
      return Optional.empty();
    }
    return authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority)
        .filter(a -> a.startsWith(FHIR_USER_PREFIX)).map(a -> a.substring(FHIR_USER_PREFIX.length())).findFirst();
  }

  static boolean isPatient(Authentication authentication) {
    return fhirUser(authentication).map(f -> f.startsWith("Patient/")).orElse(false);
  }
}
