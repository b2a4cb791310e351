package org.infusionfhir.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The audit trail ({@code infusion.audit.*}).
 *
 * @param enabled false records nothing (for benchmarks and local development); AuditEvents stay
 *     unchangeable and out of {@code $everything} either way
 * @param maxPatients the most patients one AuditEvent names: a search across the clinic would otherwise
 *     name every patient it touched. The first ones met are kept; the query entity still says what was
 *     asked
 */
@ConfigurationProperties("infusion.audit")
public record AuditProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("50") int maxPatients) {}
