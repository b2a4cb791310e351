package org.infusionfhir.adapter;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How an observation is linked to the infusion session it was taken in ({@code infusion.linking.*}).
 *
 * @param baselineWindow how long before an infusion's start an observation still counts as its baseline
 */
@ConfigurationProperties("infusion.linking")
public record LinkingProperties(@DefaultValue("60m") Duration baselineWindow) {}
