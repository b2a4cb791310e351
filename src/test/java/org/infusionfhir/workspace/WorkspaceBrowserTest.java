package org.infusionfhir.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.hl7v2.MllpListener;
import org.infusionfhir.security.SignInAudit;
import org.infusionfhir.support.Chromium;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The clinician workspace in headless Chromium against the running server: a clinician finds the demo
 * patient, reads the course and a session's flowsheet, watches the infusion room; a patient sees only
 * their own record. Screenshots go to target/screenshots/.
 */
@H2FhirServer
class WorkspaceBrowserTest extends WorkspaceTestBase {

  static final String MRN_SYSTEM = "http://infusion-fhir.org/fhir/fixtures/mrn";

  @Autowired MllpListener listener;

  @Test
  void aClinicianFindsThePatientAndReadsTheCourseAndSessionThree() {
    var course = loadDemoCourse();
    var clinician = user("Practitioner/" + course.id("trd-practitioner"));
    try (var browser = Chromium.open(1280, 800)) {
      signIn(browser, clinician);
      assertThat(ready(browser)).isEqualTo("done");
      browser.screenshot("workspace-finder");

      browser.driver.findElement(By.id("mrn")).sendKeys(course.mrn());
      browser.driver.findElement(By.id("find")).click();
      var link = browser.waiting(PATIENCE).until(ExpectedConditions.elementToBeClickable(
          By.cssSelector("tr[data-patient='" + course.patientId() + "'] a.open-patient")));
      assertThat(link.getText()).isEqualTo("Hanna Marie Lindqvist");
      link.click();
      browser.waiting(PATIENCE).until(d -> "done".equals(ready(browser)) && d.getCurrentUrl().contains("#/patient/"));

      // The course: six sessions, the first and last PHQ-9 as stored, the adverse event of session 2.
      var phq9 = storedPhq9(course.patientId());
      assertThat(browser.driver.findElement(By.id("session-count")).getAttribute("data-count")).isEqualTo("6");
      assertThat(browser.driver.findElement(By.id("planned")).getText()).contains("6 planned");
      assertThat(browser.driver.findElement(By.id("phq9-first")).getText()).isEqualTo(phq9.get(0).toString());
      assertThat(browser.driver.findElement(By.id("phq9-last")).getText()).isEqualTo(phq9.get(phq9.size() - 1).toString());
      assertThat(browser.driver.findElement(By.id("phq9-chart")).getAttribute("data-drawn")).isEqualTo("true");
      assertThat(browser.driver.findElement(By.id("gad7-chart")).getAttribute("data-drawn")).isEqualTo("true");
      assertThat(browser.driver.findElement(By.id("item9-flags")).getText()).contains("item 9");
      var event = browser.driver.findElement(By.cssSelector("#ae-table tr.adverse-event"));
      assertThat(event.getText()).contains("Transient raised blood pressure").contains("Mild").contains("Non-serious")
          .contains("Resolved").contains("Session 2");
      assertThat(browser.driver.findElements(By.cssSelector("#dose-table tbody tr"))).hasSize(6);
      assertThat(browser.driver.findElement(By.cssSelector("#dose-table tbody tr")).getText())
          .contains("39.2").contains("0.5").contains("78.4").contains("40 min");
      assertThat(requestsOfTheView(browser)).isLessThanOrEqualTo(4);
      browser.fullPageScreenshot("workspace-overview");

      // Session 3: every charted reading is a stored Observation of that session.
      browser.driver.findElement(By.cssSelector("a.open-session[href='#/session/" + course.id("trd-s3") + "']")).click();
      browser.waiting(PATIENCE).until(d -> "done".equals(ready(browser)) && d.getCurrentUrl().contains("#/session/"));
      assertThat(browser.driver.findElement(By.id("session-title")).getText()).startsWith("Session 3");
      var chart = browser.driver.findElement(By.id("vitals-chart"));
      assertThat(chart.getAttribute("data-drawn")).isEqualTo("true");
      var stored = storedVitals(course.id("trd-s3"));
      for (var series : stored.entrySet()) {
        assertThat(chart.getAttribute("data-" + series.getKey())).as(series.getKey())
            .isEqualTo(String.valueOf(series.getValue().size()));
        assertThat(tableColumn(browser, series.getKey())).as(series.getKey()).isEqualTo(series.getValue());
      }
      assertThat(browser.driver.findElement(By.id("administration")).getText()).contains("mg").contains("0.5");
      assertThat(browser.driver.findElement(By.id("scores")).getText()).contains("MOAA/S").contains("CADSS");
      assertThat(requestsOfTheView(browser)).isLessThanOrEqualTo(4);
      browser.fullPageScreenshot("workspace-flowsheet");

      // The printable summary.
      open(browser, "#/summary/" + course.patientId());
      assertThat(browser.driver.findElement(By.id("summary")).getText()).contains("Lindqvist");
      browser.fullPageScreenshot("workspace-summary");

      // No script error and no request refused by the Content-Security-Policy, in any view.
      assertThat(browser.consoleErrors()).isEmpty();

      // Signing out revokes the workspace's tokens.
      browser.driver.findElement(By.id("sign-out")).click();
      browser.waiting(PATIENCE).until(d -> "signed-out".equals(ready(browser)));
      assertThat(revocationsBy(clinician)).isNotEmpty();
    }
  }

