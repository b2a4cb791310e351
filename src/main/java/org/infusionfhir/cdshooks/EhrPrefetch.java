package org.infusionfhir.cdshooks;

import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceMethod;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchDaoSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchFhirClientSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsResolutionStrategySvc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HAPI's prefetch, limited. On this server's own base the service reads its own storage and needs no
 * prefetch. From another server it fetches a missing prefetch itself (with the EHR's
 * {@code fhirAuthorization}) only when that server is configured in {@code infusion.cds-hooks.ehr-fhir-servers}:
 * otherwise any caller could make this server send requests to an address of its choosing.
 */
class EhrPrefetch extends CdsPrefetchSvc {

  private static final Logger log = LoggerFactory.getLogger(EhrPrefetch.class);

  private final OwnServer ownServer;
  private final CdsHooksProperties properties;

  EhrPrefetch(CdsPrefetchDaoSvc dao, CdsPrefetchFhirClientSvc client, OwnServer ownServer,
      CdsHooksProperties properties) {
    // No DAO registry for the strategy: a missing prefetch is never read from our storage by template.
    super(new CdsResolutionStrategySvc(null), dao, client, resource -> { }, null);
    this.ownServer = ownServer;
    this.properties = properties;
  }

  @Override
  public void augmentRequest(CdsServiceRequestJson request, ICdsServiceMethod method) {
    if (ownServer.isOurs(request.getFhirServer())) {
      return;
    }
    if (!properties.mayFetchFrom(request.getFhirServer())) {
      if (!findMissingPrefetch(method.getCdsServiceJson(), request).isEmpty()) {
        log.info("CDS Hooks call {}: no prefetch sent, and {} is not in infusion.cds-hooks.ehr-fhir-servers, "
            + "so it is not fetched", request.getHookInstance(), request.getFhirServer());
      }
      return;
    }
    super.augmentRequest(request, method);
  }
}
