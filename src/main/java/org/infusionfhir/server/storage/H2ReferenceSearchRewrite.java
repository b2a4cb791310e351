package org.infusionfhir.server.storage;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hibernate.resource.jdbc.spi.StatementInspector;

/**
 * On H2 only: in a search that names one referenced resource ({@code subject=Patient/x}, compiled by HAPI
 * to {@code HFJ_RES_LINK … TARGET_RESOURCE_ID = ?}) and a token ({@code category=vital-signs}), H2 chose to
 * start from the token's hash index. H2 keeps no histogram, so it takes a hash shared by every vital sign
 * for a selective one, and read every Observation in the database to answer for one patient: the
 * vitals-window search read 10,001 token rows, 20,000 resource rows and 19,400 date rows to return 50 at
 * 10,000 Observations (H2 2.3's {@code EXPLAIN ANALYZE}).
 *
 * <p>Joined tokens are therefore read through HAPI's {@code (RES_ID, hashes…)} index, {@code USE INDEX
 * (IDX_SP_TOKEN_RESID_V2)}, so that H2 starts from the referenced resource's link rows and checks the token
 * of each: the same search then read 101 link rows and 651 rows in all. The cost is bounded by what the one
 * referenced resource links to (a patient's own Observations) instead of by the whole table. Only tokens
 * joined to another table on {@code RES_ID} are hinted; a token in a sub-select keeps its hash index.
 * PostgreSQL keeps statistics of value frequencies and is not touched.
 */
public class H2ReferenceSearchRewrite implements StatementInspector {

  /** HAPI's index of token rows by resource: in its entity since HAPI 5 and checked by a test on H2. */
  static final String TOKEN_BY_RESOURCE_INDEX = "IDX_SP_TOKEN_RESID_V2";

  private static final Pattern TOKEN_TABLE = Pattern.compile("(?<=FROM |JOIN )HFJ_SPIDX_TOKEN (t\\d+)(?! USE INDEX)");

  /** A join condition between resource ids, {@code (tA.RES_ID = tB.SRC_RESOURCE_ID)} and the like. */
  private static final Pattern RESOURCE_ID_JOIN = Pattern.compile(
      "\\((\\w+)\\.(RES_ID|SRC_RESOURCE_ID) = (\\w+)\\.(RES_ID|SRC_RESOURCE_ID)\\)");

  @Override
  public String inspect(String sql) {
    if (!sql.contains("HFJ_SPIDX_TOKEN") || !namesOneReferencedResource(sql)) {
      return sql;
    }
    var joined = joinedOnResourceId(sql);
    Matcher m = TOKEN_TABLE.matcher(sql);
    var out = new StringBuilder();
    boolean changed = false;
    while (m.find()) {
      if (joined.contains(m.group(1))) {
        m.appendReplacement(out, Matcher.quoteReplacement(m.group() + " USE INDEX (" + TOKEN_BY_RESOURCE_INDEX + ")"));
        changed = true;
      }
    }
    if (!changed) {
      return sql;
    }
    m.appendTail(out);
    return out.toString();
  }

  private static boolean namesOneReferencedResource(String sql) {
    return sql.contains("HFJ_RES_LINK")
        && (sql.contains(".TARGET_RESOURCE_ID = ?") || sql.contains(".TARGET_RESOURCE_ID IN ("));
  }

  /** The aliases whose own {@code RES_ID} is joined to another table, in one pass over the statement. */
  private static Set<String> joinedOnResourceId(String sql) {
    var aliases = new HashSet<String>();
    var m = RESOURCE_ID_JOIN.matcher(sql);
    while (m.find()) {
      if (m.group(2).equals("RES_ID")) {
        aliases.add(m.group(1));
      }
      if (m.group(4).equals("RES_ID")) {
        aliases.add(m.group(3));
      }
    }
    return aliases;
  }
}
