package org.infusionfhir.ig;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.UriType;
import org.infusionfhir.support.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The offline validator reuses the core's InstanceValidators between validations; HAPI's own
 * FhirInstanceValidator builds a fresh one each time. Whatever one validation leaves behind in a reused
 * validator must not change the messages of the next: every result is compared, message by message, with
 * a fresh HAPI validator's over the same support chain and settings.
 */
class ReusedInstanceValidatorTest {

  static FhirContext fhirContext;
  static OfflineValidator offline;
  static FhirValidator fresh;
  static Map<Path, String> fixtures;
  static Map<Path, List<String>> expected;

  @BeforeAll
  static void validateEveryFixtureWithAFreshHapiValidator() {
    fhirContext = FhirContext.forR4Cached();
    offline = OfflineValidator.fromBundledPackage(fhirContext);
    fresh = freshHapiValidator(offline);
    fixtures = new LinkedHashMap<>();
    Stream.concat(Fixtures.jsonFiles(Fixtures.RESOURCES).stream(), Fixtures.jsonFiles(Fixtures.INVALID).stream())
        .forEach(file -> fixtures.put(file, read(file)));
    expected = new LinkedHashMap<>();
    fixtures.forEach((file, text) -> expected.put(file, messages(fresh.validateWithResult(text))));
    assertThat(expected).hasSizeGreaterThanOrEqualTo(30);
  }

  static FhirValidator freshHapiValidator(OfflineValidator offline) {
    return fhirContext.newValidator()
        .registerValidatorModule(OfflineValidator.configure(new FhirInstanceValidator(offline.supportChain())));
  }

  /** Everything the validator says about one issue, so any difference shows. */
  static List<String> messages(ValidationResult result) {
    return result.getMessages().stream()
        .map(m -> String.join(" | ", String.valueOf(m.getSeverity()), m.getLocationString(),
            m.getLocationLine() + ":" + m.getLocationCol(), String.valueOf(m.getMessageId()), m.getMessage(),
            String.valueOf(m.getSliceMessages())))
        .toList();
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyFixtureValidatedTwiceInARowGetsTheMessagesOfAFreshValidatorBothTimes() {
    fixtures.forEach((file, text) -> {
      assertThat(messages(offline.validate(text))).as("%s, first", file).isEqualTo(expected.get(file));
      assertThat(messages(offline.validate(text))).as("%s, second", file).isEqualTo(expected.get(file));
    });
  }

  @Test
  void validInvalidAndParsedResourcesInterleavedDoNotChangeEachOthersMessages() {
    var files = new ArrayList<>(fixtures.keySet());
    var valid = files.stream().filter(f -> f.startsWith(Fixtures.RESOURCES)).toList();
    var invalid = files.stream().filter(f -> f.startsWith(Fixtures.INVALID)).toList();
    var order = new ArrayList<Path>();
    for (int i = 0; i < Math.max(valid.size(), invalid.size()); i++) {
      order.add(invalid.get(i % invalid.size()));
      order.add(valid.get(valid.size() - 1 - i % valid.size()));
    }
    Collections.shuffle(order, new Random(20261126));
    for (var file : order) {
      assertThat(messages(offline.validate(fixtures.get(file)))).as("%s as text", file)
          .isEqualTo(expected.get(file));
      // The path of validation on write: a parsed resource, encoded again by HAPI.
      IBaseResource parsed = fhirContext.newJsonParser().parseResource(fixtures.get(file));
      assertThat(messages(offline.validate(parsed)))
          .as("%s as a parsed resource", file)
          .isEqualTo(messages(fresh.validateWithResult(parsed)));
      var xml = fhirContext.newXmlParser().encodeResourceToString(parsed);
      assertThat(messages(offline.validate(xml))).as("%s as XML", file)
          .isEqualTo(messages(fresh.validateWithResult(xml)));
    }
  }

  @Test
  void textThatIsNotWellFormedFailsAsWithAFreshValidator() {
    for (var text : List.of("{\"resourceType\": \"Observation\", \"status\": ",
        "<Observation xmlns=\"http://hl7.org/fhir\"><status value=\"final\"/>",
        "{\"resourceType\": \"Observation\", \"meta\": {\"profile\": \"not-a-list\"}}")) {
      var ours = outcome(() -> offline.validate(text));
      var theirs = outcome(() -> fresh.validateWithResult(text));
      assertThat(ours).as(text).isEqualTo(theirs);
    }
  }

  /** The messages, or the exception's type and message. */
  static List<String> outcome(Supplier<ValidationResult> validation) {
    try {
      return messages(validation.get());
    } catch (RuntimeException e) {
      return List.of(e.getClass().getName(), String.valueOf(e.getMessage()));
    }
  }

  @Test
  void validationsOnSeveralThreadsAtOnceGetTheMessagesOfAFreshValidator() throws Exception {
    var files = new ArrayList<>(fixtures.keySet());
    var tasks = new ArrayList<Callable<Void>>();
    for (int thread = 0; thread < 4; thread++) {
      var order = new ArrayList<>(files);
      Collections.shuffle(order, new Random(thread));
      tasks.add(() -> {
        for (var file : order) {
          assertThat(messages(offline.validate(fixtures.get(file)))).as("%s", file).isEqualTo(expected.get(file));
        }
        return null;
      });
    }
    var pool = Executors.newFixedThreadPool(tasks.size());
    try {
      for (var outcome : pool.invokeAll(tasks)) {
        outcome.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The core reports a retired extension definition once per InstanceValidator (its statusWarnings);
   * HAPI builds one per validation, so it is reported every time, and so must ours be.
   */
  @Test
  void aRetiredExtensionIsReportedOnEveryValidationNotOnlyTheFirst() {
    var url = "http://infusion-fhir.org/fhir/StructureDefinition/test-retired-note";
    var core = (StructureDefinition) offline.supportChain()
        .fetchStructureDefinition("http://hl7.org/fhir/StructureDefinition/rendering-style");
    var retired = core.copy();
    retired.setId("test-retired-note");
    retired.setUrl(url);
    retired.setStatus(PublicationStatus.RETIRED);
    Stream.concat(retired.getSnapshot().getElement().stream(), retired.getDifferential().getElement().stream())
        .filter(e -> e.getPath().equals("Extension.url"))
        .forEach(e -> e.setFixed(new UriType(url)));
    var withRetired = OfflineValidator.fromResources(fhirContext, List.of(retired));
    var patient = new Patient();
    patient.addExtension(url, new StringType("large print"));
    var text = fhirContext.newJsonParser().encodeResourceToString(patient);

    var reference = messages(freshHapiValidator(withRetired).validateWithResult(text));
    assertThat(reference).as("a fresh validator reports the retired definition")
        .anyMatch(m -> m.contains("retired"));
    for (int i = 0; i < 3; i++) {
      assertThat(messages(withRetired.validate(text))).as("validation %d", i + 1).isEqualTo(reference);
    }
  }
}
