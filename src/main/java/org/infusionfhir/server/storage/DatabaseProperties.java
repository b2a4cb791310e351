package org.infusionfhir.server.storage;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How HAPI's Hibernate layer talks to the database ({@code infusion.database.*}). The connection itself
 * is Spring's {@code spring.datasource.*}.
 *
 * @param schemaAction what to do with the schema at start-up: {@code auto} (the default) is {@code update} on
 *     H2 and {@code check} on PostgreSQL; {@code update} lets Hibernate create HAPI's tables and runs our
 *     migrations; {@code check} refuses to start unless the {@code migrate} command has
 *     brought the schema to this version; {@code migrate} runs the migrations at start-up, one process at a
 *     time; {@code none} does nothing
 * @param dialect a HAPI Hibernate dialect class; empty means chosen from the JDBC URL
 * @param hibernate further Hibernate properties, passed through as they are
 */
@ConfigurationProperties("infusion.database")
public record DatabaseProperties(
    @DefaultValue("auto") String schemaAction,
    @DefaultValue("") String dialect,
    @DefaultValue Map<String, String> hibernate) {}
