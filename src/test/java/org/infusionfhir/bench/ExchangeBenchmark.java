package org.infusionfhir.bench;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.infusionfhir.Application;
import org.infusionfhir.ig.ProfileValidationInterceptor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.context.WebServerApplicationContext;

/**
 * The EHR reads over one full six-infusion course (the TRD demo course: 500 resources, 476 Observations),
 * apart from the tests: {@code mvn -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.infusionfhir.bench.ExchangeBenchmark [-Dexec.args="PATIENTS DB_URL"]}.
 *
 * <p>Starts the server in-process (H2 in memory unless a JDBC URL is given, batch check every second),
 * stores one course and times {@code $everything} (every page at _count=500), {@code $summary} and
 * {@code Patient/[id]/$export} (kick-off to manifest, files read). Then it stores the course again for
 * PATIENTS - 1 more patients (ids prefixed, validation skipped as it is not what is measured), times the
 * same reads of one patient among them, and a system {@code $export} of everything. Prints a table and
 * writes {@code target/exchange-benchmark.json}.
 */
public final class ExchangeBenchmark {

  /** A system token from the server's embedded issuer: the benchmark measures with authorization on. */
  private static String auth;

  private static final int RUNS = 7;
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    int patients = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    var dbUrl = args.length > 1 ? args[1] : "jdbc:h2:mem:exchange-bench;DB_CLOSE_DELAY=-1";
    var app = new SpringApplication(Application.class);
    var arguments = new String[] {
        "--spring.datasource.url=" + dbUrl, "--server.port=0", "--infusion.hl7v2.mllp.enabled=false",
        "--infusion.batch.check-interval=1s", "--logging.level.org.infusionfhir=warn",
        "--logging.level.ca.uhn.fhir=warn", "--logging.level.infusion.request=warn"};
    var results = new LinkedHashMap<String, Object>();
    try (var context = app.run(arguments)) {
      auth = "Bearer " + new org.infusionfhir.security.LocalTokens(
          context.getBean(org.infusionfhir.security.SecurityProperties.class)).issue("benchmark", "system/*.*", null);
      var base = "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort() + "/fhir";
      @SuppressWarnings("unchecked")
      IFhirSystemDao<Bundle, ?> systemDao = context.getBean(IFhirSystemDao.class);
      var course = Files.readString(Path.of("fixtures/bundles/trd-ketamine-course.json"));

      store(systemDao, course);
      results.put("one course", reads(base, "trd-patient"));

      long t = System.nanoTime();
      for (int i = 1; i < patients; i++) {
        store(systemDao, course.replace("trd-", "b" + i + "-trd-"));
        if (i % 100 == 0) {
          System.out.printf("stored %d courses (%.0f resources/s)%n", i, i * 500 / ((System.nanoTime() - t) / 1e9));
        }
      }
      double loadSeconds = (System.nanoTime() - t) / 1e9;
      var one = patients > 1 ? "b" + (patients / 2) + "-trd-patient" : "trd-patient";
      results.put(patients + " courses", reads(base, one));
      var system = export(base, "/$export?_type=Patient,Procedure,MedicationAdministration,Observation,AdverseEvent");
      results.put("system $export of " + patients + " courses (ms)", system[0]);
      results.put("system $export resources", system[1]);

      System.out.println();
      System.out.printf("Exchange benchmark, %d cores, %s; medians of %d runs after one warm-up%n",
          Runtime.getRuntime().availableProcessors(), dbUrl, RUNS);
      System.out.printf("%-26s %14s %14s %18s%n", "stored", "$everything", "$summary", "Patient/[id]/$export");
      for (var key : List.of("one course", patients + " courses")) {
        @SuppressWarnings("unchecked")
        var row = (Map<String, Double>) results.get(key);
        System.out.printf("%-26s %11.0f ms %11.0f ms %15.0f ms%n", key, row.get("everythingMs"), row.get("summaryMs"),
            row.get("exportMs"));
      }
      System.out.printf("system $export of %d courses: %.0f resources in %.1f s (%.0f resources/s)%n", patients,
          system[1], system[0] / 1000, system[1] / (system[0] / 1000));
      System.out.printf("stored %d extra courses in %.0f s (%.0f resources/s, in-process, no validation)%n",
          patients - 1, loadSeconds, (patients - 1) * 500 / loadSeconds);
      results.put("cores", Runtime.getRuntime().availableProcessors());
      results.put("database", dbUrl);
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target/exchange-benchmark.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
    }
    System.exit(0);
  }

  private static void store(IFhirSystemDao<Bundle, ?> systemDao, String bundleJson) {
    var bundle = FhirContext.forR4Cached().newJsonParser().parseResource(Bundle.class, bundleJson);
    var request = new SystemRequestDetails();
    request.getUserData().put(ProfileValidationInterceptor.MAPPED_BY_ADAPTER, Boolean.TRUE);
    systemDao.transaction(request, bundle);
  }

  /** Median milliseconds of $everything, $summary and an instance export of one patient. */
  private static Map<String, Double> reads(String base, String patient) throws Exception {
    var row = new LinkedHashMap<String, Double>();
    row.put("everythingMs", median(() -> everything(base, patient)));
    row.put("summaryMs", median(() -> check(get(base + "/Patient/" + patient + "/$summary"))));
    row.put("exportMs", median(() -> export(base, "/Patient/" + patient + "/$export")));
    return row;
  }

  private static double median(Benchmark.Run run) throws Exception {
    return Benchmark.median(RUNS, run);
  }

  private static void everything(String base, String patient) throws Exception {
    int resources = readAllPages(base + "/Patient/" + patient + "/$everything?_count=500", url -> check(get(url)));
    if (resources < 500) {
      throw new IllegalStateException("$everything of " + patient + " returned only " + resources);
    }
  }

  /** A page source: the body of one GET. */
  interface Pages {
    String get(String url) throws Exception;
  }

  /** Follows a searchset's {@code next} links from {@code url}; the number of entries read. */
  static int readAllPages(String url, Pages pages) throws Exception {
    int resources = 0;
    while (url != null) {
      var page = JSON.readTree(pages.get(url));
      resources += page.path("entry").size();
      url = null;
      for (var link : page.path("link")) {
        if (link.path("relation").asText().equals("next")) {
          url = link.path("url").asText();
        }
      }
    }
    return resources;
  }

  /** Kick-off to manifest, then every file read: {milliseconds, resources}. */
  private static double[] export(String base, String path) throws Exception {
    long t = System.nanoTime();
    var kickOff = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", auth).header("Prefer", "respond-async")
        .header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofString());
    if (kickOff.statusCode() != 202) {
      throw new IllegalStateException(path + ": " + kickOff.statusCode() + " " + kickOff.body());
    }
    var status = kickOff.headers().firstValue("Content-Location").orElseThrow();
    HttpResponse<String> poll;
    do {
      Thread.sleep(20);
      poll = get(status);
    } while (poll.statusCode() == 202);
    var manifest = JSON.readTree(check(poll));
    long lines = 0;
    var files = new ArrayList<String>();
    manifest.path("output").forEach(o -> files.add(o.path("url").asText()));
    for (var file : files) {
      lines += check(get(file)).lines().count();
    }
    return new double[] {(System.nanoTime() - t) / 1e6, lines};
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String check(HttpResponse<String> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException(response.uri() + ": " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }
}
