package org.infusionfhir.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * The ERROR events logged by the threads that serve HTTP and MLLP: an exception that reached our edge. The
 * test JVM runs the server, so its Logback is the server's.
 */
public final class ServerErrorLog extends AppenderBase<ILoggingEvent> {

  private static final ServerErrorLog INSTANCE = new ServerErrorLog();
  private static final String NAME = "test-server-errors";

  private final List<String> events = new CopyOnWriteArrayList<>();

  private ServerErrorLog() {}

  /**
   * The log, attached to Logback's root logger. Call it after the server has started: Spring Boot resets
   * Logback's appenders when it starts a context.
   */
  public static synchronized ServerErrorLog attached() {
    var root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root.getAppender(NAME) != INSTANCE) {
      INSTANCE.setContext(root.getLoggerContext());
      INSTANCE.setName(NAME);
      INSTANCE.start();
      root.addAppender(INSTANCE);
    }
    return INSTANCE;
  }

  /** A mark to pass to {@link #since}. */
  public int mark() {
    return events.size();
  }

  /** The events logged since {@code mark}. */
  public List<String> since(int mark) {
    return List.copyOf(events.subList(Math.min(mark, events.size()), events.size()));
  }

  @Override
  protected void append(ILoggingEvent event) {
    var thread = event.getThreadName();
    if (event.getLevel().isGreaterOrEqual(Level.ERROR) && (thread.startsWith("http-nio") || thread.startsWith("mllp-"))) {
      events.add(thread + " " + event.getLoggerName() + ": " + event.getFormattedMessage()
          + (event.getThrowableProxy() == null ? "" : " (" + event.getThrowableProxy().getClassName() + ": "
          + event.getThrowableProxy().getMessage() + ")"));
    }
  }
}
