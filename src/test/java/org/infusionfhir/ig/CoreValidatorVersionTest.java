package org.infusionfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.junit.jupiter.api.Test;

/** The pooled validator runs only on the core validation library it was checked equivalent on. */
class CoreValidatorVersionTest {

  @Test
  void theCoreOnTheClassPathIsTheOneThePoolWasCheckedOn() {
    assertThat(CoreValidatorVersion.onClassPath()).isEqualTo(CoreValidatorVersion.BUILT_FOR).isEqualTo("6.7.9");
    assertThat(OfflineValidator.fromBundledPackage(FhirContext.forR4Cached())).isNotNull();
  }

  @Test
  void anotherCoreVersionIsRefusedWithAMessageSayingWhatToDo() {
    var chain = new ValidationSupportChain(new DefaultProfileValidationSupport(FhirContext.forR4Cached()));
    assertThatThrownBy(() -> new ReusingInstanceValidator(chain, "6.8.0"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("written for org.hl7.fhir.validation 6.7.9 but 6.8.0 is on the class path")
        .hasMessageContaining("run ReusedInstanceValidatorTest on 6.8.0");
    assertThat(new ReusingInstanceValidator(chain, "6.7.9")).isNotNull();
  }
}
