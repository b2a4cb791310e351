package org.infusionfhir.cohort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code bundles/<patient id>.json}: one transaction Bundle per patient, as fixtures/bundles are made.
 * Every entry is a PUT by the resource's own id, so storing a Bundle twice changes nothing, and the
 * clinic's shared resources the patient references travel with it, so each Bundle stands alone.
 *
 * <p>The entries' resources are the JSON HAPI encoded for the NDJSON; only the Bundle around them is put
 * together here, in exactly the form HAPI's compact encoding gives it (GenerateCommandTest holds it to that).
 * Ids and URLs are made of letters, digits, '-' and '.', so nothing in them needs escaping.
 */
final class BundleFiles {

  static final String FULL_URL_BASE = "https://infusion-fhir.org/cohort/";

  private final Path folder;

  BundleFiles(Path folder) {
    this.folder = folder;
  }

  /** Writes the patient's Bundle and answers how many entries it has. */
  int write(String patientId, List<EncodedResource> shared, List<EncodedResource> own) throws IOException {
    try (var writer = Files.newBufferedWriter(folder.resolve(patientId + ".json"), StandardCharsets.UTF_8)) {
      writer.write("{\"resourceType\":\"Bundle\",\"id\":\"" + patientId + "\",\"type\":\"transaction\",\"entry\":[");
      boolean first = true;
      for (var list : List.of(shared, own)) {
        for (var resource : list) {
          if (!first) {
            writer.write(',');
          }
          first = false;
          writer.write("{\"fullUrl\":\"" + FULL_URL_BASE + resource.url() + "\",\"resource\":");
          writer.write(resource.json());
          writer.write(",\"request\":{\"method\":\"PUT\",\"url\":\"" + resource.url() + "\"}}");
        }
      }
      writer.write("]}\n");
    }
    return shared.size() + own.size();
  }
}