  @Test
  void theOverviewWorksAt1024x768() {
    var course = loadDemoCourse();
    var clinician = user("Practitioner/" + course.id("trd-practitioner"));
    try (var browser = Chromium.open(1024, 768)) {
      signIn(browser, clinician);
      open(browser, "#/patient/" + course.patientId());
      assertThat(ready(browser)).isEqualTo("done");
      var overflow = (Boolean) browser.driver.executeScript(
          "return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1");
      assertThat(overflow).as("no horizontal scrolling at 1024 px").isFalse();
      browser.screenshot("workspace-overview-1024x768");
      // The finder's fields have labels.
      open(browser, "#/patients");
      for (var id : List.of("name", "mrn", "birthdate")) {
        assertThat(browser.driver.findElements(By.cssSelector("label[for='" + id + "']"))).hasSize(1);
      }
    }
  }

  @Test
  void aPatientSeesTheirOwnRecordAndCannotReachAnother() {
    var own = loadDemoCourse();
    var other = loadDemoCourse();
    var patientUser = user("Patient/" + own.patientId());
    try (var browser = Chromium.open(1280, 800)) {
      signIn(browser, patientUser);
      browser.waiting(PATIENCE).until(d -> d.getCurrentUrl().contains("#/patient/" + own.patientId()));
      browser.waiting(PATIENCE).until(d -> "done".equals(ready(browser)));
      assertThat(browser.driver.findElement(By.id("session-count")).getAttribute("data-count")).isEqualTo("6");
      assertThat(browser.driver.findElement(By.id("nav")).getText()).contains("My record").doesNotContain("Infusion room");
      browser.screenshot("workspace-patient-own-record");

      open(browser, "#/patient/" + other.patientId());
      assertThat(ready(browser)).isEqualTo("error");
      assertThat(browser.driver.findElement(By.cssSelector("#main .error")).getText()).contains("not allowed");
      assertThat(browser.driver.getPageSource()).doesNotContain(other.mrn());
      open(browser, "#/session/" + other.id("trd-s3"));
      assertThat(ready(browser)).isEqualTo("error");
      // The room board is not a patient's: the workspace sends them back to their own record.
      browser.driver.executeScript("window.location.hash = '#/room'");
      browser.waiting(PATIENCE).until(d -> d.getCurrentUrl().endsWith("#/patient/" + own.patientId())
          && "done".equals(ready(browser)));
      browser.screenshot("workspace-patient-refused");
    }
  }

