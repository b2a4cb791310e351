package org.infusionfhir.server.storage;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrationStorageSvc;
import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationTaskList;
import ca.uhn.fhir.jpa.migrate.dao.HapiMigrationDao;
import ca.uhn.fhir.jpa.migrate.taskdef.BaseTask;
import ca.uhn.fhir.jpa.migrate.taskdef.ExecuteRawSqlTask;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.ClassPathResource;

/**
 * The database schema as migrations, run by HAPI's migrator ({@code hapi-fhir-sql-migrate}): HAPI's own tasks,
 * recorded in {@code FLY_HFJ_MIGRATION} as HAPI's command-line tool records them, and ours (sign-in, safety
 * episodes, dedupe keys), recorded the same way in {@code INFUSION_MIGRATION}.
 *
 * <p>{@link #migrate} is what the {@code migrate} command and {@code schema-action=migrate} run. On PostgreSQL it
 * first takes a session-level advisory lock on a connection of its own, so two processes migrating at once take
 * turns (the second finds nothing left to do), and a process killed mid-migration releases it with its
 * connection; HAPI's own lock row is taken inside it as well. {@link #pending} is the start-up check.
 */
public final class SchemaMigrations {

  private static final Logger log = LoggerFactory.getLogger(SchemaMigrations.class);

  public static final String HAPI_TABLE = "FLY_HFJ_MIGRATION";
  public static final String OWN_TABLE = "INFUSION_MIGRATION";

  /** What one run did to one set of tasks. */
  public record Applied(String table, int applied, int total, String version) {}

  /** One set of tasks and the table that records them. */
  private record TaskSet(String table, MigrationTaskList tasks) {}

  private SchemaMigrations() {}

