package org.infusionfhir.hl7v2;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.context.SmartLifecycle;

/**
 * The MLLP listener: {@code 0x0B message 0x1C 0x0D} frames over TCP, each answered by its ACK on the same
 * connection, many messages per connection.
 *
 * <p>Written on plain sockets rather than HAPI's {@code HapiContext#newServer} because HAPI's MLLP decoder
 * reads a frame with no size bound and its server binds to every interface with no peer check or idle
 * timeout. Here every connection is bounded: a frame larger than the limit is answered AR and skipped,
 * bytes outside a frame are dropped, a frame not finished within the frame timeout and a connection idle
 * past the idle timeout are closed, and connections beyond the limit are closed on accept. One thread per
 * connection keeps a connection's messages in order; one connection's trouble touches no other.
 *
 * <p>MLLP carries no credentials, so the listener is guarded by its bind address, a peer allowlist and,
 * with {@code infusion.hl7v2.mllp.ssl-bundle}, TLS (optionally requiring client certificates).
 */
public class MllpListener implements SmartLifecycle {

  static final int START_BLOCK = 0x0B;
  static final int END_BLOCK = 0x1C;
  static final int CARRIAGE_RETURN = 0x0D;

  private static final Logger log = LoggerFactory.getLogger(MllpListener.class);

  private final Hl7v2Ingest ingest;
  private final Hl7v2Properties properties;
  private final List<PeerRule> allowedPeers;
  private final SslBundle tls;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger threadNumber = new AtomicInteger();
  private volatile ServerSocket server;
  private volatile ExecutorService connections;
  private volatile Semaphore slots;
  private volatile boolean running;

  public MllpListener(Hl7v2Ingest ingest, Hl7v2Properties properties) {
    this(ingest, properties, null);
  }

  /** With {@code tls} not null, every connection speaks MLLP inside TLS made from that SSL bundle. */
  public MllpListener(Hl7v2Ingest ingest, Hl7v2Properties properties, SslBundle tls) {
    this.ingest = ingest;
    this.properties = properties;
    this.tls = tls;
    this.allowedPeers = properties.mllp().allowedPeers().stream().map(PeerRule::parse).toList();
    refuseAnOpenListener(properties.mllp());
  }

  /**
   * MLLP carries no credentials, and a message for an unknown patient creates one: a listener reachable from
   * other hosts must limit who may connect, by a peer allowlist or by client certificates.
   */
  static void refuseAnOpenListener(Hl7v2Properties.Mllp mllp) {
    if (!mllp.enabled() || !mllp.allowedPeers().isEmpty() || mllp.tls() && mllp.requireClientCertificate()) {
      return;
    }
    boolean loopback;
    try {
      loopback = InetAddress.getByName(mllp.bindAddress()).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("infusion.hl7v2.mllp.bind-address '" + mllp.bindAddress()
          + "' is not an address of this host", e);
    }
    if (!loopback) {
      throw new IllegalStateException("infusion.hl7v2.mllp.bind-address=" + mllp.bindAddress() + " lets other hosts "
          + "send HL7 v2, and nothing limits which: set infusion.hl7v2.mllp.allowed-peers to the monitors' "
          + "addresses or subnet (INFUSION_HL7V2_MLLP_ALLOWED_PEERS=10.20.30.0/24), or speak TLS with client "
          + "certificates (infusion.hl7v2.mllp.ssl-bundle and require-client-certificate=true), or bind to "
          + "127.0.0.1 behind a TLS proxy");
    }
  }

  /** The port actually bound, which differs from the configured one when that is 0. */
  public int port() {
    return server == null ? -1 : server.getLocalPort();
  }

