package org.infusionfhir.cohort;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ndjson/<Type>.ndjson}: one file per resource type and one resource per line, with ids and
 * relative references, as a Bulk Data export writes them. The files stay open for the whole run and
 * each patient's resources are appended as they are made.
 */
final class NdjsonFiles implements Closeable {

  private final Path folder;
  private final Map<String, Writer> writers = new LinkedHashMap<>();

  NdjsonFiles(Path folder) {
    this.folder = folder;
  }

  void write(EncodedResource resource) throws IOException {
    var writer = writers.get(resource.type());
    if (writer == null) {
      writer = Files.newBufferedWriter(folder.resolve(resource.type() + ".ndjson"), StandardCharsets.UTF_8);
      writers.put(resource.type(), writer);
    }
    writer.write(resource.json());
    writer.write('\n');
  }

  int files() {
    return writers.size();
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (var writer : writers.values()) {
      try {
        writer.close();
      } catch (IOException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
