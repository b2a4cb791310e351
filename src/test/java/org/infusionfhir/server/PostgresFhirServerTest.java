package org.infusionfhir.server;

import org.infusionfhir.server.storage.SchemaMigrations;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.Postgres;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The same FHIR server contract on PostgreSQL, as production runs it: a database of its own brought to this
 * version by the migrator (what {@code java -jar infusion-fhir.jar migrate} runs), and the server on the default
 * schema action, which checks the schema and changes nothing. Skipped, and reported as skipped, when no
 * PostgreSQL is reachable.
 */
@ExtendWith(Postgres.class)
@ActiveProfiles("postgres")
@SpringBootTest(
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      "infusion.security.embedded.key-file=target/test-data/issuer-key.json",
      "infusion.limits.max-body-size=256KB",
      "infusion.limits.max-json-depth=32",
      "infusion.limits.max-bundle-entries=50",
      // The tests play the clinic's reverse proxy, from loopback (off by default: docs/security.md).
      "server.forward-headers-strategy=native",
      "server.tomcat.remoteip.internal-proxies=" + H2FhirServer.LOOPBACK_PROXY
    })
class PostgresFhirServerTest extends FhirServerContract {

  /** The documented production settings: the postgres profile plus INFUSION_DB_URL/_USER/_PASSWORD. */
  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    var url = Postgres.freshDatabase("infusion_contract_test");
    SchemaMigrations.migrate(new DriverManagerDataSource(url, Postgres.USER, Postgres.PASSWORD), true);
    registry.add("INFUSION_DB_URL", () -> url);
    registry.add("INFUSION_DB_USER", () -> Postgres.USER);
    registry.add("INFUSION_DB_PASSWORD", () -> Postgres.PASSWORD);
  }
}
