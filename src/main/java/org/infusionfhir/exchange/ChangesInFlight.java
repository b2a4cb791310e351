package org.infusionfhir.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.entity.PersistedResourceModifiedMessageEntityPK;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.subscription.api.IResourceModifiedMessagePersistenceSvc;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.infusionfhir.server.PeriodicWork;
import org.infusionfhir.server.ServerInterceptor;
import org.infusionfhir.server.storage.ClusterLock;
import org.infusionfhir.server.storage.ReplicaLease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.ClassUtils;

/**
 * A change (a write a Subscription may match) stays in the database until it has been matched. HAPI keeps each
 * change as a row of HFJ_RESOURCE_MODIFIED in the write's transaction, but deletes the row when it hands the
 * change to the matching queue, which is in memory: a replica killed before it matched lost the change, and every
 * notification of it. Here the row moves, in the transaction of that delete, to {@code infusion_change_in_flight}
 * with the replica's name, and leaves it when the matcher has checked the change against every Subscription (and
 * put each delivery in the outbox). A change whose replica is gone goes back to HAPI's table, and HAPI hands it out
 * again. A replica that died between the outbox and this table's delete has the change matched twice: the
 * notification may then go out twice (at least once).
 */
@Interceptor
public class ChangesInFlight extends PeriodicWork implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(ChangesInFlight.class);
  /** A change its live replica never finished (the resource was gone when it was matched) is dropped after this. */
  static final Duration ABANDONED_AFTER = Duration.ofHours(1);

  private final JdbcTemplate jdbc;
  private final DataSource dataSource;
  private final TransactionTemplate transactions;
  private final ReplicaLease lease;
  private final FhirContext fhir;
  private final Duration period;
  private final Clock clock;

  public ChangesInFlight(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, ReplicaLease lease,
      FhirContext fhir, Duration period, Clock clock) {
    super("changes-in-flight", "requeue the change messages of replicas that stopped");
    this.jdbc = jdbc;
    this.dataSource = jdbc.getDataSource();
    this.transactions = new TransactionTemplate(transactionManager);
    this.lease = lease;
    this.fhir = fhir;
    this.period = period;
    this.clock = clock;
  }

  /** HAPI's delete of a change it hands to this replica's matching queue: the row moves here in the same transaction. */
  boolean take(PersistedResourceModifiedMessageEntityPK key, IResourceModifiedMessagePersistenceSvc hapi) {
    var row = jdbc.queryForList("SELECT SUMMARY_MESSAGE, CREATED_TIME FROM HFJ_RESOURCE_MODIFIED"
        + " WHERE RES_ID = ? AND RES_VER = ? AND RESOURCE_TYPE = ?", key.getResourcePid(), key.getResourceVersion(),
        key.getResourceType());
    boolean taken = hapi.deleteByPK(key);
    if (taken && !row.isEmpty()) {
      jdbc.update("INSERT INTO infusion_change_in_flight (res_id, res_ver, resource_type, summary_message,"
              + " created_time, replica, since) VALUES (?, ?, ?, ?, ?, ?, ?)", key.getResourcePid(),
          key.getResourceVersion(), key.getResourceType(), row.get(0).get("SUMMARY_MESSAGE"),
          row.get(0).get("CREATED_TIME"), lease.self(), clock.millis());
    }
    return taken;
  }

  /** The matcher has checked the change against every Subscription (and queued what matched): it is done. */
  @Hook(Pointcut.SUBSCRIPTION_AFTER_PERSISTED_RESOURCE_CHECKED)
  public void matched(ResourceModifiedMessage message) {
    var id = message.getPayloadId(fhir);
    if (id == null || !id.hasIdPart()) {
      return;
    }
    jdbc.update("DELETE FROM infusion_change_in_flight WHERE res_id = ? AND res_ver = ? AND resource_type = ?",
        id.getIdPart(), id.getVersionIdPart(), id.getResourceType());
  }

  @Override
  protected Duration period() {
    return period;
  }

  @Override
  protected void round() {
    requeueLost();
  }

  /** Hands the changes of replicas that are gone back to HAPI; returns how many. One replica at a time does it. */
  public int requeueLost() {
    var replicas = jdbc.queryForList("SELECT DISTINCT replica FROM infusion_change_in_flight", String.class);
    if (replicas.isEmpty()) {
      return 0;
    }
    int requeued = 0;
    try (var turn = ClusterLock.tryTake(dataSource, "requeuing change messages")) {
      if (turn == null) {
        return 0;
      }
      for (var replica : replicas) {
        if (!lease.alive(replica)) {
          requeued += requeue(replica);
        }
      }
      int dropped = jdbc.update("DELETE FROM infusion_change_in_flight WHERE since < ?",
          clock.millis() - ABANDONED_AFTER.toMillis());
      if (dropped > 0) {
        log.warn("Dropped {} change message(s) their replica took more than {} ago and never finished", dropped,
            ABANDONED_AFTER);
      }
    }
    return requeued;
  }

  private int requeue(String replica) {
    Integer moved = transactions.execute(status -> {
      int back = jdbc.update("INSERT INTO HFJ_RESOURCE_MODIFIED (RES_ID, RES_VER, RESOURCE_TYPE, SUMMARY_MESSAGE,"
          + " CREATED_TIME) SELECT f.res_id, f.res_ver, f.resource_type, f.summary_message, f.created_time"
          + " FROM infusion_change_in_flight f WHERE f.replica = ? AND NOT EXISTS (SELECT 1 FROM HFJ_RESOURCE_MODIFIED m"
          + " WHERE m.RES_ID = f.res_id AND m.RES_VER = f.res_ver AND m.RESOURCE_TYPE = f.resource_type)", replica);
      jdbc.update("DELETE FROM infusion_change_in_flight WHERE replica = ?", replica);
      return back;
    });
    if (moved != null && moved > 0) {
      log.info("Requeued {} change message(s) replica {} took for matching and did not finish", moved, replica);
    }
    return moved == null ? 0 : moved;
  }

  /** Wraps HAPI's change message store so that its delete on hand-out goes through {@link #take}. */
  public static final class Recording implements BeanPostProcessor {
    private final ObjectProvider<ChangesInFlight> changes;

    public Recording(ObjectProvider<ChangesInFlight> changes) {
      this.changes = changes;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String name) {
      if (!(bean instanceof IResourceModifiedMessagePersistenceSvc hapi) || Proxy.isProxyClass(bean.getClass())) {
        return bean;
      }
      var interfaces = ClassUtils.getAllInterfacesForClass(bean.getClass(), getClass().getClassLoader());
      return Proxy.newProxyInstance(getClass().getClassLoader(), interfaces, (proxy, method, args) -> {
        if (method.getName().equals("deleteByPK") && args[0] instanceof PersistedResourceModifiedMessageEntityPK key) {
          return changes.getObject().take(key, hapi);
        }
        try {
          return method.invoke(hapi, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      });
    }
  }
}
