package org.infusionfhir.bench;

import ca.uhn.fhir.context.FhirContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.Application;
import org.infusionfhir.security.LocalTokens;
import org.infusionfhir.security.SecurityProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.boot.web.context.WebServerApplicationContext;

/**
 * What the audit trail costs, apart from the tests: {@code mvn -q test-compile exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=org.infusionfhir.bench.AuditBenchmark [-Dexec.args=READS]}.
 *
 * <p>Starts two servers in-process, one with the audit trail and one without (each on in-memory H2, security
 * on, a system token), and times over HTTP, alternating between the two call by call so that both see the
 * same load on the machine: a read of one Observation, a search of one patient's heart rates, and
 * transactions of 100 Observations. Prints medians and 95th percentiles.
 */
public final class AuditBenchmark {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final FhirContext FHIR = FhirContext.forR4Cached();

  /** One running server and what the benchmark needs of it. */
  private record Server(String base, String token, String observation) {}

  public static void main(String[] args) throws Exception {
    int reads = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    try (var withAudit = start(true); var without = start(false)) {
      var on = prepare(withAudit);
      var off = prepare(without);
      var read = time(reads, on, off, s -> send(s.token(), "GET", s.base() + "/Observation/" + s.observation(), null));
      var search = time(reads / 4, on, off, s -> send(s.token(), "GET",
          s.base() + "/Observation?subject=Patient/bench-patient&code=http://loinc.org%7C8867-4&_count=10", null));
      var transaction = time(30, on, off, s -> send(s.token(), "POST", s.base(), hundredObservations()));

      System.out.println();
      System.out.printf("Audit benchmark, %d cores, in-memory H2, over HTTP with a system token, calls alternating "
          + "between a server with and one without the audit trail%n", Runtime.getRuntime().availableProcessors());
      System.out.printf("%-40s %21s %21s%n", "", "audit on: median, p95", "off: median, p95");
      print("read Observation/[id] (" + reads + " each)", read);
      print("search, 10 of a patient's (" + reads / 4 + " each)", search);
      print("transaction of 100 Observations (30 each)", transaction);
      System.out.printf("%-40s %21.0f %21.0f%n", "  resources/s in those transactions", 100 / (transaction[0] / 1000),
          100 / (transaction[2] / 1000));
    }
    System.exit(0);
  }

  private static ConfigurableApplicationContext start(boolean audit) {
    var name = audit ? "on" : "off";
    return new SpringApplication(Application.class).run(
        "--spring.datasource.url=jdbc:h2:mem:audit-bench-" + name + ";DB_CLOSE_DELAY=-1", "--server.port=0",
        "--infusion.hl7v2.mllp.enabled=false", "--infusion.audit.enabled=" + audit,
        "--infusion.security.embedded.key-file=target/bench-issuer-key.json",
        "--logging.level.org.infusionfhir=warn", "--logging.level.ca.uhn.fhir=warn",
        "--logging.level.infusion.request=warn");
  }

  private static Server prepare(ConfigurableApplicationContext context) throws Exception {
    var base = "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort() + "/fhir";
    var token = new LocalTokens(context.getBean(SecurityProperties.class)).issue("bench", "system/*.*", null);
    var patient = new Patient();
    patient.setId("bench-patient");
    patient.addName().setFamily("Bench");
    send(token, "PUT", base + "/Patient/bench-patient", FHIR.newJsonParser().encodeResourceToString(patient));
    var created = send(token, "POST", base + "/Observation", FHIR.newJsonParser().encodeResourceToString(heartRate()));
    return new Server(base, token,
        FHIR.newJsonParser().parseResource(Observation.class, created).getIdElement().getIdPart());
  }

  private static void print(String what, double[] millis) {
    System.out.printf("%-40s %9.2f ms %7.2f ms %9.2f ms %7.2f ms%n", what, millis[0], millis[1], millis[2], millis[3]);
  }

  interface Call {
    void call(Server server) throws Exception;
  }

  /**
   * Median and 95th percentile in milliseconds of {@code runs} calls to each server (on first, then off),
   * alternating, after a tenth as many to warm up.
   */
  private static double[] time(int runs, Server on, Server off, Call call) throws Exception {
    for (int i = 0; i < Math.max(3, runs / 10); i++) {
      call.call(on);
      call.call(off);
    }
    var timesOn = new double[runs];
    var timesOff = new double[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      call.call(on);
      long middle = System.nanoTime();
      call.call(off);
      timesOn[i] = (middle - start) / 1e6;
      timesOff[i] = (System.nanoTime() - middle) / 1e6;
    }
    Arrays.sort(timesOn);
    Arrays.sort(timesOff);
    int p95 = (int) (runs * 0.95);
    return new double[] {timesOn[runs / 2], timesOn[p95], timesOff[runs / 2], timesOff[p95]};
  }

  private static String hundredObservations() {
    var bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (int i = 0; i < 100; i++) {
      bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(heartRate())
          .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
    }
    return FHIR.newJsonParser().encodeResourceToString(bundle);
  }

  private static Observation heartRate() {
    var observation = new Observation();
    observation.setStatus(Observation.ObservationStatus.FINAL);
    observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
    observation.setSubject(new Reference("Patient/bench-patient"));
    observation.setValue(new Quantity().setValue(72).setUnit("/min").setSystem("http://unitsofmeasure.org")
        .setCode("/min"));
    return observation;
  }

  private static String send(String token, String method, String url, String body) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/fhir+json");
    }
    var response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + url + ": " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }
}
