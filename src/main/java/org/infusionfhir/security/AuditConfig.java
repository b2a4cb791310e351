package org.infusionfhir.security;

import ca.uhn.fhir.context.FhirContext;
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
      FhirContext fhirContext) {
    // HAPI's parser drops versions from references unless told otherwise, and would store
    // "Patient/x" where the audit says "Patient/x/_history/3".
    var keepVersions = new HashSet<>(fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
    keepVersions.add(ENTITY_PATH);
    fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(keepVersions);

    return new TransactionAudit(writer, properties);
  }

  /** AuditEvents are refused to every writer but the audit itself, on every path into storage. */
  @Bean
  public AuditEventGuard.StorageHooks auditEventStorageHooks(AuditEventGuard guard) {
    return guard.storageHooks();
  }
}
