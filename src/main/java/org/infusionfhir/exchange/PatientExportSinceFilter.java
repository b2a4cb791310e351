package org.infusionfhir.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters.ExportStyle;
import java.util.ArrayList;
import java.util.Date;
import org.hl7.fhir.r4.model.InstantType;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Makes {@code Patient/$export?_since=} return only what changed since then. HAPI 8.8 applies
 * {@code _since} to system and Group exports but drops it for Patient-level ones, so an EHR syncing
 * incrementally got every resource every time. Here the window becomes a {@code _lastUpdated} type filter
 * on each exported type, which HAPI does apply.
 */
@Component
public class PatientExportSinceFilter implements ServerInterceptor {

  @Hook(Pointcut.STORAGE_INITIATE_BULK_EXPORT)
  public void applySince(BulkExportJobParameters params) {
    if (params.getExportStyle() != ExportStyle.PATIENT
        || (params.getSince() == null && params.getUntil() == null)) {
      return;
    }
    var window = lastUpdated(params.getSince(), params.getUntil());
    var filters = new ArrayList<String>();
    for (var type : params.getResourceTypes()) {
      var own = params.getFilters().stream().filter(f -> f.startsWith(type + "?")).toList();
      if (own.isEmpty()) {
        filters.add(type + "?" + window);
      } else {
        own.forEach(f -> filters.add(f + "&" + window));
      }
    }
    params.getFilters().stream().filter(f -> !f.contains("?")).forEach(filters::add);
    params.setFilters(filters);
  }

  private static String lastUpdated(Date since, Date until) {
    var parts = new ArrayList<String>();
    if (since != null) {
      parts.add("_lastUpdated=ge" + utc(since));
    }
    if (until != null) {
      parts.add("_lastUpdated=le" + utc(until));
    }
    return String.join("&", parts);
  }

  /** UTC with a Z: a '+01:00' offset would read as a space once the filter URL is decoded. */
  private static String utc(Date date) {
    var instant = new InstantType(date);
    instant.setTimeZoneZulu(true);
    return instant.getValueAsString();
  }
}
