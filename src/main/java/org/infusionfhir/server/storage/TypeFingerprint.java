package org.infusionfhir.server.storage;

import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Whether the stored resources of one type changed since it was last asked: a fingerprint of their rows in
 * {@code HFJ_RESOURCE} (count, latest update and version sum: one query on the type's index). Any replica's
 * create, update or delete of the type changes it. Used to keep a replica's in-memory registry built from those
 * resources (Subscriptions, SearchParameters) as current as the database.
 */
public final class TypeFingerprint {

  private static final String SQL = "SELECT COUNT(*) || ':' || COALESCE(CAST(MAX(RES_UPDATED) AS VARCHAR(40)), '')"
      + " || ':' || COALESCE(CAST(SUM(RES_VER) AS VARCHAR(40)), '') FROM HFJ_RESOURCE WHERE RES_TYPE = ?";

  private final JdbcTemplate jdbc;
  private final String type;
  private String seen;

  public TypeFingerprint(DataSource dataSource, String type) {
    this.jdbc = new JdbcTemplate(dataSource);
    this.type = type;
  }

  /**
   * True when the rows differ from the last call that returned true, or on the first call; the caller reloads
   * then. Not thread-safe: callers serialise their check and reload.
   */
  public boolean changed() {
    var now = jdbc.queryForObject(SQL, String.class, type);
    if (Objects.equals(now, seen)) {
      return false;
    }
    seen = now;
    return true;
  }

  /** Whether {@link #changed} has returned true before: the first change is the registry's first load. */
  public boolean seenBefore() {
    return seen != null;
  }
}
