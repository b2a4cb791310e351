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
}
