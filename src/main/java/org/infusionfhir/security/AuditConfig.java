package org.infusionfhir.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import java.util.HashSet;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the audit trail into storage: the transaction audit and the AuditEvent guard go to the JPA
 * interceptor service, which sees every write whatever its origin ({@link AuditTrail},
 * {@link AuditEventGuard}'s REST hooks and {@link PatientRecordWithoutAudit} reach the REST server as
 * {@code ServerInterceptor}s).
 */
@Configuration
public class AuditConfig {

  /** Where an AuditEvent names what it is about; the versions there are kept (see {@link AuditedEntities}). */
  static final String ENTITY_PATH = "AuditEvent.entity.what";

  @Bean
  public TransactionAudit transactionAudit(AuditWriter writer, AuditProperties properties,
      IInterceptorService storageInterceptors, AuditEventGuard guard, FhirContext fhirContext) {
    // HAPI's parser drops versions from references unless told otherwise, and would store
    // "Patient/x" where the audit says "Patient/x/_history/3".
    var keepVersions = new HashSet<>(fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
    keepVersions.add(ENTITY_PATH);
    fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(keepVersions);

    storageInterceptors.registerInterceptor(guard.storageHooks());
    var audit = new TransactionAudit(writer, properties);
    storageInterceptors.registerInterceptor(audit);
    return audit;
  }
}
