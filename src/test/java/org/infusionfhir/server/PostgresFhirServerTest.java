package org.infusionfhir.server;

import org.infusionfhir.support.Postgres;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The same FHIR server contract on PostgreSQL, with the schema created or migrated at start-up.
 * Skipped, and reported as skipped, when no PostgreSQL is reachable.
 */
@ExtendWith(Postgres.class)
@ActiveProfiles("postgres")
@SpringBootTest(
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      "infusion.security.embedded.key-file=target/test-data/issuer-key.json",
      "infusion.limits.max-body-size=256KB",
      "infusion.limits.max-json-depth=32",
      "infusion.limits.max-bundle-entries=50"
    })
class PostgresFhirServerTest extends FhirServerContract {

  /** The documented production settings: the postgres profile plus INFUSION_DB_URL/_USER/_PASSWORD. */
  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    registry.add("INFUSION_DB_URL", () -> Postgres.URL);
    registry.add("INFUSION_DB_USER", () -> Postgres.USER);
    registry.add("INFUSION_DB_PASSWORD", () -> Postgres.PASSWORD);
  }
}
