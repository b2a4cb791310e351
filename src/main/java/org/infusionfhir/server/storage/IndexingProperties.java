package org.infusionfhir.server.storage;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What storage indexes and how it keeps resource text ({@code infusion.indexing.*}). Every write indexes
 * every active search parameter of its type, so a parameter nobody searches by costs rows on each write.
 *
 * @param disabledSearchParameters built-in search parameters switched off, as {@code Type.code}: stored
 *     as retired SearchParameters at start-up, so they are neither indexed nor searchable (a search by
 *     one answers 400). The defaults are the {@code combo-*} parameters of Observation, which index the
 *     code and value of the Observation and of every component a second time, and AuditEvent parameters
 *     no audit query here uses. Set to an empty list to index everything as HAPI does.
 * @param inlineResourceTextBelow resource text shorter than this many characters is stored in the
 *     version row itself rather than in a large object: a vital sign is about 600 characters, and on
 *     PostgreSQL a large object costs extra writes and reads per resource. 0 keeps HAPI's default.
 */
@ConfigurationProperties("infusion.indexing")
public record IndexingProperties(
    @DefaultValue({
      "Observation.combo-code", "Observation.combo-code-value-concept", "Observation.combo-code-value-quantity",
      "Observation.combo-data-absent-reason", "Observation.combo-value-concept", "Observation.combo-value-quantity",
      "AuditEvent.address", "AuditEvent.agent-role", "AuditEvent.altid",
      "AuditEvent.entity-name", "AuditEvent.entity-role", "AuditEvent.policy", "AuditEvent.site"})
    List<String> disabledSearchParameters,
    @DefaultValue("4000") int inlineResourceTextBelow) {}
