package org.infusionfhir.ig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The FHIR files (.json, .xml) named on a command line: files as given, folders walked, sorted. */
final class FhirFiles {

  private FhirFiles() {}

  static List<Path> under(List<Path> paths) throws IOException {
    var files = new ArrayList<Path>();
    for (var path : paths) {
      if (Files.isDirectory(path)) {
        try (Stream<Path> walk = Files.walk(path)) {
          walk.filter(Files::isRegularFile).filter(FhirFiles::isFhirFile).sorted().forEach(files::add);
        }
      } else if (Files.isRegularFile(path)) {
        files.add(path);
      } else {
        throw new IOException("no such file or folder: " + path);
      }
    }
    return files;
  }

  private static boolean isFhirFile(Path file) {
    var name = file.toString();
    return name.endsWith(".json") || name.endsWith(".xml");
  }
}
