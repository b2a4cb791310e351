package org.infusionfhir.server.batch;

import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Lets batch jobs (bulk export, reindexing) outlive a restart. HAPI keeps jobs and their pieces of work
 * in the database but hands a piece to a worker through an in-memory queue; a piece queued or running
 * when its server stopped stays marked so forever, and its export would answer 202 for ever. Every
 * minute, pieces unfinished for {@code infusion.batch.stalled-after} are marked ready again, and HAPI's
 * maintenance hands them out anew. Replicas share the database, so the threshold, not a restart, is
 * what decides: a piece another replica is still working on is younger than that.
 */
@Configuration
public class StalledBatchWorkRecovery implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(StalledBatchWorkRecovery.class);

  private final JdbcTemplate jdbc;
  private final BatchJobProperties props;
  private ScheduledExecutorService timer;

  public StalledBatchWorkRecovery(JdbcTemplate jdbc, BatchJobProperties props) {
    this.jdbc = jdbc;
    this.props = props;
  }

  /** HAPI's maintenance interval, from {@code infusion.batch.check-interval}. */
  @Bean
  static BeanPostProcessor batchCheckInterval(ObjectProvider<BatchJobProperties> props) {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessBeforeInitialization(Object bean, String name) {
        if (bean instanceof JobMaintenanceServiceImpl maintenance) {
          maintenance.setScheduledJobFrequencyMillis(props.getObject().checkInterval().toMillis());
        }
        return bean;
      }
    };
  }

  /** Marks stalled pieces of unfinished jobs ready again; returns how many. */
  public int requeueStalledWork() {
    var cutoff = Timestamp.from(Instant.now().minus(props.stalledAfter()));
    int requeued = jdbc.update("""
        update BT2_WORK_CHUNK set STAT = 'READY', UPDATE_TIME = ?
        where STAT in ('QUEUED', 'IN_PROGRESS') and coalesce(UPDATE_TIME, CREATE_TIME) < ?
          and INSTANCE_ID in (select ID from BT2_JOB_INSTANCE where STAT in ('QUEUED', 'IN_PROGRESS'))""",
        Timestamp.from(Instant.now()), cutoff);
    if (requeued > 0) {
      log.warn("{} piece(s) of batch work had stalled for over {} (their server stopped?); queued again",
          requeued, props.stalledAfter());
    }
    return requeued;
  }

  @Override
  public void start() {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      var thread = new Thread(r, "batch-recovery");
      thread.setDaemon(true);
      return thread;
    });
    long period = Math.max(1000, Math.min(60_000, props.stalledAfter().toMillis()));
    timer.scheduleWithFixedDelay(this::requeueQuietly, 0, period, TimeUnit.MILLISECONDS);
  }

  private void requeueQuietly() {
    try {
      requeueStalledWork();
    } catch (RuntimeException e) {
      log.warn("Could not look for stalled batch work: {}", e.toString());
    }
  }

  @Override
  public void stop() {
    timer.shutdownNow();
  }

  @Override
  public boolean isRunning() {
    return timer != null && !timer.isShutdown();
  }
}
