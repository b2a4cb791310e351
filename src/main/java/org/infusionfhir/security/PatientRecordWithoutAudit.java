package org.infusionfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters.ExportStyle;
import ca.uhn.fhir.util.SearchParameterUtil;
import java.util.ArrayList;
import java.util.Set;
import org.hl7.fhir.r4.model.Parameters;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Keeps the audit trail out of a patient's record as {@code Patient/[id]/$everything} and a patient-level
 * {@code $export} return it. An AuditEvent references the patient it is about, and HAPI's everything query
 * returns whatever references the patient, so every {@code $everything} would otherwise return its own
 * and all earlier audit records, growing with each call, and a patient-scoped client would be refused
 * the whole answer for the AuditEvents in it.
 *
 * <p>HAPI 8.8 keeps one list of types "omitted from the patient compartment" (Group and List, HAPI issue
 * 7118): the everything query excludes them in SQL, and {@code Patient/$export} leaves them out and refuses
 * them in {@code _type}. AuditEvent joins that list. Audit records are read through {@code AuditEvent?}
 * searches or a system-level {@code $export?_type=AuditEvent}; {@code Group/[id]/$export}, which HAPI does
 * not filter by that list, leaves AuditEvents out unless {@code _type} asks for them.
 */
@Component
@Interceptor
public class PatientRecordWithoutAudit implements ServerInterceptor {

  private static final String TYPE = "AuditEvent";

  public PatientRecordWithoutAudit() {
    // HAPI reads this map on every everything query and export; it lives as long as the JVM, and every
    // server context in it wants the same entry.
    SearchParameterUtil.RESOURCE_TYPES_TO_SP_TO_OMIT_FROM_PATIENT_COMPARTMENT
        .putIfAbsent(TYPE, Set.of("patient", "entity", "agent"));
  }

  @Hook(Pointcut.STORAGE_INITIATE_BULK_EXPORT)
  public void leaveAuditOutOfGroupExports(BulkExportJobParameters params, RequestDetails request) {
    if (params.getExportStyle() == ExportStyle.GROUP && params.getResourceTypes().contains(TYPE)
        && !askedForTypes(request)) {
      var types = new ArrayList<>(params.getResourceTypes());
      types.remove(TYPE);
      params.setResourceTypes(types);
    }
  }

  private static boolean askedForTypes(RequestDetails request) {
    if (request == null) {
      return false;
    }
    if (request.getParameters() != null && request.getParameters().containsKey("_type")) {
      return true;
    }
    return request.getResource() instanceof Parameters parameters && parameters.getParameter("_type") != null;
  }
}
