package org.infusionfhir.server.storage;

import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;

/**
 * H2 settings that HAPI's storage needs for speed, added to an H2 JDBC URL that does not set them itself
 * (a URL that does keeps its own value). PostgreSQL URLs are left alone.
 *
 * <p>{@code MAX_LENGTH_INPLACE_LOB}: HAPI keeps a resource's JSON in a CLOB column. H2 stores a CLOB longer
 * than this many bytes (256 by default) in a separate LOB map, so every vital sign (about 600 characters)
 * and every AuditEvent cost a second write, and every read a LOB lookup. 16384 covers the 4,000 characters
 * {@code infusion.indexing.inline-resource-text-below} keeps in that column, even at 4 bytes a character.
 * H2 keeps the setting in the database file; texts stored before it stay where they are.
 *
 * <p>{@code WRITE_DELAY=0}: by default H2 writes a committed transaction to its file up to 500 ms later, from a
 * background thread; a process killed meanwhile loses it, though it was committed and acknowledged (an HL7 v2
 * feed killed with kill -9 lost 10 of 133 messages it had answered AA, {@code MllpCrashTest}). With 0 each commit
 * is in the file before it returns.
 */
public final class H2UrlSettings implements BeanPostProcessor {

  /** Sorted, so that a URL gets them in one order. */
  static final Map<String, String> DEFAULTS = new java.util.TreeMap<>(
      Map.of("MAX_LENGTH_INPLACE_LOB", "16384", "WRITE_DELAY", "0"));

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    // After initialization: the properties are bound by then, and the DataSource is built from them later.
    if (bean instanceof DataSourceProperties properties && properties.getUrl() != null) {
      properties.setUrl(withDefaults(properties.getUrl()));
    }
    return bean;
  }

  /** {@code url} with each default H2 setting it does not name appended; non-H2 URLs unchanged. */
  static String withDefaults(String url) {
    if (!url.startsWith("jdbc:h2:")) {
      return url;
    }
    var named = url.toUpperCase(Locale.ROOT);
    var result = new StringBuilder(url);
    DEFAULTS.forEach((name, value) -> {
      if (!named.contains(";" + name + "=")) {
        result.append(';').append(name).append('=').append(value);
      }
    });
    return result.toString();
  }
}
