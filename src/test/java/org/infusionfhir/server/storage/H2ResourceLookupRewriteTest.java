package org.infusionfhir.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class H2ResourceLookupRewriteTest {

  private final H2ResourceLookupRewrite rewrite = new H2ResourceLookupRewrite();

  @Test
  void anOrOfTypeAndIdPairsBecomesARowValueInListWithThePlaceholdersInOrder() {
    var sql = "select rt1_0.RES_ID,rt1_0.RES_TYPE from HFJ_RESOURCE rt1_0 where (rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=? "
        + "or rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=? or rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=?)";
    assertThat(rewrite.inspect(sql)).isEqualTo("select rt1_0.RES_ID,rt1_0.RES_TYPE from HFJ_RESOURCE rt1_0 where "
        + "((rt1_0.RES_TYPE,rt1_0.FHIR_ID) in ((?,?),(?,?),(?,?)))");
  }

  @Test
  void otherStatementsAndASinglePairAreLeftAlone() {
    var single = "select rt1_0.RES_ID from HFJ_RESOURCE rt1_0 where (rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=?)";
    assertThat(rewrite.inspect(single)).isEqualTo(single);
    var other = "select x from HFJ_SPIDX_TOKEN t where (t.HASH_IDENTITY=? or t.HASH_VALUE=?)";
    assertThat(rewrite.inspect(other)).isEqualTo(other);
  }
}
