package org.infusionfhir.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through Debian's chromedriver ({@code /usr/bin}), so that nothing is
 * downloaded: no Selenium Manager, no browser build of its own. Each instance has a fresh profile.
 * {@code .ci/run} installs both packages where they are missing; without them the browser tests are skipped.
 */
public final class Chromium implements AutoCloseable {

  public static final Path BROWSER = Path.of(System.getenv().getOrDefault("INFUSION_TEST_CHROMIUM", "/usr/bin/chromium"));
  public static final Path DRIVER = Path.of(System.getenv().getOrDefault("INFUSION_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
  /** Where the screenshots go, for a reviewer to look at. */
  public static final Path SCREENSHOTS = Path.of("target", "screenshots");

  public final ChromeDriver driver;
  private final Path profile;

  private Chromium(int width, int height) {
    try {
      profile = Files.createTempDirectory("chromium-profile");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    var options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
        "--window-size=" + width + "," + height, "--lang=en-GB"));
    // The console, so that a test sees script errors and Content-Security-Policy violations.
    options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
    var service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
  }

  /** A browser window of the given size; the test is skipped (with the reason) where Chromium is not installed. */
  public static Chromium open(int width, int height) {
    Assumptions.assumeTrue(Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER),
        "[browser] SKIPPED: " + BROWSER + " and " + DRIVER + " are needed (apt-get install chromium chromium-driver)");
    return new Chromium(width, height);
  }

  public WebDriverWait waiting(Duration timeout) {
    return new WebDriverWait(driver, timeout);
  }

  /** Writes target/screenshots/{name}.png and answers its path. */
  public Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      var file = SCREENSHOTS.resolve(name + ".png");
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A screenshot of the whole page height (resizes the window to the page, then back). */
  public Path fullPageScreenshot(String name) {
    var size = driver.manage().window().getSize();
    var height = ((Number) driver.executeScript("return document.documentElement.scrollHeight")).intValue();
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(size.getWidth(), Math.min(height + 20, 6000)));
    try {
      return screenshot(name);
    } finally {
      driver.manage().window().setSize(size);
    }
  }

  /** The console's errors since the last call: script errors, refused requests, CSP violations. */
  public List<String> consoleErrors() {
    return driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
        .map(e -> e.getMessage()).toList();
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // A profile left in the temporary folder is harmless.
      }
    }
  }

  static {
    // Belt and braces: never let Selenium look for, or fetch, a driver of its own.
    System.setProperty("webdriver.chrome.driver", DRIVER.toString());
  }

}
