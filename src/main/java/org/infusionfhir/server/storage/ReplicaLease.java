package org.infusionfhir.server.storage;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import javax.sql.DataSource;
import java.net.InetAddress;
import java.util.UUID;
import org.springframework.context.SmartLifecycle;

/**
 * This replica's name, and whether a replica is alive. The name (process id, host and a random part, new at
 * every start) marks the claims a replica holds on shared work: subscription deliveries, batch work.
 *
 * <p>Whether a replica is alive: On PostgreSQL each replica holds an advisory lock named after itself for as long as
 * it runs, on a connection of its own; the database drops it when the process dies (kill -9 included), so a
 * replica whose lock another can take is gone. On H2 there is one process: any replica but this one is an
 * earlier run of it.
 */
public class ReplicaLease implements SmartLifecycle {

  private final DataSource dataSource;
  private final String self;
  private final boolean shared;
  private volatile ClusterLock held;

  public ReplicaLease(DataSource dataSource) {
    this(dataSource, ProcessHandle.current().pid() + "@" + hostName() + "/"
        + UUID.randomUUID().toString().substring(0, 8));
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }

  ReplicaLease(DataSource dataSource, String self) {
    this.dataSource = dataSource;
    this.self = self;
    this.shared = SchemaMigrations.driverOf(dataSource) == DriverTypeEnum.POSTGRES_9_4;
  }

  public String self() {
    return self;
  }

  /** Whether {@code replica} still runs: this one does; another does while its lock cannot be taken. */
  public boolean alive(String replica) {
    if (replica.equals(self)) {
      return true;
    }
    if (!shared) {
      return false;
    }
    try (var lock = ClusterLock.tryTake(dataSource, lockName(replica))) {
      return lock == null;
    }
  }

  private static String lockName(String replica) {
    return "replica " + replica;
  }

  @Override
  public void start() {
    if (shared) {
      held = ClusterLock.tryTake(dataSource, lockName(self));
    }
  }

  @Override
  public void stop() {
    if (held != null) {
      held.close();
      held = null;
    }
  }

  @Override
  public boolean isRunning() {
    return !shared || held != null;
  }

  /** Early: held before the takeover pass or HAPI's workers start. */
  @Override
  public int getPhase() {
    return Integer.MIN_VALUE + 1000;
  }
}
