package org.infusionfhir.safety;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.infusionfhir.server.ServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Watches every Observation stored, whatever its path (HL7 v2 over MLLP or HTTP, the intake, {@code load}, a
 * FHIR create, update or transaction): a storage interceptor, so it runs on every replica for the writes that
 * replica makes. While the write commits it only notes the reading; once the write has committed, the reading
 * is evaluated on a worker thread. So the monitor never delays, refuses or undoes a write: an evaluation
 * that fails is logged and counted ({@code infusion.safety.evaluation.failures}), and the reading stays stored.
 *
 * <p>Readings of one patient go to one worker, in the order they were stored. A completed infusion Procedure
 * gets its discharge check the same way.
 */
@Interceptor
public class SafetyMonitor implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(SafetyMonitor.class);

  private final ReadingEvaluator evaluator;
  private final DischargeCheck discharge;
  private final SafetyMetrics metrics;
  private final List<ThreadPoolExecutor> lanes = new ArrayList<>();
  /** This monitor's resource key in the transaction: the Observations it stored, by patient. */
  private final Object batchKey = new Object();

  public SafetyMonitor(ReadingEvaluator evaluator, DischargeCheck discharge, SafetyMetrics metrics, int workers) {
    this.evaluator = evaluator;
    this.discharge = discharge;
    this.metrics = metrics;
    for (int i = 0; i < Math.max(1, workers); i++) {
      int lane = i + 1;
      lanes.add(new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
        var thread = new Thread(r, "safety-monitor-" + lane);
        thread.setDaemon(true);
        return thread;
      }));
    }
    metrics.backlog(() -> lanes.stream().mapToInt(l -> l.getQueue().size()).sum());
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    if (resource instanceof Observation observation) {
      observed(observation);
    }
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    if (resource instanceof Observation observation) {
      observed(observation);
    } else if (resource instanceof Procedure procedure && procedure.getStatus() == Procedure.ProcedureStatus.COMPLETED
        && !(previous instanceof Procedure before && before.getStatus() == Procedure.ProcedureStatus.COMPLETED)) {
      var infusion = AlertStore.idOf(procedure);
      var patient = procedure.getSubject().getReference();
      afterCommit(patient, "discharge check of " + infusion, () -> discharge.check(infusion));
    }
  }

  /**
   * Collects the watched Observations of the transaction by patient; after the commit each patient's go to
   * their worker as one batch, so a monitor message of eight readings is one evaluation, not eight.
   */
  private void observed(Observation observation) {
    if (!evaluator.watches(observation)) {
      return;
    }
    var stored = observation.copy();
    stored.setId(observation.getIdElement());
    var patient = observation.getSubject().getReference();
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      evaluateAfterCommit(patient, List.of(stored));
      return;
    }
    @SuppressWarnings("unchecked")
    var batch = (Map<String, List<Observation>>) TransactionSynchronizationManager.getResource(batchKey);
    if (batch == null) {
      var newBatch = new LinkedHashMap<String, List<Observation>>();
      TransactionSynchronizationManager.bindResource(batchKey, newBatch);
      TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
        @Override
        public void afterCommit() {
          newBatch.forEach(SafetyMonitor.this::evaluateAfterCommit);
        }

        @Override
        public void afterCompletion(int status) {
          TransactionSynchronizationManager.unbindResourceIfPossible(batchKey);
        }
      });
      batch = newBatch;
    }
    batch.computeIfAbsent(patient == null ? "" : patient, k -> new ArrayList<>()).add(stored);
  }

  /** Called once the write is committed (or when there is no transaction to wait for). */
  private void evaluateAfterCommit(String patient, List<Observation> observations) {
    submit(patient, observations.size() == 1
        ? "Observation/" + observations.get(0).getIdElement().getIdPart()
        : observations.size() + " Observations of " + patient,
        () -> metrics.evaluation.record(() -> evaluator.evaluate(observations)));
  }

  /** Queues {@code work} once the surrounding write has committed; a rolled-back write queues nothing. */
  private void afterCommit(String patient, String what, Runnable work) {
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
        @Override
        public void afterCommit() {
          submit(patient, what, work);
        }
      });
    } else {
      submit(patient, what, work);
    }
  }

  /** Runs {@code work} on the patient's worker; a failure is logged and counted, never thrown. */
  private void submit(String patient, String what, Runnable work) {
    Runnable task = () -> {
      try {
        work.run();
        metrics.evaluated.increment();
      } catch (RuntimeException e) {
        metrics.failures.increment();
        log.error("safety monitor: evaluating {} failed; the reading stays stored", what, e);
      }
    };
    lanes.get(Math.floorMod(patient == null ? 0 : patient.hashCode(), lanes.size())).execute(task);
  }

  /** Waits (a while) for queued evaluations, so that {@code load} and a graceful stop finish them. */
  @PreDestroy
  void stop() throws InterruptedException {
    lanes.forEach(ExecutorService::shutdown);
    for (var lane : lanes) {
      if (!lane.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("safety monitor: stopped with readings not yet evaluated");
      }
    }
  }
}
