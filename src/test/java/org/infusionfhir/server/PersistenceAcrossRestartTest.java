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
  void dataWrittenBeforeARestartIsReadAfterIt(@TempDir Path dataDir) {
    String id;
    try (var first = start(dataDir)) {
      var patient = new Patient();
      patient.addName().setFamily("Durable");
      id = client(first).create().resource(patient).execute().getId().getIdPart();
    }
    assertThat(Files.exists(dataDir.resolve("infusion-fhir.mv.db"))).isTrue();

    try (var second = start(dataDir)) {
      var read = client(second).read().resource(Patient.class).withId(id).execute();
      assertThat(read.getNameFirstRep().getFamily()).isEqualTo("Durable");
    }
  }

  private static ServletWebServerApplicationContext start(Path dataDir) {
    return (ServletWebServerApplicationContext) new SpringApplicationBuilder(Application.class)
        .properties("server.port=0", "infusion.data-dir=" + dataDir.toAbsolutePath())
        .run();
  }

  private static ca.uhn.fhir.rest.client.api.IGenericClient client(ServletWebServerApplicationContext context) {
    FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    return FHIR.newRestfulGenericClient("http://localhost:" + context.getWebServer().getPort() + "/fhir");
  }
}
