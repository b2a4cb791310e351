package org.infusionbench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** The benchmark's HTTP client: a system token, FHIR JSON, and any answer of 300 or more is a failed run. */
final class BenchHttp {

  /**
   * Throughput and latency of one workload. {@code serverCpuMs}: CPU time the server process used during
   * the calls (user and system, all its threads: requests, GC, JIT, background work), NaN when no server
   * process is known. Unlike rates and latencies it hardly depends on what else the machine is doing, so
   * it is the figure to compare runs by.
   */
  record Measured(int count, double seconds, double p50, double p95, double serverCpuMs) {
    Measured(int count, double seconds, double p50, double p95) {
      this(count, seconds, p50, p95, Double.NaN);
    }

    double perSecond() {
      return count / seconds;
    }

    double serverCpuMsPerItem() {
      return serverCpuMs / count;
    }
  }

  /** CPU milliseconds the server has used so far; set while the harness runs a server in its own process. */
  static volatile java.util.function.DoubleSupplier serverCpu;

  /** One call of a workload; {@code i} counts from 0 across all client threads. */
  interface Call {
    void call(int i) throws Exception;
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final String authorization;

  BenchHttp(String base, String token) {
    this.base = base;
    this.authorization = "Bearer " + token;
  }

  String base() {
    return base;
  }

  String authorization() {
    return authorization;
  }

  String get(String pathOrUrl) throws Exception {
    return send("GET", pathOrUrl, null, "application/fhir+json");
  }

  String post(String path, String body) throws Exception {
    return send("POST", path, body, "application/fhir+json");
  }

  String put(String path, String body) throws Exception {
    return send("PUT", path, body, "application/fhir+json");
  }

  String send(String method, String pathOrUrl, String body, String contentType) throws Exception {
    var response = exchange(method, pathOrUrl, body, contentType);
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + pathOrUrl + ": " + response.statusCode() + " "
          + response.body().substring(0, Math.min(600, response.body().length())));
    }
    return response.body();
  }

  HttpResponse<String> exchange(String method, String pathOrUrl, String body, String contentType,
      String... headers) throws Exception {
    var url = pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl;
    var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5))
        .header("Authorization", authorization)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", contentType);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code count} calls shared by {@code threads} client threads; latency of each call, wall time of all. */
  static Measured concurrently(int threads, int count, Call call) throws Exception {
    var next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      Callable<List<Double>> worker = () -> {
        var latencies = new ArrayList<Double>();
        for (int i; (i = next.getAndIncrement()) < count; ) {
          long t = System.nanoTime();
          call.call(i);
          latencies.add((System.nanoTime() - t) / 1e6);
        }
        return latencies;
      };
      var cpu = serverCpu;
      double cpuBefore = cpu == null ? Double.NaN : cpu.getAsDouble();
      long start = System.nanoTime();
      var futures = new ArrayList<Future<List<Double>>>();
      for (int c = 0; c < threads; c++) {
        futures.add(pool.submit(worker));
      }
      var all = new ArrayList<Double>();
      for (var future : futures) {
        all.addAll(future.get());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpuMs = cpu == null ? Double.NaN : cpu.getAsDouble() - cpuBefore;
      var sorted = all.stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(sorted);
      return new Measured(count, seconds, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.95)], cpuMs);
    } finally {
      pool.shutdownNow();
    }
  }
}
