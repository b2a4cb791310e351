package org.infusionfhir.security;

import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;

/**
 * What the user-facing side of the embedded authorization server ({@code org.infusionfhir.auth}) adds to
 * its filter chain: the authorization endpoint, sign-in, consent and OpenID Connect. The backend-services
 * part configured here works without it.
 */
public interface AuthorizationServerExtension {

  void customize(HttpSecurity http, OAuth2AuthorizationServerConfigurer server) throws Exception;
}
