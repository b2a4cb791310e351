package org.infusionfhir.security;

import java.io.PrintStream;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.infusionfhir.security.SmartScope.Context;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/**
 * {@code token --scope "system/*.read" [--patient ID] [--server URL] [--spring.property=value...]}: signs
 * one access token with the embedded issuer's key and prints it on the last line. It reads the same
 * configuration as the server (application.yaml, environment, {@code --} options), so run it in the
 * server's working directory.
 *
 * <p>The token's issuer must be the running server's, which may have been set on that server's command
 * line only: so, unless {@code --infusion.security.embedded.issuer} is given here, the command asks the
 * server at {@code --server} (default {@code http://localhost:<server.port>}) for its SMART configuration
 * and signs for the issuer it names. With no server answering, it signs for the configured issuer and says
 * so on standard error, with how to choose another.
 */
public final class TokenCommand {

  private final PrintStream out;
  private final PrintStream err;

  public TokenCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Configuration
  @EnableConfigurationProperties(SecurityProperties.class)
  static class Settings {}

  public int run(List<String> args) {
    String scope = null;
    String patient = null;
    String server = null;
    var springArgs = new ArrayList<String>();
    for (int i = 0; i < args.size(); i++) {
      var arg = args.get(i);
      if ((arg.equals("--scope") || arg.equals("--patient") || arg.equals("--server")) && i + 1 < args.size()) {
        if (arg.equals("--scope")) {
          scope = args.get(++i);
        } else if (arg.equals("--patient")) {
          patient = args.get(++i);
        } else {
          server = args.get(++i);
        }
      } else if (arg.startsWith("--scope=")) {
        scope = arg.substring("--scope=".length());
      } else if (arg.startsWith("--patient=")) {
        patient = arg.substring("--patient=".length());
      } else if (arg.startsWith("--server=")) {
        server = arg.substring("--server=".length());
      } else if (arg.startsWith("--") && arg.contains("=")) {
        springArgs.add(arg);
      } else {
        return usage("unexpected argument '" + arg + "'");
      }
    }
    if (scope == null || scope.isBlank()) {
      return usage("--scope is required");
    }
    var texts = Arrays.asList(scope.trim().split("\\s+"));
    var scopes = new ArrayList<SmartScope>();
    for (var text : texts) {
      var parsed = SmartScope.parse(text);
      if (parsed.isEmpty()) {
        return usage("'" + text + "' is not a SMART scope such as patient/Observation.rs, user/*.read or system/*.read");
      }
      scopes.add(parsed.get());
    }
    boolean patientScopes = scopes.stream().anyMatch(s -> s.context() == Context.PATIENT);
    if (patientScopes && patient == null) {
      return usage("patient/ scopes need --patient ID (the patient the token is held to)");
    }
    if (patient != null && !patient.matches("[A-Za-z0-9\\-.]{1,64}")) {
      return usage("--patient takes a Patient id such as 'example-trd', not '" + patient + "'");
    }

    boolean issuerGiven = springArgs.stream().anyMatch(a -> a.startsWith(ISSUER_OPTION));
    if (server != null && !server.matches("https?://\\S+")) {
      return usage("--server takes the server's address such as http://localhost:8080, not '" + server + "'");
    }
    String discoveryProblem = null;
    if (!issuerGiven) {
      var base = server != null ? server : "http://localhost:" + serverPort(springArgs);
      var discovered = RunningServerIssuer.discover(base);
      if (discovered.issuer() != null) {
        springArgs.add(ISSUER_OPTION + discovered.issuer());
      } else {
        discoveryProblem = discovered.problem();
      }
    }
    try (var context = new SpringApplicationBuilder(Settings.class).web(WebApplicationType.NONE)
        .bannerMode(Banner.Mode.OFF).logStartupInfo(false)
        .properties("logging.level.root=WARN")
        .run(springArgs.toArray(String[]::new))) {
      var props = context.getBean(SecurityProperties.class);
      if (!props.embeddedIssuer()) {
        err.println("token: this server takes tokens from " + props.issuerUri()
            + " (infusion.security.issuer-uri); ask that issuer for one");
        return 2;
      }
      if (discoveryProblem != null) {
        err.println("token: " + discoveryProblem + "; signing for the configured issuer "
            + props.embedded().issuerOrLocal() + ". If the server runs elsewhere, pass --server URL, or its issuer as "
            + ISSUER_OPTION + "URL");
      }
      var tokens = new LocalTokens(props);
      var token = tokens.issue(LocalTokens.LOCAL_SUBJECT, String.join(" ", texts), patient);
      var expires = java.time.Instant.now().plus(props.embedded().tokenLifetime()).atOffset(ZoneOffset.UTC);
      out.println("# access token for '" + String.join(" ", texts) + "'"
          + (patient != null ? " held to Patient/" + patient : "")
          + ", issuer " + props.embedded().issuerOrLocal() + ", audience " + props.audience()
          + ", valid until " + expires.withNano(0));
      out.println(token);
      return 0;
    } catch (RuntimeException e) {
      err.println("token: " + e.getMessage());
      return 1;
    }
  }

  private static final String ISSUER_OPTION = "--infusion.security.embedded.issuer=";

  /** The port the server listens on by the same configuration: an option, the environment, or 8080. */
  private static String serverPort(List<String> springArgs) {
    return springArgs.stream().filter(a -> a.startsWith("--server.port=")).map(a -> a.substring(14))
        .reduce((first, last) -> last)
        .orElseGet(() -> System.getenv().getOrDefault("SERVER_PORT", "8080"));
  }

  private int usage(String problem) {
    err.println("token: " + problem);
    err.println("usage: java -jar infusion-fhir.jar token --scope \"system/*.read\" [--patient ID]"
        + " [--server URL] [--spring.property=value...]");
    return 2;
  }
}
