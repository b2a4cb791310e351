package org.infusionfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.common.hapi.validation.validator.WorkerContextValidationSupportAdapter;
import org.junit.jupiter.api.Test;

/** Reused core validators keep what each run leaves behind, so each is retired after its share. */
class InstanceValidatorPoolTest {

  @Test
  void aValidatorIsLentAgainUntilItHasReadItsShareOfResourceText() {
    var chain = OfflineValidator.fromBundledPackage(FhirContext.forR4Cached()).supportChain();
    var worker = WorkerContextValidationSupportAdapter.newVersionSpecificWorkerContextWrapper(chain);
    var settings = InstanceValidatorPool.Settings.of(OfflineValidator.configure(new FhirInstanceValidator(chain)));
    var pool = new InstanceValidatorPool(worker, settings);

    var first = pool.borrow();
    first.beginValidation(1_500);
    pool.giveBack(first);
    assertThat(pool.borrow()).isSameAs(first);

    first.beginValidation((int) InstanceValidatorPool.RETIRE_AFTER_CHARS);
    pool.giveBack(first);
    assertThat(pool.idleCount()).isZero();
    assertThat(pool.borrow()).isNotSameAs(first);
  }
}