  /** HAPI's migration tasks up to the version this server is built on. */
  static MigrationTaskList hapiTasks() {
    return new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values());
  }

  /**
   * Our own tables. Each task's SQL creates only what is missing, so a database whose tables an earlier release
   * created at start-up is taken over as it is. A change to a table is a new task at the end, never an edit.
   */
  static MigrationTaskList ownTasks() {
    var tasks = new ArrayList<BaseTask>();
    tasks.add(script("20261205.1", "sign-in: users, launches, revoked tokens, authorizations and consents",
        "auth/schema-h2.sql", "auth/schema-postgresql.sql"));
    tasks.add(script("20261205.2", "safety monitor: episode keys", "safety/schema.sql", "safety/schema.sql"));
    tasks.add(script("20261205.3", "client assertions: used jti keys", "db/used-jwt-id.sql", "db/used-jwt-id.sql"));
    tasks.add(script("20261205.4", "HL7 v2: received message keys", "db/received-message.sql",
        "db/received-message.sql"));
    tasks.add(script("20261206.1", "subscriptions: delivery outbox and delivery status",
        "db/subscription-delivery.sql", "db/subscription-delivery.sql"));
    tasks.add(script("20261206.2", "batch work: the replica holding each piece", "db/batch-chunk-owner.sql",
        "db/batch-chunk-owner.sql"));
    tasks.add(script("20261206.3", "subscriptions: change messages being matched", "db/change-in-flight.sql",
        "db/change-in-flight.sql"));
    tasks.add(script("20261206.4", "bulk export: the client that started each job", "db/export-owner.sql",
        "db/export-owner.sql"));
    return new MigrationTaskList(tasks);
  }

  private static BaseTask script(String version, String description, String h2, String postgres) {
    var task = new ExecuteRawSqlTask("1", version);
    task.setDescription(description);
    statements(h2).forEach(sql -> task.addSql(DriverTypeEnum.H2_EMBEDDED, sql));
    statements(postgres).forEach(sql -> task.addSql(DriverTypeEnum.POSTGRES_9_4, sql));
    return task;
  }

  private static List<String> statements(String resource) {
    try {
      var text = new ClassPathResource(resource).getContentAsString(StandardCharsets.UTF_8);
      // Our scripts: "--" comments on lines of their own, statements ended by ";", no ";" inside a literal.
      var code = text.lines().filter(line -> !line.strip().startsWith("--"))
          .collect(java.util.stream.Collectors.joining("\n"));
      var statements = List.of(code.split(";"));
      return statements.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("schema script " + resource + " is missing from the jar", e);
    }
  }

  /** Each data source's database, looked up once: start-up and every scheduled job's lock ask again. */
  private static final java.util.Map<DataSource, DriverTypeEnum> DRIVERS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** H2 or PostgreSQL, from a connection the first time this data source is asked about. */
  public static DriverTypeEnum driverOf(DataSource dataSource) {
    return DRIVERS.computeIfAbsent(dataSource, SchemaMigrations::lookUpDriver);
  }

  private static DriverTypeEnum lookUpDriver(DataSource dataSource) {
    try (Connection connection = dataSource.getConnection()) {
      var product = connection.getMetaData().getDatabaseProductName();
      if (product.toLowerCase().contains("postgres")) {
        return DriverTypeEnum.POSTGRES_9_4;
      }
      if (product.toLowerCase().contains("h2")) {
        return DriverTypeEnum.H2_EMBEDDED;
      }
      throw new IllegalStateException("unsupported database " + product + ": infusion-fhir runs on H2 or PostgreSQL");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach the database: " + e.getMessage(), e);
    }
  }

  /** Brings HAPI's tables and ours up to date; with {@code includeHapi} false, ours only. */
  public static List<Applied> migrate(DataSource dataSource, boolean includeHapi) {
    var driver = driverOf(dataSource);
    var sets = sets(includeHapi);
    try (var lock = ClusterLock.take(dataSource, "migrating the schema")) {
      var applied = new ArrayList<Applied>();
      for (var set : sets) {
        var migrator = new HapiMigrator(set.table(), dataSource, driver);
        migrator.createMigrationTableIfRequired();
        migrator.addTasks(set.tasks());
        var result = migrator.migrate();
        if (!result.failedTasks.isEmpty()) {
          throw new IllegalStateException("migration of " + set.table() + " failed at "
              + result.failedTasks.get(0).getMigrationVersion());
        }
        var done = new Applied(set.table(), result.succeededTasks.size(), set.tasks().size(),
            set.tasks().getLastVersion());
        log.info("Schema {}: {} of {} migration tasks applied now; at version {}", done.table(), done.applied(),
            done.total(), done.version());
        applied.add(done);
      }
      if (includeHapi) {
        fillResourceTypes(dataSource, driver);
      }
      return applied;
    }
  }

  /**
   * HAPI's table of resource types, which its migrations create empty and every server fills at start-up when
   * it finds it empty: replicas starting together on a new database would both insert the same names, and the
   * later one fail. Filled here, under the migration lock, by HAPI's own list and sequence.
   */
  private static void fillResourceTypes(DataSource dataSource, DriverTypeEnum driver) {
    var jdbc = new org.springframework.jdbc.core.JdbcTemplate(dataSource);
    Integer present = jdbc.queryForObject("SELECT COUNT(*) FROM HFJ_RESOURCE_TYPE", Integer.class);
    if (present != null && present > 0) {
      return;
    }
    var types = ca.uhn.fhir.jpa.config.util.ResourceTypeUtil.generateResourceTypes();
    var next = driver == DriverTypeEnum.POSTGRES_9_4 ? "nextval('SEQ_RESOURCE_TYPE')" : "NEXT VALUE FOR SEQ_RESOURCE_TYPE";
    jdbc.batchUpdate("INSERT INTO HFJ_RESOURCE_TYPE (RES_TYPE_ID, RES_TYPE) VALUES (" + next + ", ?)",
        types.stream().map(type -> new Object[] {type}).toList());
    log.info("Table HFJ_RESOURCE_TYPE filled with {} resource types", types.size());
  }

  /**
   * The tasks not yet applied, by table ("FLY_HFJ_MIGRATION: 1021 of 1021 tasks not applied"); empty when the
   * schema is current. Tasks HAPI marks as heavyweight and skippable do not count, as in HAPI's own check.
   */
  public static List<String> pending(DataSource dataSource, boolean includeHapi) {
    var driver = driverOf(dataSource);
    var problems = new ArrayList<String>();
    for (var set : sets(includeHapi)) {
      var tasks = set.tasks();
      int missing;
      if (!tableExists(dataSource, set.table())) {
        missing = tasks.getUnskippableTasks().size();
      } else {
        var storage = new HapiMigrationStorageSvc(new HapiMigrationDao(dataSource, driver, set.table()));
        missing = storage.diff(tasks).getUnskippableTasks().size();
      }
      if (missing > 0) {
        problems.add(set.table() + ": " + missing + " of " + tasks.size() + " migration tasks not applied"
            + " (required version " + tasks.getLastVersion() + ")");
      }
    }
    return problems;
  }

  private static List<TaskSet> sets(boolean includeHapi) {
    var sets = new ArrayList<TaskSet>();
    if (includeHapi) {
      sets.add(new TaskSet(HAPI_TABLE, hapiTasks()));
    }
    sets.add(new TaskSet(OWN_TABLE, ownTasks()));
    return sets;
  }

  private static boolean tableExists(DataSource dataSource, String table) {
    try (Connection connection = dataSource.getConnection()) {
      var meta = connection.getMetaData();
      for (var name : List.of(table, table.toLowerCase())) {
        try (var tables = meta.getTables(connection.getCatalog(), connection.getSchema(), name, null)) {
          if (tables.next()) {
            return true;
          }
        }
      }
      return false;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the database's tables: " + e.getMessage(), e);
    }
  }
}
