package org.infusionfhir.server.hardening;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.r4.model.Bundle;
import org.springframework.stereotype.Component;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Caps the entries of one transaction or batch Bundle ({@code infusion.limits.max-bundle-entries}), so
 * that one request cannot hold the database in a single huge transaction.
 */
@Component
@Interceptor
public class BundleSizeInterceptor implements ServerInterceptor {

  private final int maxEntries;

  public BundleSizeInterceptor(RequestLimitsProperties limits) {
    this.maxEntries = limits.maxBundleEntries();
  }

  /**
   * A limit on what clients send: the server's own transactions (the intake's, {@code load}'s) are not
   * client requests, and arrive here without servlet request details.
   */
  @Hook(Pointcut.STORAGE_TRANSACTION_PROCESSING)
  public void checkEntryCount(IBaseBundle bundle, ServletRequestDetails clientRequest) {
    if (clientRequest != null && bundle instanceof Bundle r4 && r4.getEntry().size() > maxEntries) {
      throw new PayloadTooLargeException(
          "Bundle." + r4.getType().toCode() + " has " + r4.getEntry().size()
              + " entries; the limit is " + maxEntries + ". Split it into smaller Bundles.");
    }
  }
}
