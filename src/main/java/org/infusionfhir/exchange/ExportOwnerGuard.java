package org.infusionfhir.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.provider.ProviderConstants;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.StringType;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * An export's status, its cancel and its files answer only the caller that started it ({@link ExportOwners}).
 * Anyone else gets the 404 of an export or Binary that does not exist, so a job id or file id learnt elsewhere
 * reveals nothing. A patient-context token reads no Binary at all but the files of its own exports: SMART's
 * patient scopes reach Binaries only for those.
 */
@Component
public class ExportOwnerGuard implements ServerInterceptor {

  private final ExportOwners owners;

  public ExportOwnerGuard(ExportOwners owners) {
    this.owners = owners;
  }

  /** {@code $export-poll-status}, GET (status, manifest) and DELETE (cancel) alike. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void statusForTheStarterOnly(RequestDetails request) {
    if (!ProviderConstants.OPERATION_EXPORT_POLL_STATUS.equals(request.getOperation())) {
      return;
    }
    var caller = ExportOwners.Caller.current();
    var ids = request.getParameters().get(JpaConstants.PARAM_EXPORT_POLL_STATUS_JOB_ID);
    if (caller == null || ids == null || ids.length != 1) {
      // No token (authorization off), or no single job id, which HAPI refuses itself.
      return;
    }
    if (!owners.startedBy(ids[0], caller)) {
      throw new ResourceNotFoundException("no export job " + ids[0] + " started by this client");
    }
  }

  /** Binary reads, searches and history over REST: export files only for their job's starter. */
  @Hook(Pointcut.STORAGE_PREACCESS_RESOURCES)
  public void filesForTheStarterOnly(IPreResourceAccessDetails details, RequestDetails request) {
    var caller = ExportOwners.Caller.current();
    if (caller == null) {
      return;
    }
    for (int i = 0; i < details.size(); i++) {
      if (details.getResource(i) instanceof Binary binary && !mayRead(binary, caller)) {
        var operation = request.getRestOperationType();
        if (operation == RestOperationTypeEnum.READ || operation == RestOperationTypeEnum.VREAD) {
          // As HAPI answers a Binary that is not there.
          throw new ResourceNotFoundException(binary.getIdElement().toUnqualifiedVersionless());
        }
        details.setDontReturnResourceAtIndex(i);
      }
    }
  }

  private boolean mayRead(Binary binary, ExportOwners.Caller caller) {
    var job = exportJobOf(binary);
    if (job == null) {
      return caller.patient() == null;
    }
    return owners.startedBy(job, caller);
  }

  /** HAPI marks each export file with its job's instance id in {@code Binary.meta}. */
  private static String exportJobOf(IBaseResource binary) {
    var extension = ((Binary) binary).getMeta().getExtensionByUrl(JpaConstants.BULK_META_EXTENSION_JOB_ID);
    return extension != null && extension.getValue() instanceof StringType id ? id.getValue() : null;
  }
}
