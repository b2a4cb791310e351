package org.infusionfhir.server.spec;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.ConditionalDeleteStatus;
import org.hl7.fhir.r4.model.CapabilityStatement.SystemRestfulInteraction;
import org.springframework.stereotype.Component;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Makes the interactions the CapabilityStatement claims the ones the server answers. HAPI's JPA statement
 * lists {@code transaction} but not {@code batch}, which the same system endpoint serves; it claims
 * {@code conditionalDelete: multiple} though we refuse a conditional delete matching more than one
 * resource; and it lists {@code $expunge} when expunge is switched off. There is no system-level search
 * ({@code GET [base]?...} answers 400), so {@code search-system} stays unlisted.
 */
@Component
@Interceptor
public class CapabilityStatementInteractions implements ServerInterceptor {

  private final JpaStorageSettings storage;

  public CapabilityStatementInteractions(JpaStorageSettings storage) {
    this.storage = storage;
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void claimWhatIsServed(IBaseConformance capabilityStatement) {
    var statement = (CapabilityStatement) capabilityStatement;
    for (var rest : statement.getRest()) {
      var system = rest.getInteraction();
      if (system.stream().anyMatch(i -> i.getCode() == SystemRestfulInteraction.TRANSACTION)
          && system.stream().noneMatch(i -> i.getCode() == SystemRestfulInteraction.BATCH)) {
        rest.addInteraction().setCode(SystemRestfulInteraction.BATCH);
      }
      if (!storage.isExpungeEnabled()) {
        rest.getOperation().removeIf(o -> "expunge".equals(o.getName()));
      }
      for (var resource : rest.getResource()) {
        if (resource.getConditionalDelete() == ConditionalDeleteStatus.MULTIPLE && !storage.isAllowMultipleDelete()) {
          resource.setConditionalDelete(ConditionalDeleteStatus.SINGLE);
        }
        if (!storage.isExpungeEnabled()) {
          resource.getOperation().removeIf(o -> "expunge".equals(o.getName()));
        }
      }
    }
  }
}
