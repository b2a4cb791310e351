package org.infusionfhir.server.hardening;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits on what one request may carry ({@code infusion.limits.*}); each is answered with a 4xx
 * OperationOutcome, never by exhausting the server.
 *
 * @param maxBodySize the largest request body; larger bodies get 413
 * @param maxJsonDepth the deepest nesting of JSON objects and arrays; deeper bodies get 400
 * @param maxBundleEntries the most entries in a transaction or batch Bundle; more get 413
 */
@ConfigurationProperties("infusion.limits")
public record RequestLimitsProperties(
    @DefaultValue("20MB") DataSize maxBodySize,
    @DefaultValue("64") int maxJsonDepth,
    @DefaultValue("5000") int maxBundleEntries) {}
