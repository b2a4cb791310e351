package org.infusionfhir.server.storage;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.EnumSet;
import java.util.Set;
import javax.sql.DataSource;
import org.infusionfhir.server.ServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this replica's search-parameter registry as current as the database. HAPI re-reads the SearchParameters
 * of another replica only once a minute (checked every 10 s): until then this replica would refuse a search by a
 * parameter created there (400), and, worse, index the resources written here without it, so a later search
 * would miss them for good. On PostgreSQL (the only database replicas share) this looks at the SearchParameter
 * rows' {@link TypeFingerprint} before every REST request and before every write from any origin, and reloads
 * the registry when they changed. On H2 it does nothing: one process, and HAPI refreshes its registry at once
 * after a write of its own.
 */
public class SearchParameterFreshness {

  private static final Logger log = LoggerFactory.getLogger(SearchParameterFreshness.class);

  /** Requests that read nothing by search parameter: a read, a version read, the next page of a search, metadata. */
  private static final Set<RestOperationTypeEnum> NO_SEARCH = EnumSet.of(RestOperationTypeEnum.READ,
      RestOperationTypeEnum.VREAD, RestOperationTypeEnum.GET_PAGE, RestOperationTypeEnum.METADATA,
      RestOperationTypeEnum.HISTORY_INSTANCE);
  /** Writes not behind a REST request (HL7 v2 over MLLP, say) check at most this often. */
  private static final long WRITE_CHECK_NANOS = 1_000_000_000L;

  private final TypeFingerprint searchParameters;
  private final ISearchParamRegistry registry;
  private final boolean shared;
  private volatile long checkedAt = System.nanoTime() - Long.MAX_VALUE / 2;

  public SearchParameterFreshness(DataSource dataSource, ISearchParamRegistry registry) {
    this.searchParameters = new TypeFingerprint(dataSource, "SearchParameter");
    this.registry = registry;
    this.shared = SchemaMigrations.driverOf(dataSource) == DriverTypeEnum.POSTGRES_9_4;
  }

  /** Reloads the registry if the SearchParameters in the database changed since it was last loaded here. */
  public synchronized void ensureCurrent() {
    if (!shared) {
      return;
    }
    boolean loadedBefore = searchParameters.seenBefore();
    boolean changed = searchParameters.changed();
    checkedAt = System.nanoTime();
    if (changed && loadedBefore) {
      log.info("SearchParameters changed in the database; reloading this replica's search-parameter registry");
      registry.forceRefresh();
    }
  }

  /** {@link #ensureCurrent} unless it ran within the last second. */
  public void ensureCheckedRecently() {
    if (shared && System.nanoTime() - checkedAt > WRITE_CHECK_NANOS) {
      ensureCurrent();
    }
  }

  /**
   * Before a REST request that searches or writes is handled: its parameters are parsed, and what it writes is
   * indexed, with the registry as the database has it now.
   */
  public static final class BeforeRequests implements ServerInterceptor {
    private final SearchParameterFreshness freshness;

    public BeforeRequests(SearchParameterFreshness freshness) {
      this.freshness = freshness;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void beforeHandling(RestOperationTypeEnum operation) {
      if (!NO_SEARCH.contains(operation)) {
        freshness.ensureCurrent();
      }
    }
  }

  /**
   * Before a resource is indexed, whichever way it is written (HL7 v2, the charting app, a load): at most once a
   * second, as a REST write was checked just before.
   */
  public static final class BeforeWrites implements ServerInterceptor {
    private final SearchParameterFreshness freshness;

    public BeforeWrites(SearchParameterFreshness freshness) {
      this.freshness = freshness;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate() {
      freshness.ensureCheckedRecently();
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate() {
      freshness.ensureCheckedRecently();
    }
  }
}
