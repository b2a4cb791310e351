package org.infusionfhir.server.storage;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a refused start into Spring Boot's short report (what is wrong, what to do) instead of a stack trace. */
public class SchemaNotCurrentFailureAnalyzer extends AbstractFailureAnalyzer<SchemaNotCurrentException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, SchemaNotCurrentException cause) {
    return new FailureAnalysis(
        "The database schema is not current for this version of infusion-fhir:\n  "
            + String.join("\n  ", cause.pending()),
        "Run '" + DatabaseSchema.MIGRATE_COMMAND + "' with the same database settings (for example "
            + "--spring.profiles.active=postgres and INFUSION_DB_URL), then start the server again. "
            + "See docs/operations.md.",
        cause);
  }
}
