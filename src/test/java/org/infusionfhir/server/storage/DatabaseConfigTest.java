package org.infusionfhir.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import org.junit.jupiter.api.Test;

class DatabaseConfigTest {

  @Test
  void dialectFollowsTheJdbcUrlUnlessConfigured() {
    assertThat(DatabaseConfig.dialectFor("jdbc:postgresql://db:5432/fhir", ""))
        .isEqualTo(HapiFhirPostgresDialect.class.getName());
    assertThat(DatabaseConfig.dialectFor("jdbc:h2:file:./data/infusion-fhir", ""))
        .isEqualTo(HapiFhirH2Dialect.class.getName());
    assertThat(DatabaseConfig.dialectFor("jdbc:postgresql://db/fhir", "com.example.Custom"))
        .isEqualTo("com.example.Custom");
  }
}
