package org.infusionfhir.server;

import org.infusionfhir.support.Postgres;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The same FHIR server contract on PostgreSQL, with the schema created or migrated at start-up.
 * Skipped, and reported as skipped, when no PostgreSQL is reachable.
 */
@ExtendWith(Postgres.class)
@SpringBootTest(
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      "infusion.limits.max-body-size=256KB",
      "infusion.limits.max-json-depth=32",
      "infusion.limits.max-bundle-entries=50"
    })
class PostgresFhirServerTest extends FhirServerContract {

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> Postgres.URL);
    registry.add("spring.datasource.username", () -> Postgres.USER);
    registry.add("spring.datasource.password", () -> Postgres.PASSWORD);
  }
}
