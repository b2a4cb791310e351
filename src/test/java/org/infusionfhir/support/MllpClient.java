package org.infusionfhir.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A sending system's side of MLLP: one persistent connection, frames out, ACK frames back. */
public final class MllpClient implements AutoCloseable {

  public static final int START = 0x0B;
  public static final int END = 0x1C;
  public static final int CR = 0x0D;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public MllpClient(int port) {
    this(connect(port));
  }

  /** Over a socket the caller opened, e.g. a TLS one. */
  public MllpClient(Socket socket) {
    try {
      this.socket = socket;
      socket.setSoTimeout(60_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException("using MLLP socket " + socket, e);
    }
  }

  private static Socket connect(int port) {
    try {
      return new Socket("127.0.0.1", port);
    } catch (IOException e) {
      throw new UncheckedIOException("connecting to MLLP port " + port, e);
    }
  }

  /** Sends one message (segments separated by CR or newline) and returns its ACK. */
  public Ack send(String message) {
    writeRaw(frame(message));
    return readAck();
  }

  public static byte[] frame(String message) {
    return frame(message.strip().replace("\r\n", "\r").replace('\n', '\r').getBytes(StandardCharsets.UTF_8));
  }

  /** {@code body} between MLLP's start and end bytes, exactly as given. */
  public static byte[] frame(byte[] body) {
    var framed = new byte[body.length + 3];
    framed[0] = START;
    System.arraycopy(body, 0, framed, 1, body.length);
    framed[body.length + 1] = END;
    framed[body.length + 2] = CR;
    return framed;
  }

  public void writeRaw(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Ack readAck() {
    try {
      int b;
      while ((b = in.read()) != START) {
        if (b == -1) {
          throw new IOException("connection closed before an ACK arrived");
        }
      }
      var buffer = new ByteArrayOutputStream();
      while ((b = in.read()) != END) {
        if (b == -1) {
          throw new IOException("connection closed inside an ACK");
        }
        buffer.write(b);
      }
      in.read();
      return new Ack(buffer.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Blocks until the server closes the connection; true if it did before the socket's read timeout. */
  public boolean closedByServer() {
    try {
      while (true) {
        if (in.read() == -1) {
          return true;
        }
      }
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An ACK message, read field by field. */
  public record Ack(String text) {
    /** Field {@code field} of the first {@code segment} segment ("" when absent). */
    public String field(String segment, int field) {
      for (var line : text.split("\r")) {
        var fields = line.split("\\|", -1);
        if (fields[0].equals(segment)) {
          // MSH-1 is the separator itself, so MSH fields sit one place to the left.
          int index = segment.equals("MSH") ? field - 1 : field;
          return index < fields.length ? fields[index] : "";
        }
      }
      return "";
    }

    public String code() {
      return field("MSA", 1);
    }
  }
}
