package org.infusionfhir.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.infusionfhir.support.Postgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** HAPI's migrator builds HAPI's schema and ours on an empty PostgreSQL database; the check sees the difference. */
@ExtendWith(Postgres.class)
class SchemaMigrationsTest {

  @Test
  void anEmptyDatabaseIsRefusedThenMigratedOnceAndThenCurrent() throws Exception {
    var url = Postgres.freshDatabase("infusion_schema_migrations_test");
    var dataSource = new DriverManagerDataSource(url, Postgres.USER, Postgres.PASSWORD);

    assertThat(SchemaMigrations.pending(dataSource, true)).hasSize(2)
        .anySatisfy(p -> assertThat(p).startsWith("FLY_HFJ_MIGRATION:"))
        .anySatisfy(p -> assertThat(p).startsWith("INFUSION_MIGRATION:"));
    assertThatThrownBy(() -> DatabaseSchema.prepare(dataSource, "auto"))
        .isInstanceOf(SchemaNotCurrentException.class)
        .hasMessageContaining("java -jar infusion-fhir.jar migrate");

    var first = SchemaMigrations.migrate(dataSource, true);
    assertThat(first).allSatisfy(a -> assertThat(a.applied()).isPositive());
    assertThat(SchemaMigrations.pending(dataSource, true)).isEmpty();
    var tables = new org.springframework.jdbc.core.JdbcTemplate(dataSource).queryForList(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", String.class);
    assertThat(tables).contains("hfj_resource", "hfj_spidx_token", "bt2_work_chunk", "auth_user", "safety_episode",
        "infusion_received_message", "infusion_used_jwt_id");
    // HAPI's resource types are filled by the migration, not raced for by the first servers to start.
    assertThat(new org.springframework.jdbc.core.JdbcTemplate(dataSource).queryForObject(
        "SELECT COUNT(*) FROM hfj_resource_type WHERE res_type IN ('Patient', 'Observation', 'Subscription')",
        Integer.class)).isEqualTo(3);

    var second = SchemaMigrations.migrate(dataSource, true);
    assertThat(second).allSatisfy(a -> assertThat(a.applied()).isZero());
    assertThat(DatabaseSchema.prepare(dataSource, "auto").action()).isEqualTo("check");
  }
}
