package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import org.infusionfhir.server.hardening.FhirPathRegexInterceptor;
import org.infusionfhir.server.hardening.PayloadSafetyInterceptor;
import org.infusionfhir.server.storage.EmptyTypeReindexSkip;
import org.junit.jupiter.api.Test;

class HookPlacementTest {

  static class RequestOnly {
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void request() {}
  }

  static class WritesOnly {
    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void created() {}
  }

  static class RequestAndReads {
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void request() {}

    @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
    public void reads() {}
  }

  static class RequestAndWrites extends RequestOnly {
    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated() {}
  }

  @Test
  void anInterceptorWithOnlyServerHooksGoesToTheRestfulServer() {
    assertThat(HookPlacement.of(RequestOnly.class)).isEqualTo(HookPlacement.REST_SERVER);
    assertThat(HookPlacement.of(PayloadSafetyInterceptor.class)).isEqualTo(HookPlacement.REST_SERVER);
  }

  @Test
  void anInterceptorWithoutServerHooksGoesToStorageWhereEveryWriteMeetsIt() {
    assertThat(HookPlacement.of(WritesOnly.class)).isEqualTo(HookPlacement.STORAGE);
    assertThat(HookPlacement.of(EmptyTypeReindexSkip.class)).isEqualTo(HookPlacement.STORAGE);
    assertThat(HookPlacement.of(FhirPathRegexInterceptor.StoredExpressions.class)).isEqualTo(HookPlacement.STORAGE);
  }

  @Test
  void requestScopedReadHooksMayRideOnARestInterceptor() {
    assertThat(HookPlacement.of(RequestAndReads.class)).isEqualTo(HookPlacement.REST_SERVER);
  }

  @Test
  void hapisOwnRestInterceptorsStayOnTheRestfulServerWithTheirWriteHooks() {
    // AuthorizationInterceptor authorizes the REST caller in its STORAGE_PRESTORAGE hooks.
    assertThat(HookPlacement.of(AuthorizationInterceptor.class)).isEqualTo(HookPlacement.REST_SERVER);
  }

  @Test
  void writeHooksBesideServerHooksAreRefusedAtStartUp() {
    assertThatThrownBy(() -> HookPlacement.of(RequestAndWrites.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("RequestAndWrites")
        .hasMessageContaining("STORAGE_PRECOMMIT_RESOURCE_UPDATED");
  }
}
