package org.infusionbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.infusionfhir.Application;
import org.infusionfhir.auth.UserAccounts;
import org.infusionfhir.ig.FixtureLoader;
import org.infusionfhir.support.Chromium;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.context.WebServerApplicationContext;

/**
 * The workspace's two heavy views, timed in Debian's headless Chromium at 1280x800: the patient overview of
 * the demo TRD course (six sessions, about 500 resources) and the flowsheet of its session 3, each counted
 * from the navigation to the last chart drawn (the app's own {@code performance.now()} around the view,
 * and the wall clock seen by the driver), with the FHIR requests the view made. The server runs in this
 * JVM on an in-memory H2 database; the targets are 1.5 s and 1 s. Prints a table and writes
 * target/benchmark-workspace.json.
 */
public final class WorkspaceBenchmark {

  private static final String PASSWORD = "benchmark password, long enough";

  public static void main(String[] args) throws Exception {
    var list = Arrays.asList(args);
    int runs = list.contains("--runs") ? Integer.parseInt(list.get(list.indexOf("--runs") + 1)) : 15;
    var context = SpringApplication.run(Application.class, "--server.port=0", "--infusion.hl7v2.mllp.port=0",
        "--spring.datasource.url=jdbc:h2:mem:workspace-bench;DB_CLOSE_DELAY=-1",
        "--infusion.data-dir=target/workspace-bench", "--logging.level.infusion.request=warn");
    try {
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      var prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8);
      var text = Files.readString(Path.of("fixtures/bundles/trd-ketamine-course.json")).replace("trd-", prefix + "-");
      var file = Files.createTempFile(prefix, ".json");
      Files.writeString(file, text);
      var loaded = context.getBean(FixtureLoader.class).load(file);
      Files.delete(file);
      context.getBean(UserAccounts.class).add(prefix, "Practitioner/" + prefix + "-practitioner", PASSWORD.toCharArray());

      var figures = new LinkedHashMap<String, Object>();
      figures.put("date", java.time.LocalDate.now().toString());
      figures.put("resourcesInCourse", loaded.resources());
      try (var browser = Chromium.open(1280, 800)) {
        signIn(browser, "http://localhost:" + port, prefix);
        figures.put("overview", measure(browser, "#/patient/" + prefix + "-patient", runs));
        figures.put("flowsheet", measure(browser, "#/session/" + prefix + "-s3", runs));
      }
      var json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(figures);
      Files.writeString(Path.of("target/benchmark-workspace.json"), json);
      System.out.println("[bench] workspace (" + runs + " navigations each, after 3 warm-up ones)\n" + json);
    } finally {
      context.close();
    }
  }

  private static void signIn(Chromium browser, String root, String user) {
    var wait = browser.waiting(Duration.ofSeconds(60));
    browser.driver.get(root + "/");
    wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-in"))).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.name("username"))).sendKeys(user);
    browser.driver.findElement(By.name("password")).sendKeys(PASSWORD);
    browser.driver.findElement(By.cssSelector("button[type=submit]")).click();
    wait.until(d -> d.getCurrentUrl().contains("/auth/consent") || "done".equals(ready(browser)));
    if (browser.driver.getCurrentUrl().contains("/auth/consent")) {
      browser.driver.findElement(By.name("allow")).click();
    }
    wait.until(d -> "done".equals(ready(browser)));
  }

  /** Alternates between the finder and {@code route}; times only the navigations to {@code route}. */
  private static Map<String, Object> measure(Chromium browser, String route, int runs) {
    var appMillis = new ArrayList<Long>();
    var wallMillis = new ArrayList<Long>();
    int requests = 0;
    for (int i = 0; i < runs + 3; i++) {
      navigate(browser, "#/patients");
      long started = System.nanoTime();
      navigate(browser, route);
      long wall = (System.nanoTime() - started) / 1_000_000;
      var main = browser.driver.findElement(By.id("main"));
      if (!"done".equals(ready(browser))) {
        throw new IllegalStateException(route + " ended in " + ready(browser) + ": " + main.getText());
      }
      requests = Integer.parseInt(main.getAttribute("data-requests"));
      if (i >= 3) {
        appMillis.add(Long.parseLong(main.getAttribute("data-millis")));
        wallMillis.add(wall);
      }
    }
    var out = new LinkedHashMap<String, Object>();
    out.put("route", route);
    out.put("requests", requests);
    out.put("appMedianMs", percentile(appMillis, 50));
    out.put("appP95Ms", percentile(appMillis, 95));
    out.put("appMaxMs", percentile(appMillis, 100));
    out.put("wallMedianMs", percentile(wallMillis, 50));
    out.put("wallP95Ms", percentile(wallMillis, 95));
    return out;
  }

  private static void navigate(Chromium browser, String route) {
    browser.driver.executeScript("document.body.dataset.ready = 'navigating'; window.location.hash = arguments[0];", route);
    // Polled every 5 ms (WebDriverWait's default is 500 ms, which would dominate the wall-clock figure).
    browser.waiting(Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(5)).until(d -> {
      var state = ready(browser);
      return "done".equals(state) || "error".equals(state);
    });
  }

  private static String ready(Chromium browser) {
    return (String) browser.driver.executeScript("return document.body.dataset.ready || ''");
  }

  private static long percentile(List<Long> values, int p) {
    var sorted = values.stream().sorted().toList();
    int index = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
    return sorted.get(Math.max(0, index));
  }
}
