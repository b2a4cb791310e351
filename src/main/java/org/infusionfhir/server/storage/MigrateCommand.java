package org.infusionfhir.server.storage;

import java.io.PrintStream;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.context.annotation.Configuration;

/**
 * {@code migrate [--spring.property=value...]}: brings the configured database's schema, HAPI's tables and ours,
 * to this version with HAPI's migrator, and exits. The server is not started; the database settings are the
 * server's own (profiles, {@code INFUSION_DB_URL}, ...). Several copies at once take turns. Run it before the
 * replicas start (or again after an upgrade); a second run finds nothing to do.
 */
public final class MigrateCommand {

  private final PrintStream out;
  private final PrintStream err;

  public MigrateCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** The database side of the command: a data source from the server's settings, nothing else. */
  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(DataSourceAutoConfiguration.class)
  static class OfflineDatabase {}

  public int run(List<String> args) {
    var unknown = args.stream().filter(a -> !(a.startsWith("--") && a.contains("="))).toList();
    if (!unknown.isEmpty()) {
      err.println("migrate: unexpected argument '" + unknown.get(0) + "'");
      err.println("usage: java -jar infusion-fhir.jar migrate [--spring.property=value...]");
      return 2;
    }
    try (var context = new SpringApplicationBuilder(OfflineDatabase.class).web(WebApplicationType.NONE)
        .logStartupInfo(false).run(args.toArray(String[]::new))) {
      var url = context.getEnvironment().getProperty("spring.datasource.url");
      out.println("migrate: " + url);
      var dataSource = context.getBean(DataSource.class);
      long started = System.nanoTime();
      for (var applied : SchemaMigrations.migrate(dataSource, true)) {
        out.printf("  %s: %d of %d tasks applied now; schema at %s%n", applied.table(), applied.applied(),
            applied.total(), applied.version());
      }
      out.printf("migrate: the schema is current (%.1f s)%n", (System.nanoTime() - started) / 1e9);
      return 0;
    } catch (RuntimeException e) {
      err.println("migrate failed: " + NestedExceptionUtils.getMostSpecificCause(e).getMessage());
      return 1;
    }
  }
}
