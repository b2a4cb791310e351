package org.infusionfhir.auth;

import javax.sql.DataSource;
import org.springframework.boot.jdbc.DatabaseDriver;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.support.JdbcUtils;

/**
 * Creates the embedded authorization server's tables where they are missing (users, launch contexts,
 * revoked tokens, and Spring Authorization Server's authorizations and consents), in the FHIR database so
 * that every replica sees every step of a launch and every revocation.
 */
public final class AuthSchema {

  private AuthSchema() {}

  public static void create(DataSource dataSource) {
    String url;
    try {
      url = JdbcUtils.extractDatabaseMetaData(dataSource, meta -> meta.getURL());
    } catch (Exception e) {
      throw new IllegalStateException("cannot reach the database to create the sign-in tables", e);
    }
    var script = DatabaseDriver.fromJdbcUrl(url) == DatabaseDriver.POSTGRESQL
        ? "auth/schema-postgresql.sql" : "auth/schema-h2.sql";
    new ResourceDatabasePopulator(new ClassPathResource(script)).execute(dataSource);
  }
}