  @Test
  void aMonitorReadingOverMllpAppearsOnTheRoomBoard() throws Exception {
    var course = loadDemoCourse();
    var clinician = user("Practitioner/" + course.id("trd-practitioner"));
    var chair = client.create().resource(new Location().setName(unique("Chair"))).execute().getId().toUnqualifiedVersionless();
    var start = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).minusMinutes(12);
    var procedure = new Procedure().setStatus(Procedure.ProcedureStatus.INPROGRESS)
        .setCode(new CodeableConcept(new Coding("http://infusion-fhir.org/fhir/CodeSystem/infusion-procedure", "iv-infusion", "IV infusion session")))
        .setSubject(new Reference("Patient/" + course.patientId()))
        .setLocation(new Reference(chair.getValue()))
        .setPerformed(new Period().setStart(java.util.Date.from(start.toInstant())));
    var procedureId = client.create().resource(procedure).execute().getId().getIdPart();
    try (var browser = Chromium.open(1280, 800)) {
      signIn(browser, clinician);
      open(browser, "#/room");
      var row = By.cssSelector("tr[data-procedure='" + procedureId + "']");
      browser.waiting(PATIENCE).until(ExpectedConditions.presenceOfElementLocated(row));
      assertThat(browser.driver.findElement(row).getText()).contains("Hanna Marie Lindqvist").contains("no reading yet");

      var now = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmssZ"));
      var message = Hl7v2Messages.withControlId(Hl7v2Messages.read(Hl7v2Messages.VALID.resolve("pcd01-v26-full-panel.hl7"))
          .replace("MRN-20481", course.mrn()).replaceAll("20260504094\\d{3}\\+0200", now), unique("BOARD"));
      try (var mllp = new MllpClient(listener.port())) {
        assertThat(mllp.send(message).code()).isEqualTo("AA");
      }
      // Within 5 s, without reloading: the board polls.
      browser.waiting(java.time.Duration.ofSeconds(5)).until(d -> d.findElement(row).getText().contains("HR 78"));
      var text = browser.driver.findElement(row).getText();
      assertThat(text).contains("BP 128/82").contains("SpO2 97%").contains("RR 14").contains("12 min");
      assertThat(browser.driver.findElement(row).getAttribute("class")).doesNotContain("alerting");

      // A systolic pressure beyond the default rule's limit: the safety monitor's alert reaches the board.
      try (var mllp = new MllpClient(listener.port())) {
        assertThat(mllp.send(Hl7v2Messages.withControlId(message.replace("|128|266016^", "|191|266016^"),
            unique("BOARD-HIGH"))).code()).isEqualTo("AA");
      }
      browser.waiting(java.time.Duration.ofSeconds(5))
          .until(d -> d.findElement(row).getAttribute("class").contains("alerting"));
      assertThat(browser.driver.findElement(row).getText()).contains("191");
      browser.screenshot("workspace-room");

      // The clinician acknowledges it on the board: a mitigation by them, and the alert is no longer open.
      browser.driver.findElement(row).findElement(By.cssSelector("button[data-alert]")).click();
      var dialog = By.id("ack-dialog");
      browser.waiting(PATIENCE).until(ExpectedConditions.visibilityOfElementLocated(dialog));
      browser.driver.findElement(By.id("ack-action")).sendKeys("Infusion paused, BP rechecked after 5 min");
      browser.driver.findElement(By.id("ack-save")).click();
      browser.waiting(java.time.Duration.ofSeconds(10))
          .until(d -> !d.findElement(row).getAttribute("class").contains("alerting"));
      var acknowledged = client.search().byUrl("DetectedIssue?alert-state=acknowledged&alert-infusion=Procedure/"
          + procedureId).returnBundle(org.hl7.fhir.r4.model.Bundle.class).execute().getEntry().stream()
          .map(e -> (org.hl7.fhir.r4.model.DetectedIssue) e.getResource()).toList();
      assertThat(acknowledged).hasSize(1);
      var mitigation = acknowledged.get(0).getMitigationFirstRep();
      assertThat(mitigation.getAction().getText()).isEqualTo("Infusion paused, BP rechecked after 5 min");
      assertThat(mitigation.getAuthor().getReference()).isEqualTo("Practitioner/" + course.id("trd-practitioner"));
      assertThat(mitigation.hasDate()).isTrue();
    }
  }

  @Test
  void anEhrLaunchOpensThePatientInTheWorkspace() {
    var course = loadDemoCourse();
    var clinician = user("Practitioner/" + course.id("trd-practitioner"));
    var ehrToken = field(send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
        "grant_type=client_credentials&scope=launch", "Authorization", "Basic "
            + java.util.Base64.getEncoder().encodeToString("ehr-launcher:ehr-launcher-secret".getBytes())), "access_token");
    var launch = send("POST", serverRoot() + "/launch", "application/x-www-form-urlencoded",
        "client_id=workspace&patient=" + course.patientId(), "Authorization", "Bearer " + ehrToken);
    assertThat(launch.statusCode()).as(launch.body()).isEqualTo(200);
    var url = field(launch, "launch_url");
    assertThat(url).startsWith(serverRoot() + "/?iss=");
    try (var browser = Chromium.open(1280, 800)) {
      browser.driver.get(url);
      signInOnTheServersPages(browser, clinician);
      browser.waiting(PATIENCE).until(d -> d.getCurrentUrl().contains("#/patient/" + course.patientId())
          && "done".equals(ready(browser)));
      assertThat(browser.driver.findElement(By.id("patient-name")).getText()).isEqualTo("Hanna Marie Lindqvist");
    }
  }

  @Test
  void anEhrsRecordWithoutOurProfilesShowsWhatItHasAndSaysWhatIsMissing() {
    var ehr = org.infusionfhir.support.EhrShapedRecord.create(client);
    var clinician = user("Practitioner/" + client.create().resource(new org.hl7.fhir.r4.model.Practitioner()
        .addName(new org.hl7.fhir.r4.model.HumanName().setFamily(unique("Clinician")))).execute().getId().getIdPart());
    try (var browser = Chromium.open(1280, 800)) {
      signIn(browser, clinician);
      open(browser, "#/patient/" + ehr.patientId());
      assertThat(ready(browser)).isEqualTo("done");
      // The guide's rule: the EHR-coded procedure with an IV administration is a session, the consultation is not.
      assertThat(browser.driver.findElement(By.id("session-count")).getAttribute("data-count")).isEqualTo("1");
      var page = browser.driver.findElement(By.id("main")).getText();
      assertThat(page).contains("No care plan recorded").contains("No PHQ-9 total score recorded")
          .contains("No indication recorded").contains("no weight recorded");
      assertThat(browser.driver.findElement(By.cssSelector("#dose-table tbody tr")).getText()).contains("35");
      browser.fullPageScreenshot("workspace-ehr-overview");

      open(browser, "#/session/" + ehr.sessionId());
      assertThat(ready(browser)).isEqualTo("done");
      assertThat(browser.driver.findElement(By.id("vitals-chart")).getAttribute("data-hr")).isEqualTo(String.valueOf(ehr.heartRates()));
      assertThat(browser.driver.findElement(By.id("main")).getText())
          .contains("not linked to the session").contains("No body weight recorded").contains("No MOAA/S or CADSS score");
      assertThat(browser.consoleErrors()).isEmpty();
      browser.fullPageScreenshot("workspace-ehr-flowsheet");
    }
  }

  private List<Integer> storedPhq9(String patientId) {
    var bundle = client.search().byUrl("Observation?subject=Patient/" + patientId + "&code=http://loinc.org|44261-6&_count=100")
        .returnBundle(Bundle.class).execute();
    return bundle.getEntry().stream().map(e -> (Observation) e.getResource())
        .sorted(Comparator.comparing(Observation::getEffectiveDateTimeType, Comparator.comparing(t -> t.getValue())))
        .map(o -> o.getValueIntegerType().getValue()).toList();
  }

  /** The session's stored readings per chart series, in time order, as the table prints them. */
  private Map<String, List<String>> storedVitals(String procedureId) {
    var bundle = client.search().byUrl("Observation?part-of=Procedure/" + procedureId + "&category=vital-signs&_count=1000")
        .returnBundle(Bundle.class).execute();
    var observations = bundle.getEntry().stream().map(e -> (Observation) e.getResource())
        .sorted(Comparator.comparing(o -> o.getEffectiveDateTimeType().getValue())).toList();
    var series = new java.util.LinkedHashMap<String, List<String>>();
    for (var key : List.of("hr", "sbp", "dbp", "spo2", "rr")) {
      series.put(key, new ArrayList<>());
    }
    for (var o : observations) {
      var code = o.getCode().getCodingFirstRep().getCode();
      switch (code) {
        case "8867-4" -> series.get("hr").add(number(o.getValueQuantity().getValue()));
        case "2708-6", "59408-5" -> series.get("spo2").add(number(o.getValueQuantity().getValue()));
        case "9279-1" -> series.get("rr").add(number(o.getValueQuantity().getValue()));
        case "85354-9" -> {
          series.get("sbp").add(number(o.getComponent().get(0).getValueQuantity().getValue()));
          series.get("dbp").add(number(o.getComponent().get(1).getValueQuantity().getValue()));
        }
        default -> { }
      }
    }
    assertThat(series.get("hr")).isNotEmpty();
    return series;
  }

  private static String number(java.math.BigDecimal value) {
    var stripped = value.stripTrailingZeros();
    return stripped.scale() <= 0 ? stripped.toBigInteger().toString() : stripped.setScale(1, java.math.RoundingMode.HALF_UP).toPlainString();
  }

  private static List<String> tableColumn(Chromium browser, String series) {
    return browser.driver.findElements(By.cssSelector("#readings-table td[data-series='" + series + "']")).stream()
        .map(WebElement::getText).filter(t -> !t.isEmpty()).toList();
  }

  private static int requestsOfTheView(Chromium browser) {
    return Integer.parseInt(browser.driver.findElement(By.id("main")).getAttribute("data-requests"));
  }

  private List<AuditEvent> revocationsBy(String user) {
    var bundle = client.search().forResource(AuditEvent.class).where(AuditEvent.AGENT_NAME.matchesExactly().value(user))
        .count(100).returnBundle(Bundle.class).execute();
    return bundle.getEntry().stream().map(e -> (AuditEvent) e.getResource())
        .filter(e -> e.getSubtype().stream().anyMatch(c -> SignInAudit.STEP_SYSTEM.equals(c.getSystem())
            && "token-revoked".equals(c.getCode())))
        .toList();
  }

  private static String field(java.net.http.HttpResponse<String> response, String name) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).get(name).asText();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
