package org.infusionfhir.server.batch;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * HAPI's batch jobs: bulk export, and the reindexing a new SearchParameter starts ({@code infusion.batch.*}).
 *
 * @param checkInterval how often HAPI's batch maintenance starts waiting work and moves jobs on; HAPI's
 *     own minute makes a small export wait up to a minute before it begins
 * @param stalledAfter a piece of work that names no replica (queued by a release before 2026-12-06), queued
 *     or started this long ago without finishing, is taken as lost and queued again; a piece that names its
 *     replica is taken over as soon as that replica is gone, and never while it runs
 */
@ConfigurationProperties("infusion.batch")
public record BatchJobProperties(
    @DefaultValue("5s") Duration checkInterval,
    @DefaultValue("5m") Duration stalledAfter) {}
