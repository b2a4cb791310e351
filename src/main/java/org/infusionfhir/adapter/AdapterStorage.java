package org.infusionfhir.adapter;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.hl7.fhir.r4.model.Bundle;
import org.infusionfhir.ig.ProfileValidationInterceptor;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.stereotype.Component;

/**
 * The adapters' one door to storage: HAPI's system DAO, the same transaction path a REST client's
 * transaction Bundle takes. It returns after the transaction has committed, which is what lets an
 * HL7 v2 AA or an intake 200 mean "stored".
 */
@Component
public class AdapterStorage {

  /**
   * {@code infusion.adapters.*}.
   *
   * @param validate validate what the adapters write against our profiles, like any other write. Off by
   *     default: the mappings are code whose output the test suite validates, and HAPI 8.8's validator
   *     costs about 20 ms per resource, which would cap monitor ingest far below what a clinic sends
   */
  @ConfigurationProperties("infusion.adapters")
  public record Properties(@DefaultValue("false") boolean validate) {}

  private final IFhirSystemDao<Bundle, ?> systemDao;
  private final Properties properties;

  public AdapterStorage(IFhirSystemDao<Bundle, ?> systemDao, Properties properties) {
    this.systemDao = systemDao;
    this.properties = properties;
  }

  /** A request context for the adapter's reads and its transaction. */
  public RequestDetails newRequest() {
    var request = new SystemRequestDetails();
    if (!properties.validate()) {
      request.getUserData().put(ProfileValidationInterceptor.MAPPED_BY_ADAPTER, Boolean.TRUE);
    }
    return request;
  }

  /** Commits {@code transaction} atomically and returns HAPI's response Bundle. */
  public Bundle commit(Bundle transaction, RequestDetails request) {
    return systemDao.transaction(request, transaction);
  }
}
