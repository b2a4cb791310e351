package org.infusionfhir.workspace;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The clinician workspace ({@code infusion.workspace.*}), the SMART app this server serves at {@code /}.
 *
 * @param enabled false: nothing is served at {@code /} and the {@code workspace} app is not registered
 * @param clientId the client id under which the workspace is registered with the embedded authorization
 *     server (a public app: PKCE, redirect to {@code /} on the server's own origin). A client of the same id
 *     in the clients file replaces this registration
 */
@ConfigurationProperties("infusion.workspace")
public record WorkspaceProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("workspace") String clientId) {}
