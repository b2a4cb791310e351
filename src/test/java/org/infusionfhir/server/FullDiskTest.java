package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.infusionfhir.support.Hl7v2Messages;
import org.infusionfhir.support.MllpClient;
import org.infusionfhir.support.NodeHttp;
import org.infusionfhir.support.ServerNode;
import org.junit.jupiter.api.Test;

/**
 * The default set-up (H2 in a file) on a disk that fills up: the server runs under {@code ulimit -f}, so its
 * database file cannot grow past a limit a little above its size. Writes then fail cleanly, 507 (or 503 while the
 * pool opens the database again) with an OperationOutcome and never a 500, HL7 v2 gets AA only for what was
 * stored, and the
 * server stays up. Reads are refused as well, as their AuditEvents cannot be stored. Once there is room again
 * (the limit lifted with {@code prlimit}), reads and writes work without a restart and nothing stored was lost.
 */
class FullDiskTest {

  private static final String ISSUER = "http://full-disk.example.test";
  /** Room left on the "disk" above the database file's size when the server starts again. */
  private static final long HEADROOM_KB = 12 * 1024;

  @Test
  void whenTheDiskIsFullWritesAreRefusedCleanlyAndReadsGoOn() throws Exception {
    var dir = Path.of("target/test-data/full-disk");
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    var keyFile = dir.resolve("issuer-key.json");
    var token = NodeHttp.systemToken(ISSUER, keyFile);
    var node = ServerNode.launch("full disk", dir, NodeHttp.issuerProperties(ISSUER, keyFile));
    var http = new NodeHttp(node, token);
    try {
      node.awaitReady(Duration.ofMinutes(4));
      var storedBefore = new ArrayList<String>();
      for (int i = 0; i < 5; i++) {
        storedBefore.add(created(http.fhir("POST", "/Patient", patient("Before" + i, 10))));
      }
      node.close();
      var database = dir.resolve("infusion-fhir.mv.db");
      long limitKb = Files.size(database) / 1024 + HEADROOM_KB;
      Files.move(node.log(), dir.resolve("server-before.log"));
      node.limitFileSize(limitKb).restart().awaitReady(Duration.ofMinutes(4));

      var statuses = new TreeMap<Integer, Integer>();
      var storedWhileFilling = new ArrayList<String>();
      String refusal = null;
      int refusedInARow = 0;
      for (int i = 0; i < 400 && refusedInARow < 5; i++) {
        long began = System.nanoTime();
        var response = http.fhir("POST", "/Patient", patient("Filling" + i, 200));
        assertThat(Duration.ofNanos(System.nanoTime() - began)).as("write %d", i).isLessThan(Duration.ofSeconds(20));
        statuses.merge(response.statusCode(), 1, Integer::sum);
        if (response.statusCode() == 201) {
          storedWhileFilling.add(created(response));
          refusedInARow = 0;
        } else {
          refusal = response.body();
          refusedInARow++;
          assertThat(response.statusCode()).as(response.body()).isIn(507, 503);
          assertThat(response.body()).contains("\"resourceType\":\"OperationOutcome\"");
        }
      }
      var mllp = new MllpClient(node.mllpPort()).send(Hl7v2Messages.monitorMessage("FULL-1", "FULL-DISK-1",
          OffsetDateTime.now(ZoneOffset.UTC), Hl7v2Messages.heartRate(72))).code();
      System.out.printf("[full disk] limit %d KiB; writes answered %s; HL7 v2 %s; refusal %s%n", limitKb, statuses,
          mllp, refusal);
      assertThat(refusedInARow).as("writes refused once the disk is full").isEqualTo(5);
      // A small message may still fit where the large writes did not: AA only for what was stored (checked below).
      assertThat(mllp).isIn("AA", "AE");
      assertThat(node.alive()).isTrue();
      // Reads are refused too while nothing can be written: each needs its AuditEvent stored first.
      var read = http.fhir("GET", "/Patient/" + storedBefore.get(0), null);
      assertThat(read.statusCode()).as(read.body()).isIn(503, 507);

      // Room again (the operator freed space): everything works without a restart, and nothing stored was lost.
      var room = new ProcessBuilder("prlimit", "--pid", Long.toString(node.pid()), "--fsize=unlimited")
          .inheritIO().start();
      assertThat(room.waitFor()).isZero();
      var readAnswers = new TreeMap<Integer, Integer>();
      for (var id : concat(storedBefore, storedWhileFilling)) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
            .until(() -> {
              var again = http.fhir("GET", "/Patient/" + id, null);
              readAnswers.merge(again.statusCode(), 1, Integer::sum);
              assertThat(again.statusCode()).as(again.body()).isIn(200, 503);
              return again.statusCode() == 200;
            });
      }
      assertThat(http.fhir("POST", "/Patient", patient("After", 10)).statusCode()).isEqualTo(201);
      assertThat(http.count("/Patient?family=Before0")).isEqualTo(1);
      assertThat(http.count("/Patient?identifier=" + Hl7v2Messages.DEMO_MRN_SYSTEM + "%7CFULL-DISK-1"))
          .as("the monitor's patient, stored only if its message got AA").isEqualTo(mllp.equals("AA") ? 1 : 0);
      System.out.printf("[full disk] with room again, reads of %d stored Patients answered %s%n",
          storedBefore.size() + storedWhileFilling.size(), readAnswers);
    } finally {
      node.close();
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    var all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static String created(java.net.http.HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    var location = response.headers().firstValue("Location").orElseThrow();
    return location.replaceAll(".*/Patient/([^/]+)/_history/.*", "$1");
  }

  /** A Patient with a narrative of about {@code kb} KiB. */
  private static String patient(String family, int kb) {
    var text = "x".repeat(kb * 1024 - 100);
    return """
        {"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\">%s</div>"},
         "name":[{"family":"%s"}]}""".formatted(text, family);
  }
}
