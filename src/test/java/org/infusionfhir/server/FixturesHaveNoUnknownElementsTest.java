package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParserErrorHandler.IParseLocation;
import ca.uhn.fhir.parser.LenientErrorHandler;
import java.nio.file.Files;
import java.util.ArrayList;
import org.infusionfhir.support.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The server refuses resources with elements FHIR R4 does not define (infusion.fhir.unknown-elements), so
 * the examples users copy from fixtures/ (and the adapters' test data) must have none, invalid ones too:
 * each of those must fail for the reason its .expected file gives, not for a stray element.
 */
class FixturesHaveNoUnknownElementsTest {

  @Test
  void noFixtureHasAnElementFhirR4DoesNotDefine() throws Exception {
    var found = new ArrayList<String>();
    var files = new ArrayList<java.nio.file.Path>();
    files.addAll(Fixtures.jsonFiles(Fixtures.BUNDLES));
    files.addAll(Fixtures.jsonFiles(Fixtures.RESOURCES));
    files.addAll(Fixtures.jsonFiles(Fixtures.INVALID));
    assertThat(files).hasSizeGreaterThan(10);
    for (var file : files) {
      var parser = FhirContext.forR4Cached().newJsonParser();
      parser.setParserErrorHandler(new LenientErrorHandler(false) {
        @Override
        public void unknownElement(IParseLocation location, String name) {
          found.add(file + ": " + name + " in " + (location == null ? "?" : location.getParentElementName()));
        }
      });
      try {
        parser.parseResource(Files.readString(file));
      } catch (ca.uhn.fhir.parser.DataFormatException e) {
        // Some invalid fixtures are meant not to parse at all; they are about their own error.
      }
    }
    assertThat(found).isEmpty();
  }
}
