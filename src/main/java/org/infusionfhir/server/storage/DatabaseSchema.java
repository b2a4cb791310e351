package org.infusionfhir.server.storage;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What start-up does with the schema ({@code infusion.database.schema-action}), done before HAPI's entity
 * manager is built and before anything reads a table:
 *
 * <ul>
 *   <li>{@code auto} (the default): {@code update} on H2, {@code check} on PostgreSQL;
 *   <li>{@code check}: HAPI's tables and ours must be migrated to this version, or the server refuses to start and
 *       names the {@code migrate} command; nothing is changed;
 *   <li>{@code migrate}: runs the migrations itself (one process at a time), then starts;
 *   <li>{@code update}: Hibernate creates or updates HAPI's tables, and our migrations run: the embedded H2
 *       default, where one process owns the database;
 *   <li>{@code none}: nothing is created or checked.
 * </ul>
 */
public final class DatabaseSchema {

  private static final Logger log = LoggerFactory.getLogger(DatabaseSchema.class);

  /** The command that migrates, as the refusal names it. */
  public static final String MIGRATE_COMMAND = "java -jar infusion-fhir.jar migrate";

  private final String action;

  private DatabaseSchema(String action) {
    this.action = action;
  }

  /** Carries out {@code configured} on {@code dataSource}; throws {@link SchemaNotCurrentException} to refuse. */
  public static DatabaseSchema prepare(DataSource dataSource, String configured) {
    var action = resolve(configured, dataSource);
    switch (action) {
      case "update" -> SchemaMigrations.migrate(dataSource, false);
      case "migrate" -> SchemaMigrations.migrate(dataSource, true);
      case "check" -> requireCurrent(dataSource, true);
      case "none" -> log.warn("infusion.database.schema-action=none: the schema is neither created nor checked");
      default -> throw new IllegalStateException("impossible schema action " + action);
    }
    log.info("Database schema action '{}' done", action);
    return new DatabaseSchema(action);
  }

  /**
   * For the commands that open the database without a server ({@code user}): our tables are created on H2 and
   * must already be migrated on PostgreSQL.
   */
  public static void prepareOwnTables(DataSource dataSource) {
    if (SchemaMigrations.driverOf(dataSource) == DriverTypeEnum.H2_EMBEDDED) {
      SchemaMigrations.migrate(dataSource, false);
    } else {
      requireCurrent(dataSource, false);
    }
  }

  private static void requireCurrent(DataSource dataSource, boolean includeHapi) {
    List<String> pending = SchemaMigrations.pending(dataSource, includeHapi);
    if (!pending.isEmpty()) {
      throw new SchemaNotCurrentException(pending);
    }
    log.info("Database schema is current: every migration of this version is applied");
  }

  static String resolve(String configured, DataSource dataSource) {
    var action = configured == null || configured.isBlank() ? "auto" : configured.strip().toLowerCase(Locale.ROOT);
    if (action.equals("auto")) {
      return SchemaMigrations.driverOf(dataSource) == DriverTypeEnum.POSTGRES_9_4 ? "check" : "update";
    }
    if (!List.of("check", "migrate", "update", "none").contains(action)) {
      throw new IllegalArgumentException("infusion.database.schema-action is '" + configured
          + "'; it takes auto, check, migrate, update or none");
    }
    return action;
  }

  /** The action carried out. */
  public String action() {
    return action;
  }

  /** Hibernate's {@code hbm2ddl.auto} for this action: only {@code update} lets Hibernate touch the schema. */
  public String hibernateAction() {
    return action.equals("update") ? "update" : "none";
  }
}
