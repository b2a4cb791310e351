package org.infusionfhir.workspace;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The clinician workspace ({@code infusion.workspace.*}), the SMART app this server serves at {@code /}.
 *
 * @param enabled false: nothing is served at {@code /} and the {@code workspace} app is not registered. The
 *     app is registered as the public client {@code workspace} (PKCE, redirect to {@code /} on the server's
 *     own origin); a client of that id in the clients file replaces the registration
 */
@ConfigurationProperties("infusion.workspace")
public record WorkspaceProperties(@DefaultValue("true") boolean enabled) {}
