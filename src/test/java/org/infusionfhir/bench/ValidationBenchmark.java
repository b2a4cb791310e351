package org.infusionfhir.bench;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.Observation;
import org.infusionfhir.ig.OfflineValidator;

/**
 * Validation speed, apart from the tests (they assert behaviour, never speed):
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.infusionfhir.bench.ValidationBenchmark}. Prints cold and warm timings of one
 * vital-sign Observation validated against our heart-rate profile. {@link Benchmark} runs it too.
 */
public final class ValidationBenchmark {

  public static void main(String[] args) throws Exception {
    var figures = measure(args.length > 0 ? Integer.parseInt(args[0]) : 2000);
    System.out.printf("validator set-up            %8.1f ms%n", figures.get("setupMs"));
    System.out.printf("cold (first) validation     %8.1f ms%n", figures.get("coldMs"));
    System.out.printf("warm median (second half)   %8.2f ms%n", figures.get("warmMedianMs"));
    System.out.printf("warm p95                    %8.2f ms%n", figures.get("warmP95Ms"));
    System.out.printf("warm throughput             %8.0f resources/s%n", figures.get("warmPerSecond"));
  }

  /** Set-up, cold and warm (median and p95 of the second half of {@code rounds}) milliseconds. */
  static Map<String, Double> measure(int rounds) throws Exception {
    var fhirContext = FhirContext.forR4();
    long setupStart = System.nanoTime();
    var validator = OfflineValidator.fromBundledPackage(fhirContext);
    double setupMs = (System.nanoTime() - setupStart) / 1e6;
    var text = Files.readString(Path.of("fixtures/resources/infusion-heart-rate-example.json"));
    var observation = fhirContext.newJsonParser().parseResource(Observation.class, text);

    long coldStart = System.nanoTime();
    validator.validate(observation);
    double coldMs = (System.nanoTime() - coldStart) / 1e6;

    var warm = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      observation.getValueQuantity().setValue(60 + i % 60);
      long start = System.nanoTime();
      validator.validate(observation);
      warm[i] = (System.nanoTime() - start) / 1e6;
    }
    var steady = Arrays.copyOfRange(warm, rounds / 2, rounds);
    Arrays.sort(steady);
    var figures = new LinkedHashMap<String, Double>();
    figures.put("setupMs", setupMs);
    figures.put("coldMs", coldMs);
    figures.put("warmMedianMs", steady[steady.length / 2]);
    figures.put("warmP95Ms", steady[(int) (steady.length * 0.95)]);
    figures.put("warmPerSecond", 1000.0 / Arrays.stream(steady).average().orElseThrow());
    return figures;
  }
}
