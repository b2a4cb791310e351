package org.infusionfhir.server;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Work a replica does every so often on a daemon thread of its own, from start-up to shutdown. A round that fails
 * (the database away for a moment, say) is logged and the next round tries again.
 */
public abstract class PeriodicWork implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(PeriodicWork.class);

  private final String threadName;
  private final String what;
  private ScheduledExecutorService timer;

  /** {@code what} completes "Could not ..." in the log line of a failed round. */
  protected PeriodicWork(String threadName, String what) {
    this.threadName = threadName;
    this.what = what;
  }

  /** The wait between the end of one round and the start of the next (and before the first). */
  protected abstract Duration period();

  /** One round. */
  protected abstract void round();

  @Override
  public void start() {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      var thread = new Thread(r, threadName);
      thread.setDaemon(true);
      return thread;
    });
    long millis = period().toMillis();
    timer.scheduleWithFixedDelay(this::roundQuietly, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void roundQuietly() {
    try {
      round();
    } catch (RuntimeException e) {
      log.warn("Could not {}: {}", what, e.toString());
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
