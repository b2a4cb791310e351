package org.infusionfhir.server.storage;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import javax.sql.DataSource;
import java.net.InetAddress;
import java.util.UUID;
import java.time.Duration;
import org.infusionfhir.server.PeriodicWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's name, and whether a replica is alive. The name (process id, host and a random part, new at
 * every start) marks the claims a replica holds on shared work: subscription deliveries, batch work.
 *
 * <p>Whether a replica is alive: On PostgreSQL each replica holds an advisory lock named after itself for as long as
 * it runs, on a connection of its own; the database drops it when the process dies (kill -9 included), so a
 * replica whose lock another can take is gone. On H2 there is one process: any replica but this one is an
 * earlier run of it. A lock lost with its connection (the database restarted, or was out of reach) is taken
 * again within {@link #RENEWAL} of the database being back.
 */
public class ReplicaLease extends PeriodicWork {

  static final Duration RENEWAL = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(ReplicaLease.class);

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
    super("replica-lease", "hold this replica's lease");
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

  /** The name of the lock {@code replica} holds while it runs. */
  public static String lockName(String replica) {
    return "replica " + replica;
  }

  @Override
  public void start() {
    if (shared) {
      held = ClusterLock.tryTake(dataSource, lockName(self));
      log.info("This replica is {}", self);
      super.start();
    }
  }

  @Override
  protected Duration period() {
    return RENEWAL;
  }

  /** Takes the lock again if its connection is gone (the database went away and came back). */
  @Override
  protected void round() {
    var lock = held;
    if (lock != null && lock.stillHeld()) {
      return;
    }
    if (lock != null) {
      held = null;
      lock.close();
    }
    held = ClusterLock.tryTake(dataSource, lockName(self));
    log.info("Replica lease of {} {}", self, held != null ? "taken again" : "held by another process");
  }

  @Override
  public void stop() {
    if (shared) {
      super.stop();
    }
    if (held != null) {
      held.close();
      held = null;
    }
  }

  @Override
  public boolean isRunning() {
    return !shared || super.isRunning();
  }

  /** Early: held before the takeover pass or HAPI's workers start. */
  @Override
  public int getPhase() {
    return Integer.MIN_VALUE + 1000;
  }
}
