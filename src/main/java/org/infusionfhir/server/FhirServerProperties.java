package org.infusionfhir.server;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the FHIR REST layer behaves ({@code infusion.fhir.*}).
 *
 * @param defaultPageSize search results per page when the client sends no {@code _count}
 * @param maxPageSize the largest {@code _count} honoured
 * @param searchReuse how long identical searches may reuse cached results; 0 (the default) means
 *     every search reflects every committed write, which is what clinicians counting vitals expect
 * @param expungeEnabled whether {@code $expunge} may physically remove data
 * @param trustForwardedHeaders build links from {@code X-Forwarded-Host/Proto/Port/Prefix}; switch off
 *     when clients can reach the server other than through a reverse proxy you control
 */
@ConfigurationProperties("infusion.fhir")
public record FhirServerProperties(
    @DefaultValue("50") int defaultPageSize,
    @DefaultValue("500") int maxPageSize,
    @DefaultValue("0s") Duration searchReuse,
    @DefaultValue("false") boolean expungeEnabled,
    @DefaultValue("true") boolean trustForwardedHeaders) {}
