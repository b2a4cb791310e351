package org.infusionfhir.exchange;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Bulk Data {@code $export} ({@code infusion.bulk-export.*}).
 *
 * @param jobCheckInterval how often HAPI's batch maintenance looks for export work to start or finish;
 *     HAPI's own minute makes a small export wait up to a minute before it begins
 * @param fileRetention how long finished export files stay downloadable (whole hours)
 * @param resourcesPerFile the most resources one NDJSON file holds
 */
@ConfigurationProperties("infusion.bulk-export")
public record BulkExportProperties(
    @DefaultValue("5s") Duration jobCheckInterval,
    @DefaultValue("2h") Duration fileRetention,
    @DefaultValue("10000") int resourcesPerFile) {}