  @Override
  public void start() {
    var mllp = properties.mllp();
    try {
      server = tls == null ? new ServerSocket() : tlsServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getByName(mllp.bindAddress()), mllp.port()), 128);
    } catch (IOException e) {
      throw new IllegalStateException("MLLP listener cannot bind " + mllp.bindAddress() + ":" + mllp.port()
          + " (set infusion.hl7v2.mllp.port, or infusion.hl7v2.mllp.enabled=false)", e);
    }
    slots = new Semaphore(mllp.maxConnections());
    connections = Executors.newCachedThreadPool(r -> {
      var thread = new Thread(r, "mllp-" + threadNumber.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    running = true;
    var acceptor = new Thread(this::acceptLoop, "mllp-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    log.info("MLLP listener on {}:{}{} (max {} connections, idle timeout {}, max message {})", mllp.bindAddress(),
        port(), tls == null ? "" : " over TLS (SSL bundle '" + mllp.sslBundle() + "'"
            + (mllp.requireClientCertificate() ? ", client certificate required)" : ")"),
        mllp.maxConnections(), mllp.idleTimeout(), properties.maxMessageSize());
  }

  /**
   * The handshake happens on the connection's own thread at its first read, bounded by the idle timeout,
   * so a slow or plain-text peer holds no other connection up.
   */
  private ServerSocket tlsServerSocket() throws IOException {
    var socket = (SSLServerSocket) tls.createSslContext().getServerSocketFactory().createServerSocket();
    var options = tls.getOptions();
    if (options.getEnabledProtocols() != null) {
      socket.setEnabledProtocols(options.getEnabledProtocols());
    }
    if (options.getCiphers() != null) {
      socket.setEnabledCipherSuites(options.getCiphers());
    }
    socket.setNeedClientAuth(properties.mllp().requireClientCertificate());
    return socket;
  }

  private void acceptLoop() {
    while (running) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (running) {
          log.warn("MLLP accept failed: {}", e.getMessage());
          continue;
        }
        return;
      }
      var peer = socket.getInetAddress();
      if (!allowedPeers.isEmpty() && allowedPeers.stream().noneMatch(rule -> rule.matches(peer))) {
        log.warn("MLLP connection from {} refused: not in infusion.hl7v2.mllp.allowed-peers", peer.getHostAddress());
        closeQuietly(socket);
        continue;
      }
      if (!slots.tryAcquire()) {
        log.warn("MLLP connection from {} refused: {} connections already open", peer.getHostAddress(),
            properties.mllp().maxConnections());
        closeQuietly(socket);
        continue;
      }
      open.add(socket);
      connections.execute(() -> {
        try {
          serve(socket);
        } finally {
          open.remove(socket);
          closeQuietly(socket);
          slots.release();
        }
      });
    }
  }

  private void serve(Socket socket) {
    var peer = socket.getRemoteSocketAddress();
    log.debug("MLLP connection from {}", peer);
    try (InputStream in = new BufferedInputStream(socket.getInputStream()); OutputStream out = socket.getOutputStream()) {
      socket.setTcpNoDelay(true);
      var reader = new FrameReader(in, socket);
      while (running) {
        var frame = reader.next();
        if (frame == null) {
          break;
        }
        var ack = frame.oversized()
            ? ingest.tooLarge(frame.text(), frame.size()).message()
            : ingest.receive(frame.text()).message();
        out.write(START_BLOCK);
        out.write(ack.getBytes(StandardCharsets.UTF_8));
        out.write(END_BLOCK);
        out.write(CARRIAGE_RETURN);
        out.flush();
      }
    } catch (SocketTimeoutException e) {
      log.info("MLLP connection from {} closed: {}", peer, e.getMessage());
    } catch (SSLException e) {
      // A plain-text sender, an untrusted client certificate or no common protocol: say so, once.
      log.warn("MLLP connection from {} closed: TLS failed: {}", peer, e.getMessage());
    } catch (IOException e) {
      log.debug("MLLP connection from {} ended: {}", peer, e.getMessage());
    } catch (RuntimeException e) {
      log.error("MLLP connection from {} failed", peer, e);
    }
  }

  /** A frame's content; of one that was too large only the start is kept, for the AR to echo MSH-10. */
  record Frame(String text, long size, boolean oversized) {}

  /** Reads frames off one connection, enforcing the size limit and timeouts. */
  private final class FrameReader {
    private final InputStream in;
    private final Socket socket;
    private final long limit = properties.maxMessageSize().toBytes();

    FrameReader(InputStream in, Socket socket) {
      this.in = in;
      this.socket = socket;
    }

    /** The next frame, or null when the peer closed the connection. */
    Frame next() throws IOException {
      socket.setSoTimeout((int) properties.mllp().idleTimeout().toMillis());
      int b;
      long dropped = 0;
      while ((b = in.read()) != START_BLOCK) {
        if (b == -1) {
          return null;
        }
        if (++dropped > limit) {
          throw new IOException("more than " + limit + " bytes received outside a frame; not an MLLP peer");
        }
      }
      if (dropped > 0) {
        log.warn("MLLP: dropped {} byte(s) received outside a frame", dropped);
      }
      var deadline = System.nanoTime() + properties.mllp().frameTimeout().toNanos();
      socket.setSoTimeout((int) properties.mllp().frameTimeout().toMillis());
      var buffer = new ByteArrayOutputStream(1024);
      boolean oversized = false;
      long size = 0;
      while (true) {
        if (System.nanoTime() > deadline) {
          throw new SocketTimeoutException("frame not completed within " + properties.mllp().frameTimeout());
        }
        b = in.read();
        if (b == -1) {
          throw new IOException("connection closed inside a frame");
        }
        if (b == END_BLOCK) {
          int next = in.read();
          if (next == CARRIAGE_RETURN || next == -1) {
            break;
          }
          append(buffer, END_BLOCK, oversized);
          size++;
          b = next;
        }
        if (b == START_BLOCK) {
          log.warn("MLLP: a new frame started before the previous one ended; the unfinished one is dropped");
          buffer.reset();
          oversized = false;
          size = 0;
          continue;
        }
        size++;
        if (!oversized && buffer.size() >= limit) {
          oversized = true;
        }
        append(buffer, b, oversized);
      }
      return new Frame(buffer.toString(StandardCharsets.UTF_8), size, oversized);
    }

    private void append(ByteArrayOutputStream buffer, int b, boolean oversized) {
      if (!oversized) {
        buffer.write(b);
      }
    }
  }

  @Override
  public void stop() {
    running = false;
    closeQuietly(server);
    open.forEach(MllpListener::closeQuietly);
    if (connections != null) {
      connections.shutdownNow();
      try {
        connections.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    log.info("MLLP listener stopped");
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      if (closeable != null) {
        closeable.close();
      }
    } catch (IOException e) {
      log.debug("closing {}: {}", closeable, e.getMessage());
    }
  }

  /** One entry of {@code allowed-peers}: an address, or a CIDR range such as 10.20.0.0/16. */
  record PeerRule(byte[] network, int prefix) {
    static PeerRule parse(String rule) {
      try {
        var parts = rule.trim().split("/");
        var address = InetAddress.getByName(parts[0]).getAddress();
        var prefix = parts.length > 1 ? Integer.parseInt(parts[1]) : address.length * 8;
        return new PeerRule(address, prefix);
      } catch (IOException | NumberFormatException e) {
        throw new IllegalArgumentException("infusion.hl7v2.mllp.allowed-peers: '" + rule
            + "' is not an address or CIDR range", e);
      }
    }

    boolean matches(InetAddress peer) {
      var address = peer.getAddress();
      if (address.length != network.length) {
        return false;
      }
      for (int bit = 0; bit < prefix; bit++) {
        int mask = 0x80 >> (bit % 8);
        if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }
}
