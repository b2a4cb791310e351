package org.infusionfhir.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Date;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.infusionfhir.support.Postgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.TriggerBuilder;
import org.quartz.spi.OperableTrigger;
import org.quartz.spi.TriggerFiredBundle;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The advisory locks replicas share on PostgreSQL, and HAPI's clustered jobs run under them. */
@ExtendWith(Postgres.class)
class ClusterLockTest {

  static final AtomicInteger RUNS = new AtomicInteger();

  /** A job as HAPI's are: a class Quartz instantiates through the job factory. */
  public static class CountingJob implements Job {
    @Override
    public void execute(JobExecutionContext context) {
      RUNS.incrementAndGet();
    }
  }

  private final DriverManagerDataSource dataSource =
      new DriverManagerDataSource(Postgres.URL, Postgres.USER, Postgres.PASSWORD);

  @Test
  void aLockHeldByOneConnectionIsRefusedToAnotherUntilReleased() {
    var work = "cluster lock test " + UUID.randomUUID();
    try (var held = ClusterLock.take(dataSource, work)) {
      assertThat(held).isNotNull();
      assertThat(ClusterLock.tryTake(dataSource, work)).isNull();
      // Another name is another lock.
      try (var other = ClusterLock.tryTake(dataSource, work + " (other)")) {
        assertThat(other).isNotNull();
      }
    }
    try (var again = ClusterLock.tryTake(dataSource, work)) {
      assertThat(again).isNotNull();
    }
  }

  /**
   * A replica is alive while it holds its lease: another replica sees it alive (so its batch work is never taken
   * from it, however slow), and gone once the lease's connection is released, as when its process dies.
   */
  @Test
  void aReplicaIsAliveWhileItHoldsItsLeaseAndGoneOnceItIsReleased() {
    var running = new ReplicaLease(dataSource);
    var other = new ReplicaLease(dataSource);
    running.start();
    try {
      assertThat(running.self()).isNotEqualTo(other.self());
      assertThat(other.alive(running.self())).isTrue();
      assertThat(running.alive(running.self())).isTrue();
      // Asking did not take the lease from it.
      assertThat(other.alive(running.self())).isTrue();
    } finally {
      running.stop();
    }
    assertThat(other.alive(running.self())).isFalse();
  }

  @Test
  void aClusteredJobIsSkippedWhileAnotherReplicaRunsItAndRunsWhenNoneDoes() throws Exception {
    var factory = new ClusterSchedulerService.OneReplicaJobFactory(dataSource);
    try (var context = new GenericApplicationContext()) {
      context.refresh();
      factory.setApplicationContext(context);
      var detail = JobBuilder.newJob(CountingJob.class).withIdentity("cluster-lock-test-" + UUID.randomUUID()).build();
      var trigger = (OperableTrigger) TriggerBuilder.newTrigger().forJob(detail).build();
      var bundle = new TriggerFiredBundle(detail, trigger, null, false, new Date(), new Date(), null, null);
      RUNS.set(0);

      // Another replica is running it: this one's run is skipped.
      try (var otherReplica = ClusterLock.take(dataSource, "running scheduled job " + detail.getKey())) {
        factory.newJob(bundle, null).execute(null);
        assertThat(RUNS).hasValue(0);
      }
      factory.newJob(bundle, null).execute(null);
      assertThat(RUNS).hasValue(1);
    }
  }
}
