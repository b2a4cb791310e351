package org.infusionfhir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.infusionfhir.auth.UserCommand;
import org.infusionfhir.cohort.GenerateCommand;
import org.infusionfhir.ig.FixtureLoader;
import org.infusionfhir.ig.ValidateCommand;
import org.infusionfhir.security.TokenCommand;
import org.infusionfhir.server.StartupWarmUp;
import org.infusionfhir.server.storage.MigrateCommand;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The infusion-fhir server: a HAPI FHIR JPA server for infusion clinics.
 *
 * <p>{@code java -jar infusion-fhir.jar} starts the server; {@code validate PATH...} validates files
 * offline, {@code load PATH...} stores fixtures, {@code token --scope S} prints an access token from the
 * embedded issuer, {@code generate} writes a synthetic cohort, and {@code migrate} brings the database schema to
 * this version, all without starting it.
 */
// HAPI brings libraries whose Spring Boot auto-configuration we do not want: its own entity manager
// factory replaces Boot's JPA one; Flyway would add a history table to our schema; Elasticsearch, Quartz
// and Thymeleaf would start clients, a second scheduler and a template engine nobody uses.
@SpringBootApplication(
    exclude = HibernateJpaAutoConfiguration.class,
    excludeName = {
      "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration",
      "org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration",
      "org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration",
      "org.springframework.boot.autoconfigure.data.elasticsearch.ElasticsearchDataAutoConfiguration",
      "org.springframework.boot.autoconfigure.data.elasticsearch.ElasticsearchRepositoriesAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.elasticsearch.ElasticsearchRestHealthContributorAutoConfiguration",
      "org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration",
      "org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration",
      // security/ builds its own issuer, token decoder and filter chains from infusion.security.*
      "org.springframework.boot.autoconfigure.security.oauth2.server.servlet.OAuth2AuthorizationServerAutoConfiguration",
      "org.springframework.boot.autoconfigure.security.oauth2.server.servlet.OAuth2AuthorizationServerJwtAutoConfiguration",
      "org.springframework.boot.autoconfigure.security.oauth2.resource.servlet.OAuth2ResourceServerAutoConfiguration",
      "org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration"
    })
@ConfigurationPropertiesScan
public class Application {

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("validate")) {
      quietLogging();
      System.exit(new ValidateCommand(System.out, System.err).run(List.of(args).subList(1, args.length)));
    }
    if (args.length > 0 && args[0].equals("token")) {
      quietLogging();
      System.exit(new TokenCommand(System.out, System.err).run(List.of(args).subList(1, args.length)));
    }
    if (args.length > 0 && args[0].equals("user")) {
      quietLogging();
      System.exit(new UserCommand(System.out, System.err, System.in).run(List.of(args).subList(1, args.length)));
    }
    if (args.length > 0 && args[0].equals("generate")) {
      quietLogging();
      System.exit(new GenerateCommand(System.out, System.err).run(List.of(args).subList(1, args.length)));
    }
    if (args.length > 0 && args[0].equals("migrate")) {
      quietLogging();
      System.exit(new MigrateCommand(System.out, System.err).run(List.of(args).subList(1, args.length)));
    }
    if (args.length > 0 && args[0].equals("load")) {
      System.exit(load(List.of(args).subList(1, args.length)));
    }
    if (args.length > 0 && !args[0].startsWith("-")) {
      // A mistyped or not yet existing command must not start a whole server (and take its ports).
      System.exit(unknownCommand(args[0], System.err));
    }
    StartupWarmUp.begin();
    SpringApplication.run(Application.class, args);
  }

  /** The command words this jar knows, with what each does, as the list of commands prints them. */
  static final List<String> COMMANDS = List.of(
      "(none)     start the server: java -jar infusion-fhir.jar [--spring.property=value...]",
      "validate   validate FHIR files or folders against the implementation guide: validate PATH...",
      "migrate    create or upgrade the database schema (HAPI's and ours): migrate [--spring.property=value...]",
      "load       store fixture files in the configured database: load [--spring.property=value...] PATH...",
      "token      print an access token from the embedded issuer: token --scope SCOPES [--patient ID] [--server URL]",
      "generate   write a synthetic cohort of infusion courses: generate [options]");

  /** An unknown first word: the list of commands, and exit status 2 (a usage error). */
  static int unknownCommand(String word, java.io.PrintStream err) {
    err.println("infusion-fhir: unknown command '" + word + "'. Commands:");
    COMMANDS.forEach(command -> err.println("  " + command));
    return 2;
  }

  /**
   * {@code load PATH...}: stores fixture files in the configured database (the server's own storage,
   * profiles and validation, without the web server). Options before the paths are Spring properties,
   * e.g. {@code --spring.profiles.active=postgres}.
   */
  static int load(List<String> args) {
    var properties = args.stream().filter(a -> a.startsWith("--")).toList();
    var paths = args.stream().filter(a -> !a.startsWith("--")).map(Path::of).toList();
    if (paths.isEmpty() || paths.stream().anyMatch(p -> !Files.exists(p))) {
      System.err.println("load: " + (paths.isEmpty() ? "no PATH given" : "no such file or folder: "
          + paths.stream().filter(p -> !Files.exists(p)).findFirst().orElseThrow()));
      System.err.println("usage: java -jar infusion-fhir.jar load [--spring.property=value...] PATH...");
      return 2;
    }
    var app = new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
        .logStartupInfo(false)
        .properties("logging.level.root=WARN", "logging.level.ca.uhn.fhir.parser.LenientErrorHandler=ERROR",
            // Loading must not take the MLLP port from a server that is running.
            "infusion.hl7v2.mllp.enabled=false")
        .build();
    try (var context = app.run(properties.toArray(String[]::new))) {
      var loaded = context.getBean(FixtureLoader.class).load(paths);
      loaded.forEach(l -> System.out.println("loaded " + l.file() + " (" + l.resources() + " resources)"));
      System.out.println(loaded.size() + " file(s), "
          + loaded.stream().mapToInt(FixtureLoader.Loaded::resources).sum() + " resources loaded");
      return 0;
    } catch (Exception e) {
      System.err.println("load failed: " + e.getMessage());
      return 1;
    }
  }

  /** Commands print their own report; library logging below WARN would bury it. */
  private static void quietLogging() {
    var root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(ch.qos.logback.classic.Level.WARN);
    // Parsing the R4 core definitions notes elements it skips; that is not about the user's files.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("ca.uhn.fhir.parser.LenientErrorHandler"))
        .setLevel(ch.qos.logback.classic.Level.ERROR);
    // A malformed file is reported in the command's own output; HAPI would also log its stack trace.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("ca.uhn.fhir.log.terminology_troubleshooting"))
        .setLevel(ch.qos.logback.classic.Level.OFF);
  }
}
