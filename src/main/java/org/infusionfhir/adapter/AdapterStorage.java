package org.infusionfhir.adapter;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.ig.ProfileValidationInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The adapters' one door to storage: HAPI's system DAO, the same transaction path a REST client's
 * transaction Bundle takes. Both ways of committing return only after the transaction has committed,
 * which is what lets an HL7 v2 AA or an intake 2xx mean "stored".
 *
 * <p>{@link #commitGrouped} is group commit for many small writes arriving at once (monitor messages):
 * whatever is waiting when a writer is free goes into one transaction, since HAPI's cost per
 * transaction is far larger than its cost per entry. If a grouped transaction fails, its members are
 * committed one by one, so that one bad write refuses only itself.
 */
@Component
public class AdapterStorage {

  private static final Logger log = LoggerFactory.getLogger(AdapterStorage.class);

  private record Pending(String key, Bundle transaction, ReceivedMessages.Key message, CompletableFuture<Void> done) {}

  private final IFhirSystemDao<Bundle, ?> systemDao;
  private final AdapterProperties properties;

  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final List<Thread> writers = new ArrayList<>();
  private volatile boolean running = true;

  public AdapterStorage(IFhirSystemDao<Bundle, ?> systemDao, AdapterProperties properties,
      ReceivedMessages received) {
    this.systemDao = systemDao;
    this.properties = properties;
    // Created first: it records the dedupe keys inside the transactions committed here.
    java.util.Objects.requireNonNull(received);
    for (int i = 0; i < properties.groupCommitWriters(); i++) {
      var writer = new Thread(this::writeLoop, "adapter-commit-" + (i + 1));
      writer.setDaemon(true);
      writer.start();
      writers.add(writer);
    }
  }

  /** A request context for the adapter's reads and its transaction. */
  public RequestDetails newRequest() {
    var request = new SystemRequestDetails();
    if (!properties.validate()) {
      request.getUserData().put(ProfileValidationInterceptor.MAPPED_BY_ADAPTER, Boolean.TRUE);
    }
    return request;
  }

  /** Adds an update-or-create of {@code resource} at its own id to {@code transaction}. */
  public static void put(Bundle transaction, Resource resource) {
    var id = resource.getIdElement();
    transaction.addEntry().setResource(resource).getRequest().setMethod(Bundle.HTTPVerb.PUT)
        .setUrl(id.getResourceType() + "/" + id.getIdPart());
  }

  /** Commits {@code transaction} atomically and returns HAPI's response Bundle. */
  public Bundle commit(Bundle transaction, RequestDetails request) {
    return systemDao.transaction(request, transaction);
  }

  /**
   * Commits {@code transaction} together with the dedupe key of the message it stores: both or neither.
   *
   * @throws org.springframework.dao.DuplicateKeyException when the message is already stored (a resend,
   *     perhaps committed by another replica a moment ago); nothing is written then
   */
  public Bundle commit(Bundle transaction, RequestDetails request, ReceivedMessages.Key message) {
    ReceivedMessages.recordWith(request, List.of(message));
    return systemDao.transaction(request, transaction);
  }

  /**
   * Commits {@code transaction}, possibly in one database transaction with other grouped writes, and
   * returns when it is committed. Its entries must be PUTs with ids of their own (no placeholders and no
   * conditional entries), so that they can stand beside other writes' entries. Writes with the same
   * {@code key} waiting together are written once. The message's dedupe key is committed with it; a
   * resend fails with {@link org.springframework.dao.DuplicateKeyException}.
   */
  public void commitGrouped(String key, Bundle transaction, ReceivedMessages.Key message) {
    var pending = new Pending(key, transaction, message, new CompletableFuture<>());
    queue.add(pending);
    try {
      pending.done().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the commit", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void writeLoop() {
    while (running) {
      var batch = new ArrayList<Pending>();
      try {
        var first = queue.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, properties.groupCommitMax() - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        batch.forEach(p -> p.done().completeExceptionally(e));
      }
    }
  }

  private void write(List<Pending> batch) {
    var byKey = new LinkedHashMap<String, List<Pending>>();
    batch.forEach(p -> byKey.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(p));
    if (byKey.size() == 1) {
      commitEach(byKey.values().iterator().next());
      return;
    }
    var combined = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    byKey.values().forEach(same -> same.get(0).transaction().getEntry().forEach(e -> combined.addEntry(e.copy())));
    try {
      var request = newRequest();
      ReceivedMessages.recordWith(request, byKey.values().stream().map(same -> same.get(0).message()).toList());
      commit(combined, request);
      batch.forEach(p -> p.done().complete(null));
      log.debug("group commit: {} write(s), {} entries", byKey.size(), combined.getEntry().size());
    } catch (RuntimeException e) {
      log.info("group commit of {} writes failed ({}); committing them one by one", byKey.size(), e.getMessage());
      byKey.values().forEach(this::commitEach);
    }
  }

  /** Commits one write alone and settles every waiter with that key. */
  private void commitEach(List<Pending> same) {
    try {
      commit(same.get(0).transaction(), newRequest(), same.get(0).message());
      same.forEach(p -> p.done().complete(null));
    } catch (RuntimeException e) {
      same.forEach(p -> p.done().completeExceptionally(e));
    }
  }

  @PreDestroy
  void stop() {
    running = false;
    writers.forEach(Thread::interrupt);
  }
}
