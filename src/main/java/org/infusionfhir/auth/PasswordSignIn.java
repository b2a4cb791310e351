package org.infusionfhir.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.User;

/** Signs a user in with name and password against {@link UserAccounts}, which counts failures and locks. */
final class PasswordSignIn implements AuthenticationProvider {

  private static final Logger log = LoggerFactory.getLogger(PasswordSignIn.class);

  private final UserAccounts users;

  PasswordSignIn(UserAccounts users) {
    this.users = users;
  }

  @Override
  public Authentication authenticate(Authentication authentication) {
    var name = authentication.getName();
    var password = authentication.getCredentials() == null ? "" : authentication.getCredentials().toString();
    var account = users.signIn(name, password);
    if (account.isEmpty()) {
      log.info("sign-in refused for '{}' (wrong name or password, disabled, or locked)", name);
      // One message for every reason: it must not tell whether the name exists.
      throw new BadCredentialsException("Wrong user name or password, or the account is locked for a while.");
    }
    log.info("sign-in of {} ({})", name, account.get().fhirUser());
    var authorities = SignedInUser.authorities(account.get());
    return UsernamePasswordAuthenticationToken.authenticated(
        new User(name, "", authorities), null, authorities);
  }

  @Override
  public boolean supports(Class<?> authentication) {
    return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
  }
}
