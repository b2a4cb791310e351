package org.infusionbench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness's same-run comparison: our figures over {@link StockHapiServer}'s, judged against the goals. */
class RatiosToStockTest {

  private static Benchmark.Options options(List<Integer> levels, List<String> only, boolean startupOnly) {
    return new Benchmark.Options(List.of("stock", "h2"), levels, "", Path.of("x.jar"), List.of(), List.of(), false,
        startupOnly,
        only, 3, false);
  }

  @Test
  void throughputIsOursOverStockAndLatencyTooWithTheGoalOfEach() {
    var results = new LinkedHashMap<String, Map<String, Double>>();
    results.put("stock", Map.of("transactionTo10000PerSecond", 500.0, "searchVitalsWindowAt10000P95Ms", 40.0,
        "startSeconds", 30.0));
    results.put("stock (compared)", Map.of("transactionTo10000PerSecond", 100.0));
    results.put("h2", Map.of("transactionTo10000PerSecond", 1100.0, "searchVitalsWindowAt10000P95Ms", 30.0,
        "startSeconds", 14.0, "startSecondsImage", 10.0));

    var ratios = Benchmark.ratiosToStock(results, options(List.of(10000), List.of(), false)).get("h2");

    var tx = ratios.get("transactionTo10000PerSecond");
    assertThat(tx.value()).isEqualTo(2.2);
    assertThat(Benchmark.met(tx)).isTrue();
    var window = ratios.get("searchVitalsWindowAt10000P95Ms");
    assertThat(window.value()).isEqualTo(0.75);
    assertThat(window.goal()).isEqualTo("<= 0.5");
    assertThat(Benchmark.met(window)).isFalse();
    // The image form is compared with stock's only start.
    assertThat(ratios.get("startSecondsImage").value()).isEqualTo(10.0 / 30.0);
    assertThat(Benchmark.met(ratios.get("startSeconds"))).isTrue();
    // Figures that only one side has are left out, not shown as zero.
    assertThat(ratios).doesNotContainKey("singleCreateColdPerSecond");
    // Only our servers are divided, and by the first stock run, not by a second one with other settings.
    assertThat(Benchmark.ratiosToStock(results, options(List.of(10000), List.of(), false)).keySet())
        .containsExactly("h2");
  }

  @Test
  void onlyRunsCompareServerCpuPerCall() {
    var results = new LinkedHashMap<String, Map<String, Double>>();
    results.put("stock", Map.of("windowServerCpuMsPerItem", 20.0, "windowP95Ms", 80.0));
    results.put("h2", Map.of("windowServerCpuMsPerItem", 30.0, "windowP95Ms", 60.0));

    var ratios = Benchmark.ratiosToStock(results, options(List.of(10000), List.of("window"), false)).get("h2");

    assertThat(ratios.get("windowServerCpuMsPerItem").value()).isEqualTo(1.5);
    assertThat(ratios.get("windowServerCpuMsPerItem").goal()).isEmpty();
    assertThat(ratios.get("windowP95Ms").value()).isEqualTo(0.75);
  }

  @Test
  void withoutAStockRunThereIsNothingToCompare() {
    var results = Map.<String, Map<String, Double>>of("h2", Map.of("startSeconds", 14.0));

    assertThat(Benchmark.ratiosToStock(results, options(List.of(10000), List.of(), false))).isEmpty();
  }

  @Test
  void aFigureTheStockServerDoesNotMeasurePrintsAsADash() {
    var results = new LinkedHashMap<String, Map<String, Double>>();
    results.put("stock", Map.of("startSeconds", 26.0));
    results.put("h2", Map.of("startSeconds", 36.0, "mllpMessagesPerSecond", 31.0, "mllpMessagesServerCpuMsPerItem", 61.0,
        "jdbcBaselinePerSecond", 15000.0));
    var printed = new java.io.ByteArrayOutputStream();
    var stdout = System.out;
    System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      Benchmark.print(results, Map.of(), options(List.of(10000), List.of(), false));
    } finally {
      System.setOut(stdout);
    }
    var lines = printed.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();

    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("HL7 v2 over MLLP")
        .matches(".*\\s-\\s+31 msg/s \\[61\\.0\\].*"));
    // A rate without a CPU figure keeps its rate.
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("plain JDBC").contains("15000 rows/s"));
    assertThat(lines).noneSatisfy(line -> assertThat(line).containsPattern("\\bn s\\b|null"));
  }
}
