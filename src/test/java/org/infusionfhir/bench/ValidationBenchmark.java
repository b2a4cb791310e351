package org.infusionfhir.bench;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.hl7.fhir.r4.model.Observation;
import org.infusionfhir.ig.OfflineValidator;

/**
 * Validation speed, apart from the tests (they assert behaviour, never speed):
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.infusionfhir.bench.ValidationBenchmark}. Prints cold and warm timings of one
 * vital-sign Observation validated against our heart-rate profile.
 */
public final class ValidationBenchmark {

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    var fhirContext = FhirContext.forR4();
    long setupStart = System.nanoTime();
    var validator = OfflineValidator.fromBundledPackage(fhirContext);
    double setupMs = (System.nanoTime() - setupStart) / 1e6;
    var text = Files.readString(Path.of("fixtures/resources/infusion-heart-rate-example.json"));
    var observation = fhirContext.newJsonParser().parseResource(Observation.class, text);

    long coldStart = System.nanoTime();
    var cold = validator.validate(observation);
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
    System.out.printf("validator set-up            %8.1f ms%n", setupMs);
    System.out.printf("cold (first) validation     %8.1f ms  (%d messages)%n", coldMs, cold.getMessages().size());
    System.out.printf("warm median (last %d)     %8.2f ms%n", steady.length, steady[steady.length / 2]);
    System.out.printf("warm p95                    %8.2f ms%n", steady[(int) (steady.length * 0.95)]);
    System.out.printf("warm throughput             %8.0f resources/s%n",
        1000.0 / Arrays.stream(steady).average().orElseThrow());
  }
}
