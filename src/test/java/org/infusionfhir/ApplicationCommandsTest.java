package org.infusionfhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The jar's first word: a command it knows, an option for the server, or a usage error. */
class ApplicationCommandsTest {

  private record Exit(int status, String output) {}

  /** Runs the application's main in its own JVM, as {@code java -jar infusion-fhir.jar ARGS} does. */
  private static Exit run(String... args) throws Exception {
    var javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var command = new ArrayList<>(List.of(javaBin, "-cp", System.getProperty("java.class.path"),
        Application.class.getName()));
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("still running after 60 s: an unknown command started the server");
    }
    return new Exit(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void anUnknownCommandWordPrintsTheCommandsAndExits2() throws Exception {
    for (var word : new String[] {"frobnicate", "migrat"}) {
      var exit = run(word, "--server.port=0");
      assertThat(exit.status()).as(exit.output()).isEqualTo(2);
      assertThat(exit.output()).contains("unknown command '" + word + "'")
          .contains("validate", "load", "token", "generate", "migrate");
    }
  }
}
