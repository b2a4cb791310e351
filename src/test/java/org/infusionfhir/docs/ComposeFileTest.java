package org.infusionfhir.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * There is no container engine on the test machines, so {@code docker-compose.yml} is not run; it is checked to
 * say what docs/operations.md says and what the two-process tests do: migrate once before the replicas, every
 * replica on the same database with the same issuer and one shared key, readiness as the health check, and the
 * proxy sending to every replica.
 */
class ComposeFileTest {

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> services() throws IOException {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @Test
  void theReplicasMigrateOnceAndShareTheDatabaseTheIssuerAndItsKey() throws IOException {
    var services = services();
    var migrate = services.get("migrate");
    assertThat(migrate.get("command")).isEqualTo(List.of("migrate"));
    var migrateEnvironment = map(migrate.get("environment"));
    var replicas = services.entrySet().stream()
        .filter(e -> "infusion-fhir".equals(e.getValue().get("image")) && !e.getKey().equals("migrate")).toList();
    assertThat(replicas).hasSizeGreaterThanOrEqualTo(2);
    for (var replica : replicas) {
      var name = replica.getKey();
      var service = replica.getValue();
      var environment = map(service.get("environment"));
      for (var shared : List.of("SPRING_PROFILES_ACTIVE", "INFUSION_DB_URL", "INFUSION_SECURITY_EMBEDDED_ISSUER")) {
        assertThat(environment.get(shared)).as(name + " " + shared).isNotNull().isEqualTo(migrateEnvironment.get(shared));
      }
      // The issuer key lives in the data folder (/data/issuer-key.json): one volume for every replica.
      assertThat((List<String>) service.get("volumes")).as(name).contains("shared-data:/data");
      assertThat(map(map(service.get("depends_on")).get("migrate")).get("condition"))
          .isEqualTo("service_completed_successfully");
      assertThat(map(service.get("healthcheck")).get("test").toString()).contains("/actuator/health/readiness");
    }
  }

  @Test
  void theProxySendsToEveryReplicaAndTheDocsDescribeTheSameSetUp() throws IOException {
    var proxy = services().get("proxy");
    var volumes = proxy.get("volumes").toString();
    var config = Files.readString(Path.of(volumes.substring(volumes.indexOf("./") + 2, volumes.indexOf(".conf") + 5)));
    services().entrySet().stream()
        .filter(e -> "infusion-fhir".equals(e.getValue().get("image")) && !e.getKey().equals("migrate"))
        .forEach(replica -> assertThat(config).contains("server " + replica.getKey() + ":8080"));
    var operations = Files.readString(Path.of("docs/operations.md"));
    assertThat(operations).contains("docker-compose.yml", "infusion-fhir.jar migrate",
        "INFUSION_SECURITY_EMBEDDED_ISSUER", "INFUSION_SECURITY_EMBEDDED_KEY_FILE", "/actuator/health/readiness",
        "src/main/docker/nginx-replicas.conf");
  }
}
