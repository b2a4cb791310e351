package org.infusionfhir.server.batch;

import ca.uhn.fhir.batch2.api.IJobPersistence;
import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.batch2.model.WorkChunk;
import ca.uhn.fhir.batch2.model.WorkChunkStatusEnum;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.infusionfhir.server.PeriodicWork;
import org.infusionfhir.server.storage.ClusterLock;
import org.infusionfhir.server.storage.ReplicaLease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Lets batch jobs (bulk export, reindexing) outlive the replica running them. HAPI keeps jobs and their pieces of
 * work in the database but hands a piece to a worker through an in-memory queue: a piece queued or started on a
 * replica that died stays so for ever. Every piece names its replica ({@link ChunkOwnerRecording}); a pass, run by
 * one replica at a time, finds the queued and started pieces of unfinished jobs whose replica is no longer alive
 * ({@link ReplicaLease}) and hands them back to HAPI through its job persistence API: a queued piece is taken as
 * started, and a started piece is set to wait for its next poll, now; HAPI's maintenance makes it ready and queues
 * it again. A piece whose replica is alive is never taken, however slow. A piece that names no replica (queued by
 * an earlier release) is taken once it has been unfinished for {@code infusion.batch.stalled-after}.
 */
@Configuration
public class BatchWorkTakeover extends PeriodicWork {

  private static final Logger log = LoggerFactory.getLogger(BatchWorkTakeover.class);
  private static final EnumSet<WorkChunkStatusEnum> HELD = EnumSet.of(WorkChunkStatusEnum.QUEUED,
      WorkChunkStatusEnum.IN_PROGRESS);
  private static final EnumSet<StatusEnum> UNFINISHED = EnumSet.of(StatusEnum.QUEUED, StatusEnum.IN_PROGRESS,
      StatusEnum.ERRORED);

  private final ObjectProvider<IJobPersistence> persistence;
  private final ObjectProvider<PlatformTransactionManager> transactions;
  private final ObjectProvider<DataSource> dataSource;
  private final ObjectProvider<ChunkOwners> owners;
  private final ObjectProvider<ReplicaLease> lease;
  private final BatchJobProperties props;

  public BatchWorkTakeover(ObjectProvider<IJobPersistence> persistence,
      ObjectProvider<PlatformTransactionManager> transactions, ObjectProvider<DataSource> dataSource,
      ObjectProvider<ChunkOwners> owners, ObjectProvider<ReplicaLease> lease, BatchJobProperties props) {
    super("batch-takeover", "look for batch work left by a stopped replica");
    this.persistence = persistence;
    this.transactions = transactions;
    this.dataSource = dataSource;
    this.owners = owners;
    this.lease = lease;
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

  @Bean
  static ChunkOwnerRecording chunkOwnerRecording(ObjectProvider<ChunkOwners> owners,
      ObjectProvider<ReplicaLease> lease) {
    return new ChunkOwnerRecording(owners, lease);
  }

  @Bean
  ChunkOwners chunkOwners(JdbcTemplate jdbc) {
    return new ChunkOwners(jdbc);
  }

  /** Hands back the pieces of work whose replica is gone; returns their ids. */
  public List<String> takeOverLostWork() {
    try (var turn = ClusterLock.tryTake(dataSource.getObject(), "taking over batch work")) {
      if (turn == null) {
        return List.of();
      }
      var jobs = persistence.getObject();
      var taken = new ArrayList<String>();
      // Asked once per replica per pass: on PostgreSQL each answer takes a connection and a lock attempt.
      var alive = new HashMap<String, Boolean>();
      for (var instance : jobs.fetchRecentInstances(500, 0)) {
        if (!UNFINISHED.contains(instance.getStatus())) {
          continue;
        }
        var chunks = jobs.fetchAllWorkChunksIterator(instance.getInstanceId(), false);
        while (chunks.hasNext()) {
          var chunk = chunks.next();
          if (HELD.contains(chunk.getStatus()) && lost(chunk, alive)) {
            takeOver(jobs, chunk);
            taken.add(chunk.getId());
          }
        }
      }
      if (!taken.isEmpty()) {
        log.warn("Took over {} piece(s) of batch work whose replica stopped: {}", taken.size(), taken);
      }
      return taken;
    }
  }

  private boolean lost(WorkChunk chunk, Map<String, Boolean> alive) {
    var owner = owners.getObject().ownerOf(chunk.getId());
    if (owner.isPresent()) {
      return !alive.computeIfAbsent(owner.get(), lease.getObject()::alive);
    }
    var last = chunk.getUpdateTime() != null ? chunk.getUpdateTime()
        : chunk.getStartTime() != null ? chunk.getStartTime() : chunk.getCreateTime();
    return last != null && last.toInstant().isBefore(Instant.now().minus(props.stalledAfter()));
  }

  private void takeOver(IJobPersistence jobs, WorkChunk chunk) {
    new TransactionTemplate(transactions.getObject()).executeWithoutResult(status -> {
      if (chunk.getStatus() == WorkChunkStatusEnum.QUEUED) {
        // Its message died with its replica: taken as started here, which only HAPI's API can do from QUEUED.
        jobs.onWorkChunkDequeue(chunk.getId());
      }
      jobs.onWorkChunkPollDelay(chunk.getId(), new Date());
    });
    owners.getObject().forget(chunk.getId());
  }

  /** HAPI's maintenance interval, between 1 s and a minute: a piece taken over waits for it anyway. */
  @Override
  protected Duration period() {
    return Duration.ofMillis(Math.max(1000, Math.min(60_000, props.checkInterval().toMillis())));
  }

  @Override
  protected void round() {
    takeOverLostWork();
  }
}
