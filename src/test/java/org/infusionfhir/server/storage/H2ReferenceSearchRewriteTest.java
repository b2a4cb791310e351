package org.infusionfhir.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class H2ReferenceSearchRewriteTest {

  private final H2ReferenceSearchRewrite rewrite = new H2ReferenceSearchRewrite();

  /** HAPI 8.8's SQL for Observation?subject=Patient/x&category=vital-signs&date=ge…&date=lt…, as it logs it. */
  private static final String VITALS_WINDOW = "SELECT t1.RES_ID FROM HFJ_RESOURCE t1 INNER JOIN HFJ_SPIDX_TOKEN t0 "
      + "ON (t1.RES_ID = t0.RES_ID) INNER JOIN HFJ_SPIDX_DATE t2 ON (t1.RES_ID = t2.RES_ID) INNER JOIN HFJ_RES_LINK t3 "
      + "ON (t1.RES_ID = t3.SRC_RESOURCE_ID) WHERE ((t0.HASH_VALUE = ?) AND (((t2.HASH_IDENTITY = ?) AND "
      + "(t2.SP_VALUE_HIGH >= ?)) AND (t2.SP_VALUE_LOW <= ?)) AND ((t3.SRC_PATH = ?) AND (t3.TARGET_RESOURCE_ID = ?))) "
      + "fetch first ? rows only";

  @Test
  void aTokenJoinedOnResourceIdInASearchForOneReferencedResourceIsReadThroughItsResourceIndex() {
    assertThat(rewrite.inspect(VITALS_WINDOW)).isEqualTo(VITALS_WINDOW.replace("INNER JOIN HFJ_SPIDX_TOKEN t0 ON",
        "INNER JOIN HFJ_SPIDX_TOKEN t0 USE INDEX (IDX_SP_TOKEN_RESID_V2) ON"));
  }

  @Test
  void aTokenThatStartsTheQueryIsHintedWhenItIsJoinedOnResourceId() {
    var sql = "SELECT t0.RES_ID FROM HFJ_SPIDX_TOKEN t0 INNER JOIN HFJ_RES_LINK t1 ON (t0.RES_ID = t1.SRC_RESOURCE_ID) "
        + "WHERE ((t0.HASH_SYS_AND_VALUE = ?) AND ((t1.SRC_PATH = ?) AND (t1.TARGET_RESOURCE_ID IN (?,?))))";
    assertThat(rewrite.inspect(sql)).startsWith(
        "SELECT t0.RES_ID FROM HFJ_SPIDX_TOKEN t0 USE INDEX (IDX_SP_TOKEN_RESID_V2) INNER JOIN HFJ_RES_LINK t1");
  }

  @Test
  void searchesWithoutOneReferencedResourceAndTokensInSubSelectsAreLeftAlone() {
    var byCategoryOnly = "SELECT t0.RES_ID FROM HFJ_SPIDX_TOKEN t0 INNER JOIN HFJ_SPIDX_DATE t1 "
        + "ON (t0.RES_ID = t1.RES_ID) WHERE ((t0.HASH_VALUE = ?) AND (t1.HASH_IDENTITY = ?))";
    assertThat(rewrite.inspect(byCategoryOnly)).isEqualTo(byCategoryOnly);
    // Not joined on RES_ID: hinting it would turn a hash lookup into a scan of the whole index.
    var subSelect = "SELECT t1.SRC_RESOURCE_ID FROM HFJ_RES_LINK t1 WHERE ((t1.TARGET_RESOURCE_ID = ?) AND "
        + "(t1.SRC_RESOURCE_ID NOT IN (SELECT t2.RES_ID FROM HFJ_SPIDX_TOKEN t2 WHERE (t2.HASH_SYS_AND_VALUE = ?))))";
    assertThat(rewrite.inspect(subSelect)).isEqualTo(subSelect);
    var hinted = rewrite.inspect(VITALS_WINDOW);
    assertThat(rewrite.inspect(hinted)).isEqualTo(hinted);
    var insert = "insert into HFJ_SPIDX_TOKEN (HASH_IDENTITY,RES_ID) values (?,?)";
    assertThat(rewrite.inspect(insert)).isEqualTo(insert);
  }
}
