package org.infusionfhir.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.model.v26.message.ORU_R01;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.cohort.GenerateCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor messages of {@code generate} read by the adapter's own parser set-up and mapper: every
 * message parses, every numeric row maps to a vital sign, and PID-3 names the generated patient under
 * the authority the server maps to the Patients' identifier system. Here rather than in cohort/ because
 * OruMapper is the adapter's own, not public.
 */
class GeneratedMonitorMessagesTest {

  @Test
  void everyGeneratedMessageParsesAndMapsWithTheAdaptersMapper(@TempDir Path out) throws Exception {
    var stdout = new ByteArrayOutputStream();
    int exit = new GenerateCommand(new PrintStream(stdout, true, StandardCharsets.UTF_8), System.err)
        .run(List.of("--out", out.toString(), "--patients", "4", "--format", "hl7v2", "--vitals-interval", "60"));
    assertThat(exit).isZero();

    var context = new DefaultHapiContext(new CanonicalModelClassFactory("2.6"));
    context.setValidationContext(ValidationContextFactory.noValidation());
    var parser = context.getPipeParser();
    var mapper = new OruMapper(new VitalSignCodes(new VitalSigns()), ZoneId.of("Europe/Berlin"));
    var controlIds = new HashSet<String>();
    var measures = new HashSet<String>();
    int messages = 0;
    try (Stream<Path> files = Files.list(out.resolve("hl7v2"))) {
      for (var file : files.sorted().toList()) {
        var text = Files.readString(file);
        assertThat(text).endsWith("\n");
        for (var er7 : text.split("\n\n")) {
          messages++;
          var message = (ORU_R01) parser.parse(er7.strip().replace('\n', '\r'));
          var report = mapper.map(message);
          assertThat(controlIds.add(report.sender() + "^" + report.controlId())).as(report.controlId()).isTrue();
          assertThat(report.patient().authority()).isEqualTo("CLINIC");
          assertThat(report.patient().value()).matches("SYN1-00000[1-4]");
          assertThat(file.getFileName().toString()).startsWith("syn1-p00000" + report.patient().value().charAt(10));
          long numericRows = er7.lines().filter(l -> l.startsWith("OBX|") && l.split("\\|", -1)[2].equals("NM")).count();
          assertThat(report.readings()).as(er7).hasSize((int) numericRows);
          var names = report.readings().stream().map(r -> r.measure().name()).toList();
          assertThat(names).contains("heart-rate", "oxygen-saturation");
          // A blood-pressure panel needs both values (VitalSignObservations refuses one without the other).
          assertThat(names.contains("bp-systolic")).isEqualTo(names.contains("bp-diastolic"));
          measures.addAll(names);
        }
      }
    }
    assertThat(measures).containsExactlyInAnyOrder("heart-rate", "oxygen-saturation", "respiratory-rate",
        "body-temperature", "bp-systolic", "bp-diastolic", "bp-mean");
    assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("HL7 v2 messages   " + String.format(java.util.Locale.ROOT, "%,d", messages));
  }
}
