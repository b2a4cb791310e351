package org.infusionfhir.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * {@code user add NAME --practitioner ID | --patient ID}, {@code user list}, {@code user disable NAME},
 * {@code user passwd NAME}: passwords are read from standard input (one line).
 *
 * <p>When a server runs on this machine (its admin secret file exists and its loopback admin endpoint
 * answers), the command goes through that endpoint: the running server holds the H2 file, which must not
 * be opened twice. Otherwise it opens the configured database itself.
 */
public final class UserCommand {

  static final String USAGE = """
      usage: java -jar infusion-fhir.jar user add NAME (--practitioner ID | --patient ID)   (password on stdin)
             java -jar infusion-fhir.jar user list
             java -jar infusion-fhir.jar user disable NAME
             java -jar infusion-fhir.jar user passwd NAME                                 (password on stdin)
      Spring properties may follow, e.g. --spring.profiles.active=postgres""";

  private final PrintStream out;
  private final PrintStream err;
  private final InputStream in;
  private final ObjectMapper json = new ObjectMapper();

  public UserCommand(PrintStream out, PrintStream err, InputStream in) {
    this.out = out;
    this.err = err;
    this.in = in;
  }

  /** The database-side of the command: the offline path's small Spring context (a data source only). */
  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(DataSourceAutoConfiguration.class)
  @EnableConfigurationProperties(AuthProperties.class)
  static class OfflineDatabase {}

  public int run(List<String> args) {
    var properties = args.stream().filter(a -> a.startsWith("--") && a.contains("=")).toList();
    var words = new ArrayList<String>();
    String practitioner = null;
    String patient = null;
    for (int i = 0; i < args.size(); i++) {
      var a = args.get(i);
      if (a.equals("--practitioner") || a.equals("--patient")) {
        if (i + 1 >= args.size()) {
          return usage(a + " needs an ID");
        }
        if (a.equals("--practitioner")) {
          practitioner = args.get(++i);
        } else {
          patient = args.get(++i);
        }
      } else if (!properties.contains(a)) {
        words.add(a);
      }
    }
    if (words.isEmpty()) {
      return usage("no action given");
    }
    var action = words.get(0);
    Request request;
    switch (action) {
      case "list" -> request = new Request("list", null, null, null);
      case "add" -> {
        if (words.size() != 2 || (practitioner == null) == (patient == null)) {
          return usage("add needs NAME and one of --practitioner ID or --patient ID");
        }
        request = new Request("add", words.get(1),
            practitioner != null ? "Practitioner/" + practitioner : "Patient/" + patient, readPassword());
      }
      case "disable" -> {
        if (words.size() != 2) {
          return usage("disable needs NAME");
        }
        request = new Request("disable", words.get(1), null, null);
      }
      case "passwd" -> {
        if (words.size() != 2) {
          return usage("passwd needs NAME");
        }
        request = new Request("passwd", words.get(1), null, readPassword());
      }
      default -> {
        return usage("unknown action '" + action + "'");
      }
    }
    try (var context = new SpringApplicationBuilder(OfflineDatabase.class).web(WebApplicationType.NONE)
        .logStartupInfo(false).lazyInitialization(true).run(properties.toArray(String[]::new))) {
      var env = context.getEnvironment();
      var props = context.getBean(AuthProperties.class);
      var viaServer = throughRunningServer(env, props, request);
      if (viaServer != null) {
        return viaServer;
      }
      err.println("user: no running server answered; opening the database "
          + env.getProperty("spring.datasource.url") + " directly");
      var dataSource = context.getBean(DataSource.class);
      org.infusionfhir.server.storage.DatabaseSchema.prepareOwnTables(dataSource);
      return apply(new UserAccounts(dataSource, props), request);
    } catch (IllegalArgumentException e) {
      err.println("user: " + e.getMessage());
      return 1;
    }
  }

  /** What the admin endpoint and the offline path both carry out. */
  record Request(String action, String name, String fhirUser, String password) {}

  int apply(UserAccounts users, Request request) {
    switch (request.action()) {
      case "list" -> {
        for (var u : users.list()) {
          out.println(u.name() + "\t" + u.fhirUser() + "\t" + (u.disabled() ? "disabled" : "enabled")
              + (u.lockedUntil() != null && u.lockedUntil().isAfter(java.time.Instant.now())
                  ? "\tlocked until " + u.lockedUntil() : ""));
        }
      }
      case "add" -> {
        users.add(request.name(), request.fhirUser(), request.password().toCharArray());
        out.println("added " + request.name() + " (" + request.fhirUser() + ")");
      }
      case "disable" -> {
        users.disable(request.name());
        out.println("disabled " + request.name());
      }
      default -> {
        users.setPassword(request.name(), request.password().toCharArray());
        out.println("new password set for " + request.name());
      }
    }
    return 0;
  }

  /** The exit code when the running server carried the request out, or null when no server answered. */
  private Integer throughRunningServer(Environment env, AuthProperties props, Request request) {
    var secretFile = props.adminSecretFile();
    if (!Files.isReadable(secretFile)) {
      return null;
    }
    try {
      var secret = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
      var port = env.getProperty("server.port", "8080");
      var body = new LinkedHashMap<String, String>();
      body.put("action", request.action());
      body.put("name", request.name());
      body.put("fhirUser", request.fhirUser());
      body.put("password", request.password());
      var response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + AdminUsersEndpoint.PATH))
              .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
              .header(AdminUsersEndpoint.SECRET_HEADER, secret)
              .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
          BodyHandlers.ofString());
      @SuppressWarnings("unchecked")
      Map<String, Object> answer = json.readValue(response.body(), Map.class);
      err.println("user: carried out by the server running on port " + port);
      if (response.statusCode() == 200) {
        out.print(answer.get("output"));
        return 0;
      }
      err.println("user: " + answer.getOrDefault("error", "the server answered " + response.statusCode()));
      return 1;
    } catch (ConnectException notRunning) {
      return null;
    } catch (IOException e) {
      err.println("user: the running server could not be asked (" + e.getMessage() + ")");
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private String readPassword() {
    try {
      var console = System.console();
      if (console != null && in == System.in) {
        var typed = console.readPassword("password: ");
        return typed == null ? "" : new String(typed);
      }
      var line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
      return line == null ? "" : line;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the password from standard input", e);
    }
  }

  private int usage(String problem) {
    err.println("user: " + problem);
    err.println(USAGE);
    return 2;
  }
}
