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

  /**
   * A server stops while a worker holds a piece of an export. HAPI hands pieces to workers through an
   * in-memory queue, so the piece stays marked as taken in the database and nobody works on it again
   * unless BatchWorkTakeover hands it back. The piece names the replica that took it: while that replica runs,
   * the piece is not taken from it however long it takes (here: even with stalled-after at 0); once it is gone,
   * the next server takes it over at once (there: stalled-after at an hour, so only the owner rule can).
   */
  @Test
  void anExportWhoseWorkWasInProgressWhenItsServerStoppedFinishesAfterARestart(@TempDir Path dataDir)
      throws Exception {
    String statusUrl;
    // HAPI's batch maintenance, which hands out the pieces, does not come round on the first server...
    try (var first = start(dataDir, "infusion.batch.check-interval=1h", "infusion.batch.stalled-after=0s")) {
      var client = client(first);
      for (int i = 0; i < 40; i++) {
        var patient = new Patient();
        patient.addName().setFamily("Exported" + i);
        client.create().resource(patient).execute();
      }
      var kickOff = http(first, "/fhir/$export?_type=Patient", "Prefer", "respond-async");
      assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
      statusUrl = kickOff.headers().firstValue("Content-Location").orElseThrow();
      var jobId = statusUrl.substring(statusUrl.indexOf("_jobId=") + "_jobId=".length());
      // ...so the export's first piece waits, ready; it is queued and started as HAPI's maintenance and a
      // worker would, through HAPI's job persistence API (the queue message that would carry it is never sent).
      var jobs = first.getBean(ca.uhn.fhir.batch2.api.IJobPersistence.class);
      var chunkId = new java.util.concurrent.atomic.AtomicReference<String>();
      new org.springframework.transaction.support.TransactionTemplate(
          first.getBean(org.springframework.transaction.PlatformTransactionManager.class)).executeWithoutResult(tx -> {
            var ready = new java.util.ArrayList<String>();
            jobs.fetchAllWorkChunksIterator(jobId, false).forEachRemaining(chunk -> ready.add(chunk.getId()));
            assertThat(ready).as("pieces of " + jobId).hasSize(1);
            chunkId.set(ready.get(0));
            jobs.enqueueWorkChunkForProcessing(chunkId.get(), updated -> assertThat(updated).isEqualTo(1));
            assertThat(jobs.onWorkChunkDequeue(chunkId.get())).isPresent();
            jobs.onChunkDequeued(jobId);
          });
      // The piece names this server, which is alive: a takeover pass leaves it alone.
      assertThat(first.getBean(org.infusionfhir.server.batch.ChunkOwners.class).ownerOf(chunkId.get()))
          .contains(first.getBean(org.infusionfhir.server.storage.ReplicaLease.class).self());
      assertThat(first.getBean(org.infusionfhir.server.batch.BatchWorkTakeover.class).takeOverLostWork()).isEmpty();
      var status = new java.util.ArrayList<ca.uhn.fhir.batch2.model.WorkChunkStatusEnum>();
      jobs.fetchAllWorkChunksIterator(jobId, false).forEachRemaining(chunk -> status.add(chunk.getStatus()));
      assertThat(status).containsExactly(ca.uhn.fhir.batch2.model.WorkChunkStatusEnum.IN_PROGRESS);
    }

    // The second server is another replica in the owner's eyes (a new id): the first is gone.
    try (var second = start(dataDir, "infusion.batch.stalled-after=1h")) {
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

  private static ServletWebServerApplicationContext start(Path dataDir, String... properties) {
    var all = new java.util.LinkedHashMap<String, String>();
    for (var property : java.util.List.of("server.port=0", "infusion.data-dir=" + dataDir.toAbsolutePath(),
        "infusion.batch.check-interval=1s", "infusion.batch.stalled-after=3s")) {
      all.put(property.substring(0, property.indexOf('=')), property);
    }
    // A test's own value replaces the one above (twice on the command line, Spring would join them).
    for (var property : properties) {
      all.put(property.substring(0, property.indexOf('=')), property);
    }
    // As command-line arguments: they outrank application.yaml, whose server.port is 8080 (default
    // properties do not, and the server took 8080 from other engineers' and CI's servers).
    return (ServletWebServerApplicationContext) new SpringApplicationBuilder(Application.class)
        .run(all.values().stream().map(p -> "--" + p).toArray(String[]::new));
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
