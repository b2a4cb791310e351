package org.infusionfhir.workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import org.infusionfhir.auth.UserAccounts;
import org.infusionfhir.ig.FixtureLoader;
import org.infusionfhir.support.Chromium;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.Fixtures;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What the workspace tests share: their own copy of the demo TRD course, users to sign in as, and the
 * steps of a sign-in in the browser (the workspace's button, the sign-in page, the consent page).
 */
abstract class WorkspaceTestBase extends FhirServerTestBase {

  static final String PASSWORD = "correct horse battery staple";
  static final Duration PATIENCE = Duration.ofSeconds(30);

  @Autowired FixtureLoader loader;
  @Autowired UserAccounts users;

  /** The demo course as loaded: every id and the MRN made unique, so that the test owns its data. */
  record Course(String prefix, String mrn) {
    String id(String fixtureId) {
      return fixtureId.replace("trd-", prefix + "-");
    }

    String patientId() {
      return id("trd-patient");
    }
  }

  Course loadDemoCourse() {
    var prefix = unique("ws");
    var mrn = unique("MRN");
    try {
      var text = Files.readString(Fixtures.BUNDLES.resolve("trd-ketamine-course.json"))
          .replace("trd-", prefix + "-").replace("MRN-20481", mrn);
      var file = Files.createTempFile(prefix, ".json");
      Files.writeString(file, text);
      loader.load(file);
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Course(prefix, mrn);
  }

  String user(String fhirUser) {
    var name = unique("user");
    users.add(name, fhirUser, PASSWORD.toCharArray());
    return name;
  }

  /** From the workspace's own page through sign-in and consent, back to the workspace. */
  void signIn(Chromium browser, String user) {
    browser.driver.get(serverRoot() + "/");
    browser.waiting(PATIENCE).until(ExpectedConditions.elementToBeClickable(By.id("sign-in"))).click();
    signInOnTheServersPages(browser, user);
  }

  /** The authorization server's sign-in page, then its consent page when it asks. */
  void signInOnTheServersPages(Chromium browser, String user) {
    var wait = browser.waiting(PATIENCE);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.name("username"))).sendKeys(user);
    browser.driver.findElement(By.name("password")).sendKeys(PASSWORD);
    browser.driver.findElement(By.cssSelector("button[type=submit]")).click();
    wait.until(d -> d.getCurrentUrl().contains("/auth/consent") || "done".equals(ready(browser))
        || "error".equals(ready(browser)));
    if (browser.driver.getCurrentUrl().contains("/auth/consent")) {
      browser.driver.findElement(By.name("allow")).click();
    }
    wait.until(d -> "done".equals(ready(browser)) || "error".equals(ready(browser)));
  }

  /** The workspace's own state: loading, done (the view is complete), error, or signed-out. */
  static String ready(Chromium browser) {
    return (String) browser.driver.executeScript("return document.body && document.body.dataset.ready || ''");
  }

  /** Opens a view of the workspace (a #/ route) and waits until it is complete. */
  void open(Chromium browser, String route) {
    browser.driver.executeScript("document.body.dataset.ready = 'navigating'; window.location.hash = arguments[0];", route);
    browser.waiting(PATIENCE).until(d -> "done".equals(ready(browser)) || "error".equals(ready(browser)));
  }
}
