package org.infusionfhir.server.hardening;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadSafetyInterceptorTest {

  @Test
  void bracketsInsideStringsDoNotCountAsNesting() {
    var json = "{\"a\":\"[[[[[[[[[[{{{{{{{{\\\"]]]\",\"b\":[1,[2]]}";
    assertThatCode(() -> PayloadSafetyInterceptor.checkJsonDepth(json.getBytes(StandardCharsets.UTF_8), 3))
        .doesNotThrowAnyException();
  }

  @Test
  void nestingOneLevelPastTheLimitIsRefusedWithItsOffset() {
    var json = "{\"a\":[{\"b\":[]}]}";
    assertThatCode(() -> PayloadSafetyInterceptor.checkJsonDepth(json.getBytes(StandardCharsets.UTF_8), 4))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> PayloadSafetyInterceptor.checkJsonDepth(json.getBytes(StandardCharsets.UTF_8), 3))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("limit of 3")
        .hasMessageContaining("byte offset 11");
  }

  @Test
  void aNumberWhoseExponentIsBeyondAThousandIsRefused() {
    for (var fine : new String[] {"{\"v\":1e1000}", "{\"v\":-2.5E-1000}", "{\"v\":\"0.1e-999999999\"}", "{\"e\":5}"}) {
      assertThatCode(() -> PayloadSafetyInterceptor.checkJsonDepth(fine.getBytes(StandardCharsets.UTF_8), 3))
          .as(fine).doesNotThrowAnyException();
    }
    for (var huge : new String[] {"{\"v\":0.1e-999999999}", "{\"v\":1E+1001}", "[1.e99999]"}) {
      assertThatThrownBy(() -> PayloadSafetyInterceptor.checkJsonDepth(huge.getBytes(StandardCharsets.UTF_8), 3))
          .as(huge).isInstanceOf(InvalidRequestException.class).hasMessageContaining("exponent");
    }
  }

  @Test
  void anEmptyPropertyNameIsRefusedAndAnEmptyStringValueIsNot() {
    assertThatCode(() -> PayloadSafetyInterceptor.checkJsonDepth("{\"a\":\"\",\"b\":[\"\", \"\"]}"
        .getBytes(StandardCharsets.UTF_8), 3)).doesNotThrowAnyException();
    assertThatThrownBy(() -> PayloadSafetyInterceptor.checkJsonDepth("{\"a\":{\"\" : 1}}".getBytes(StandardCharsets.UTF_8), 3))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("property name is empty");
  }

  @Test
  void aMetaTheValidatorCannotReadIsRefusedBeforeValidation() {
    for (var fine : new String[] {"{\"resourceType\":\"Patient\"}", "{\"meta\":{}}", "{\"meta\":{\"profile\":[\"http://x\"]}}",
        "[1]", "not json"}) {
      assertThatCode(() -> PayloadSafetyInterceptor.checkMetaForValidator(fine.getBytes(StandardCharsets.UTF_8)))
          .as(fine).doesNotThrowAnyException();
    }
    for (var odd : new String[] {"{\"meta\":\"0000-00-00\"}", "{\"meta\":{\"profile\":\"http://x\"}}",
        "{\"meta\":{\"profile\":[{}]}}"}) {
      assertThatThrownBy(() -> PayloadSafetyInterceptor.checkMetaForValidator(odd.getBytes(StandardCharsets.UTF_8)))
          .as(odd).isInstanceOf(InvalidRequestException.class).hasMessageContaining("meta");
    }
  }
}
