package org.infusionfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.StructureDefinition;

/**
 * Build step ({@code mvn package}, phase process-classes): turns {@code profiles/} into the FHIR NPM
 * package {@code org.infusionfhir.ig}. It parses every conformance resource, generates the snapshot of
 * every profile, checks that each differential element landed in its snapshot, validates each resource
 * against the R4 core, and fails with the file and element at fault. The package goes to
 * {@code target/} and into the jar at {@link ImplementationGuidePackage#CLASSPATH_LOCATION}.
 */
public final class PackageBuilder {

  private final FhirContext fhirContext = FhirContext.forR4();
  private final ObjectMapper json = new ObjectMapper();

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: PackageBuilder <profiles dir> <target dir>");
    }
    new PackageBuilder().build(Path.of(args[0]), Path.of(args[1]));
  }

  record Source(Path file, MetadataResource resource) {}

  public Path build(Path profilesDir, Path targetDir) throws IOException {
    var sources = parse(profilesDir);
    List<IBaseResource> resources = sources.stream().map(s -> (IBaseResource) s.resource()).collect(Collectors.toList());
    var validator = OfflineValidator.fromResources(fhirContext, resources);
    var problems = new ArrayList<String>();
    for (var source : sources) {
      if (source.resource() instanceof StructureDefinition profile) {
        generateSnapshot(source.file(), profile, validator, problems);
      }
    }
    for (var source : sources) {
      // Profiles are checked by generating their snapshots above; validating a StructureDefinition as an
      // instance makes the core validator look for the R4 core package online, which we never do.
      if (source.resource() instanceof StructureDefinition) {
        continue;
      }
      var result = validator.validate(source.resource());
      result.getMessages().stream()
          .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
          .forEach(m -> problems.add(source.file().getFileName() + ": " + m.getLocationString() + ": " + m.getMessage()));
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("The implementation guide in " + profilesDir + " is broken:\n  "
          + String.join("\n  ", problems));
    }
    var tgz = writePackage(sources, targetDir);
    System.out.println("[ig] " + sources.size() + " conformance resources packed into " + tgz);
    return tgz;
  }

  private List<Source> parse(Path profilesDir) throws IOException {
    var sources = new ArrayList<Source>();
    var ids = new LinkedHashMap<String, Path>();
    try (var files = Files.list(profilesDir)) {
      for (var file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        IBaseResource parsed;
        try {
          parsed = fhirContext.newJsonParser().parseResource(Files.readString(file));
        } catch (DataFormatException e) {
          throw new IllegalStateException(file.getFileName() + ": not a FHIR R4 resource: " + e.getMessage(), e);
        }
        if (!(parsed instanceof MetadataResource resource)) {
          throw new IllegalStateException(file.getFileName() + ": not a conformance resource");
        }
        var key = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        var expectedName = resource.fhirType() + "-" + resource.getIdElement().getIdPart() + ".json";
        if (!file.getFileName().toString().equals(expectedName)) {
          throw new IllegalStateException(file.getFileName() + ": should be named " + expectedName);
        }
        if (!resource.getUrl().equals(ImplementationGuidePackage.CANONICAL_BASE + "/" + key)) {
          throw new IllegalStateException(file.getFileName() + ": url " + resource.getUrl() + " should be "
              + ImplementationGuidePackage.CANONICAL_BASE + "/" + key);
        }
        if (ids.put(key, file) != null) {
          throw new IllegalStateException(file.getFileName() + ": duplicate " + key);
        }
        sources.add(new Source(file, resource));
      }
    }
    return sources;
  }

  private void generateSnapshot(Path file, StructureDefinition profile, OfflineValidator validator,
      List<String> problems) {
    if (profile.hasSnapshot()) {
      problems.add(file.getFileName() + ": carries a snapshot; the source holds differentials only");
      return;
    }
    var chain = validator.supportChain();
    try {
      var withSnapshot = (StructureDefinition) chain.generateSnapshot(
          new ValidationSupportContext(chain), profile, profile.getUrl(), null, profile.getName());
      if (withSnapshot == null || !withSnapshot.hasSnapshot()) {
        problems.add(file.getFileName() + ": no snapshot could be generated");
        return;
      }
      profile.setSnapshot(withSnapshot.getSnapshot());
    } catch (RuntimeException e) {
      problems.add(file.getFileName() + ": snapshot generation failed: " + e.getMessage());
      return;
    }
    var snapshotIds = profile.getSnapshot().getElement().stream().map(ElementDefinition::getId)
        .collect(Collectors.toSet());
    for (var element : profile.getDifferential().getElement()) {
      if (!snapshotIds.contains(element.getId())) {
        problems.add(file.getFileName() + ": element " + element.getId() + " (path " + element.getPath()
            + ") is not in the generated snapshot: no such element in " + profile.getBaseDefinition());
      }
    }
  }

  private Path writePackage(List<Source> sources, Path targetDir) throws IOException {
    var files = new LinkedHashMap<String, byte[]>();
    var index = json.createObjectNode().put("index-version", 1);
    var indexFiles = index.putArray("files");
    for (var source : sources) {
      var resource = source.resource();
      var name = source.file().getFileName().toString();
      files.put(name, fhirContext.newJsonParser().setPrettyPrint(true).encodeResourceToString(resource)
          .getBytes(StandardCharsets.UTF_8));
      ObjectNode entry = indexFiles.addObject()
          .put("filename", name)
          .put("resourceType", resource.fhirType())
          .put("id", resource.getIdElement().getIdPart())
          .put("url", resource.getUrl())
          .put("version", resource.getVersion());
      if (resource instanceof StructureDefinition sd) {
        entry.put("kind", sd.getKind().toCode()).put("type", sd.getType());
      }
    }
    var manifest = json.createObjectNode()
        .put("name", ImplementationGuidePackage.NAME)
        .put("version", ImplementationGuidePackage.VERSION)
        .put("canonical", ImplementationGuidePackage.CANONICAL_BASE)
        .put("url", ImplementationGuidePackage.CANONICAL_BASE)
        .put("title", "infusion-fhir implementation guide")
        .put("description", "Profiles, extensions, terminology and search parameters for infusion clinic records")
        .put("type", "fhir.ig")
        .put("license", "Apache-2.0");
    manifest.putArray("fhirVersions").add("4.0.1");
    manifest.putObject("dependencies").put("hl7.fhir.r4.core", "4.0.1");

    var packageDir = targetDir.resolve("ig/package");
    Files.createDirectories(packageDir);
    var tgzContent = new LinkedHashMap<String, byte[]>();
    tgzContent.put("package/package.json", json.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
    tgzContent.put("package/.index.json", json.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
    files.forEach((name, bytes) -> tgzContent.put("package/" + name, bytes));
    for (Map.Entry<String, byte[]> e : tgzContent.entrySet()) {
      Files.write(targetDir.resolve("ig").resolve(e.getKey()), e.getValue());
    }
    var tgz = targetDir.resolve(ImplementationGuidePackage.NAME + "-" + ImplementationGuidePackage.VERSION + ".tgz");
    Files.write(tgz, tarGz(tgzContent));
    var inJar = targetDir.resolve("classes").resolve(ImplementationGuidePackage.CLASSPATH_LOCATION);
    Files.createDirectories(inJar.getParent());
    Files.copy(tgz, inJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return tgz;
  }

  private static byte[] tarGz(Map<String, byte[]> entries) throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (var tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (var e : entries.entrySet()) {
        var entry = new TarArchiveEntry(e.getKey());
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}
