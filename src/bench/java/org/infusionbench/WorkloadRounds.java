package org.infusionbench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * {@code --only}: a few workloads measured in rounds, for comparing one change in alternating runs. After
 * storing {@code seed} vital signs, one warm-up round and then {@code rounds} rounds of each workload in turn;
 * the medians of the rounds' server CPU per call, p50 and p95 are reported as
 * {@code <workload>ServerCpuMsPerItem}, {@code <workload>P50Ms} and {@code <workload>P95Ms}.
 *
 * <p>The server's CPU includes its JIT compiler threads, which in a run of a few minutes still compile HAPI's
 * code (a quarter of the server's CPU in one measured run) and move from round to round. Their share is
 * printed per round and {@code <workload>ServerCpuLessJitMsPerItem} is the median without it: the steadier
 * figure when two runs differ by a few per cent.
 */
final class WorkloadRounds {

  static final List<String> WORKLOADS = List.of("read", "window", "revinclude", "adverse", "create", "tx");
  private static final int CALLS = 400;
  private static final int BUNDLES = 20;

  private WorkloadRounds() {}

  /** One measured round of a workload, and its JIT compiler threads' CPU per call or resource. */
  private record Round(BenchHttp.Measured measured, double jitMsPerItem) {
    double lessJitMsPerItem() {
      return measured.serverCpuMsPerItem() - jitMsPerItem;
    }
  }

  static List<String> names(String list) {
    var names = Arrays.stream(list.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList();
    for (var name : names) {
      if (!WORKLOADS.contains(name)) {
        throw new IllegalArgumentException("--only: unknown workload '" + name + "'; known: " + WORKLOADS);
      }
    }
    return names;
  }

  /** {@code compilerCpu}: CPU milliseconds the server's JIT compiler threads have used so far. */
  static Map<String, Double> run(String db, BenchHttp http, DoubleSupplier compilerCpu, int seed,
      List<String> workloads, int rounds) throws Exception {
    http.post("", BenchVitals.setupTransaction(0, 0, true));
    var stored = new long[] {0};
    var sessions = new int[] {0};
    Benchmark.transactions(http, stored, sessions, seed / BenchVitals.PER_SESSION);
    int searchable = Math.max(1, sessions[0] - 2);
    System.out.printf("[bench] %s: %d Observations stored; %d rounds of %s after a warm-up round%n", db,
        stored[0], rounds, workloads);
    var random = new SplittableRandom(seed);
    var measured = new LinkedHashMap<String, List<Round>>();
    for (int round = 0; round <= rounds; round++) {
      for (var workload : workloads) {
        var picks = random.ints(CALLS, 0, searchable).toArray();
        double jitBefore = compilerCpu.getAsDouble();
        var m = switch (workload) {
          case "read" -> Benchmark.reads(http, picks);
          case "window" -> Benchmark.vitalsWindow(http, picks);
          case "revinclude" -> Benchmark.revinclude(http, picks);
          case "adverse" -> Benchmark.adverseEvents(http, picks);
          case "create" -> Benchmark.singleCreates(http, stored, sessions, CALLS);
          case "tx" -> Benchmark.transactions(http, stored, sessions, BUNDLES);
          default -> throw new IllegalArgumentException(workload);
        };
        double jitPerItem = (compilerCpu.getAsDouble() - jitBefore) / m.count();
        if (round == 0) {
          continue;
        }
        measured.computeIfAbsent(workload, w -> new ArrayList<>()).add(new Round(m, jitPerItem));
        System.out.printf("[bench]   round %d %-10s %.2f ms server CPU per %s (JIT %.2f), p50 %.1f, p95 %.1f ms%n",
            round, workload, m.serverCpuMsPerItem(), workload.equals("tx") ? "resource" : "call", jitPerItem,
            m.p50(), m.p95());
      }
    }
    var figures = new LinkedHashMap<String, Double>();
    measured.forEach((workload, list) -> {
      figures.put(workload + "ServerCpuMsPerItem", median(list.stream().mapToDouble(r -> r.measured().serverCpuMsPerItem())));
      figures.put(workload + "ServerCpuLessJitMsPerItem", median(list.stream().mapToDouble(Round::lessJitMsPerItem)));
      figures.put(workload + "P50Ms", median(list.stream().mapToDouble(r -> r.measured().p50())));
      figures.put(workload + "P95Ms", median(list.stream().mapToDouble(r -> r.measured().p95())));
    });
    return figures;
  }

  private static double median(java.util.stream.DoubleStream values) {
    var sorted = values.sorted().toArray();
    return sorted[sorted.length / 2];
  }
}
