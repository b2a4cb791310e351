package org.infusionfhir.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy a test owns, between a server and its database: {@link #cut} drops every open connection and refuses
 * new ones (as a database that went away does), {@link #restore} lets connections through again. The database
 * itself is never touched, so the machine's shared PostgreSQL goes on serving other tests.
 */
public final class TcpProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger refused = new AtomicInteger();
  private volatile boolean cut;

  public TcpProxy(String targetHost, int targetPort) {
    try {
      this.listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.target = new InetSocketAddress(targetHost, targetPort);
    var acceptor = new Thread(this::accept, "tcp-proxy-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Drops every connection through the proxy and refuses new ones until {@link #restore}. */
  public synchronized void cut() {
    cut = true;
    open.forEach(TcpProxy::closeQuietly);
    open.clear();
  }

  public synchronized void restore() {
    cut = false;
  }

  /** Connections refused while cut. */
  public int refused() {
    return refused.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException closed) {
        return;
      }
      var server = new Socket();
      try {
        server.connect(target, 2000);
      } catch (IOException e) {
        closeQuietly(client);
        continue;
      }
      // Under the lock that cut() takes: a connection opened as the cut began is dropped with the others.
      synchronized (this) {
        if (cut) {
          refused.incrementAndGet();
          closeQuietly(client);
          closeQuietly(server);
          continue;
        }
        open.add(client);
        open.add(server);
      }
      pipe(client, server);
      pipe(server, client);
    }
  }

  /** Copies {@code from} to {@code to} on a thread of its own; when either end closes, both do. */
  private void pipe(Socket from, Socket to) {
    var thread = new Thread(() -> {
      var buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException closed) {
        // one end went away: the other goes too
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-pipe");
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // already closed
    }
    cut();
  }
}
