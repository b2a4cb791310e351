package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.Application;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;

/** The default embedded H2 database is a file under the data directory and survives a restart. */
class PersistenceAcrossRestartTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  @Test
  void dataWrittenBeforeARestartIsReadAfterIt(@TempDir Path dataDir) throws Exception {
    String id;
    String tokenFromBefore;
    try (var first = start(dataDir)) {
      var patient = new Patient();
      patient.addName().setFamily("Durable");
      id = client(first).create().resource(patient).execute().getId().getIdPart();
      tokenFromBefore = token(first);
    }
    assertThat(Files.exists(dataDir.resolve("infusion-fhir.mv.db"))).isTrue();
    assertThat(Files.exists(dataDir.resolve("issuer-key.json"))).isTrue();

    try (var second = start(dataDir)) {
      var read = client(second).read().resource(Patient.class).withId(id).execute();
      assertThat(read.getNameFirstRep().getFamily()).isEqualTo("Durable");
      // The embedded issuer's key lives beside the database, so its tokens outlive a restart.
      var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
          "http://localhost:" + second.getWebServer().getPort() + "/fhir/Patient/" + id))
          .header("Authorization", "Bearer " + tokenFromBefore).build();
      assertThat(java.net.http.HttpClient.newHttpClient().send(request,
          java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void anExportCutShortByARestartFinishesAfterIt(@TempDir Path dataDir) throws Exception {
    String statusUrl;
    try (var first = start(dataDir)) {
      var client = client(first);
      for (int i = 0; i < 40; i++) {
        var patient = new Patient();
        patient.addName().setFamily("Exported" + i);
        client.create().resource(patient).execute();
      }
      var kickOff = http(first, "/fhir/$export?_type=Patient", "Prefer", "respond-async");
      assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
      statusUrl = kickOff.headers().firstValue("Content-Location").orElseThrow();
      // The server stops at once, before its 1 s job check has started the export.
    }

    try (var second = start(dataDir)) {
      var path = statusUrl.substring(statusUrl.indexOf("/fhir/"));
      var done = new java.util.concurrent.atomic.AtomicReference<java.net.http.HttpResponse<String>>();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
          .pollInterval(java.time.Duration.ofMillis(250))
          .until(() -> {
            done.set(http(second, path));
            return done.get().statusCode() != 202;
          });
      assertThat(done.get().statusCode()).as(done.get().body()).isEqualTo(200);
      var manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(done.get().body());
      var file = manifest.get("output").get(0).get("url").asText();
      var ndjson = http(second, file.substring(file.indexOf("/fhir/")), "Accept", "application/fhir+ndjson");
      assertThat(ndjson.body().lines().filter(l -> l.contains("\"Exported"))).hasSize(40);
    }
  }

  private static java.net.http.HttpResponse<String> http(ServletWebServerApplicationContext context, String path,
      String... headers) throws Exception {
    var request = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://localhost:" + context.getWebServer().getPort() + path));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    request.header("Authorization", "Bearer " + token(context));
    return java.net.http.HttpClient.newHttpClient().send(request.build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static ServletWebServerApplicationContext start(Path dataDir) {
    return (ServletWebServerApplicationContext) new SpringApplicationBuilder(Application.class)
        .properties("server.port=0", "infusion.data-dir=" + dataDir.toAbsolutePath(),
            "infusion.batch.check-interval=1s", "infusion.batch.stalled-after=3s")
        .run();
  }

  private static ca.uhn.fhir.rest.client.api.IGenericClient client(ServletWebServerApplicationContext context) {
    FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    var client = FHIR.newRestfulGenericClient("http://localhost:" + context.getWebServer().getPort() + "/fhir");
    client.registerInterceptor(new ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor(token(context)));
    return client;
  }

  private static String token(ServletWebServerApplicationContext context) {
    return new org.infusionfhir.security.LocalTokens(
        context.getBean(org.infusionfhir.security.SecurityProperties.class)).issue("test-suite", "system/*.*", null);
  }
}
