package org.infusionfhir.server.storage;

import java.util.List;

/** The database has not been migrated to this version: the server refuses to start. */
public class SchemaNotCurrentException extends RuntimeException {

  private final List<String> pending;

  public SchemaNotCurrentException(List<String> pending) {
    super("The database schema is not current (" + String.join("; ", pending) + "). Run "
        + DatabaseSchema.MIGRATE_COMMAND + " with the same database settings, then start the server again.");
    this.pending = List.copyOf(pending);
  }

  public List<String> pending() {
    return pending;
  }
}
