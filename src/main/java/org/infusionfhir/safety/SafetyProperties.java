package org.infusionfhir.safety;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The safety monitor ({@code infusion.safety.*}).
 *
 * @param enabled whether stored readings are checked against the rules at all
 * @param rulesFile a clinic's own rules file (YAML, the format of the built-in {@code safety/rules.yaml});
 *     unset, the built-in defaults apply. A fault in it stops start-up, naming file, line and field
 * @param escalateAfter an alert still open (no mitigation) this long after it was identified is escalated:
 *     its severity is raised and it is delivered again
 * @param escalationCheckInterval how often open alerts are looked at for escalation
 * @param maxReadingAge a reading taken longer than this before it is stored raises no alert: the monitor is for
 *     acting now, and a load of past courses is history (such readings still end an episode)
 * @param workers threads that evaluate readings after they are stored; readings of one patient always go
 *     to the same thread, in the order they were stored
 */
@ConfigurationProperties("infusion.safety")
public record SafetyProperties(
    @DefaultValue("true") boolean enabled,
    Path rulesFile,
    @DefaultValue("10m") Duration escalateAfter,
    @DefaultValue("30s") Duration escalationCheckInterval,
    @DefaultValue("12h") Duration maxReadingAge,
    @DefaultValue("2") int workers) {}
