package org.infusionfhir.server.batch;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Bulk Data {@code $export} files ({@code infusion.bulk-export.*}); how soon jobs start is
 * {@code infusion.batch.check-interval}.
 *
 * @param fileRetention how long finished export files stay downloadable (whole hours)
 * @param resourcesPerFile the most resources one NDJSON file holds
 */
@ConfigurationProperties("infusion.bulk-export")
public record BulkExportProperties(
    @DefaultValue("2h") Duration fileRetention,
    @DefaultValue("10000") int resourcesPerFile) {}
