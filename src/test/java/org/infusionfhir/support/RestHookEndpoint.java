package org.infusionfhir.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;

/** An EHR's rest-hook endpoint on 127.0.0.1: 503 while {@code down}, else 200 and the path noted in {@code received}. */
public final class RestHookEndpoint {

  private RestHookEndpoint() {}

  public static HttpServer start(AtomicBoolean down, Collection<String> received) {
    HttpServer receiver;
    try {
      receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    receiver.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      boolean up = !down.get();
      if (up) {
        received.add(exchange.getRequestURI().getPath());
      }
      exchange.sendResponseHeaders(up ? 200 : 503, -1);
      exchange.close();
    });
    receiver.start();
    return receiver;
  }
}
