package org.infusionfhir.auth;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The embedded authorization server's user-facing side ({@code infusion.auth.*}).
 *
 * @param minPasswordLength the shortest password accepted
 * @param maxFailedSignIns failed sign-ins in a row after which the account is locked
 * @param lockout how long a locked account stays locked
 * @param adminSecretFile the secret the {@code user} command shows to the running server's loopback
 *     admin endpoint; written at start, readable by the server's user only
 * @param launchLifetime how long an EHR launch value may be used (once)
 * @param refreshTokenLifetime how long a refresh token granted with {@code offline_access} is valid
 * @param onlineRefreshLifetime how long a refresh token granted with {@code online_access} (and not
 *     {@code offline_access}) is valid: each refresh gives a new one, so it lasts while the app is in use
 */
@ConfigurationProperties("infusion.auth")
public record AuthProperties(
    @DefaultValue("12") int minPasswordLength,
    @DefaultValue("5") int maxFailedSignIns,
    @DefaultValue("15m") Duration lockout,
    @DefaultValue("data/admin-secret") Path adminSecretFile,
    @DefaultValue("5m") Duration launchLifetime,
    @DefaultValue("8h") Duration refreshTokenLifetime,
    @DefaultValue("30m") Duration onlineRefreshLifetime) {}
