package org.infusionfhir.cohort;

import ca.uhn.fhir.parser.IParser;
import org.hl7.fhir.r4.model.Resource;

/**
 * A resource as compact FHIR JSON, encoded once by HAPI's parser and then written both as an NDJSON line
 * and as a Bundle entry (encoding is most of a run's time; encoding twice made it nearly twice as long).
 */
record EncodedResource(String type, String id, String json) {

  static EncodedResource of(Resource resource, IParser parser) {
    return new EncodedResource(resource.fhirType(), resource.getIdElement().getIdPart(),
        parser.encodeResourceToString(resource));
  }

  /** The relative URL that names it: {@code Type/id}. */
  String url() {
    return type + "/" + id;
  }
}
