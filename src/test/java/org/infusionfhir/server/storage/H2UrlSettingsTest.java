package org.infusionfhir.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class H2UrlSettingsTest {

  @Test
  void anH2UrlGetsTheSettingsItDoesNotNameAndKeepsThoseItDoes() {
    assertThat(H2UrlSettings.withDefaults("jdbc:h2:file:./data/infusion-fhir;DB_CLOSE_ON_EXIT=FALSE"))
        .isEqualTo("jdbc:h2:file:./data/infusion-fhir;DB_CLOSE_ON_EXIT=FALSE"
            + ";MAX_LENGTH_INPLACE_LOB=16384;WRITE_DELAY=0");
    var own = "jdbc:h2:mem:x;max_length_inplace_lob=512;write_delay=100";
    assertThat(H2UrlSettings.withDefaults(own)).isEqualTo(own);
  }

  @Test
  void otherDatabasesAreLeftAlone() {
    var url = "jdbc:postgresql://db:5432/fhir?ApplicationName=x;MAX_LENGTH_INPLACE_LOB=1";
    assertThat(H2UrlSettings.withDefaults(url)).isSameAs(url);
  }
}
