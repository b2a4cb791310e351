package org.infusionfhir.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.infusionfhir.security.RegisteredClients;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.security.web.SecurityFilterChain;

/** {@code infusion.workspace.enabled=false}: no app registered, no page served, no filter chain of its own. */
class WorkspaceSwitchTest {

  @Test
  void switchedOffTheWorkspaceIsNeitherRegisteredNorServed() {
    new WebApplicationContextRunner().withUserConfiguration(WorkspaceConfig.class)
        .withPropertyValues("infusion.workspace.enabled=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(WorkspaceConfig.class);
          assertThat(context).doesNotHaveBean(RegisteredClients.Client.class);
          assertThat(context).doesNotHaveBean(SecurityFilterChain.class);
        });
  }
}
