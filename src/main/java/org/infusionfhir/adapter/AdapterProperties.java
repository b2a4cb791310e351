package org.infusionfhir.adapter;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the adapters (HL7 v2, intake) write to storage ({@code infusion.adapters.*}).
 *
 * @param validate validate what the adapters write against our profiles, like any other write. Off by
 *     default: the mappings are code whose output the test suite validates, and HAPI 8.8's validator
 *     costs about 20 ms per resource, which would cap monitor ingest far below what a clinic sends
 * @param groupCommitMax the most writes one grouped transaction takes
 * @param groupCommitWriters threads committing grouped writes
 */
@ConfigurationProperties("infusion.adapters")
public record AdapterProperties(
    @DefaultValue("false") boolean validate,
    @DefaultValue("50") int groupCommitMax,
    @DefaultValue("2") int groupCommitWriters) {}
