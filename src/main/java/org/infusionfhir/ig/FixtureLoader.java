package org.infusionfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

/**
 * Loads FHIR files (transaction Bundles and single resources with ids) into storage through HAPI's DAOs,
 * so validation on write applies. Bundles use PUT with client ids and single resources are updated by
 * id, so loading the same files twice changes nothing.
 */
@Component
public class FixtureLoader {

  /** What one file did. */
  public record Loaded(Path file, int resources) {}

  private final FhirContext fhirContext;
  private final IFhirSystemDao<Bundle, ?> systemDao;
  private final DaoRegistry daoRegistry;

  public FixtureLoader(FhirContext fhirContext, IFhirSystemDao<Bundle, ?> systemDao, DaoRegistry daoRegistry) {
    this.fhirContext = fhirContext;
    this.systemDao = systemDao;
    this.daoRegistry = daoRegistry;
  }

  public List<Loaded> load(List<Path> paths) throws IOException {
    var loaded = new ArrayList<Loaded>();
    for (var file : FhirFiles.under(paths)) {
      loaded.add(load(file));
    }
    return loaded;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public Loaded load(Path file) throws IOException {
    var text = Files.readString(file);
    var parser = file.toString().endsWith(".xml") ? fhirContext.newXmlParser() : fhirContext.newJsonParser();
    var resource = (Resource) parser.parseResource(text);
    var request = new SystemRequestDetails();
    if (resource instanceof Bundle bundle
        && (bundle.getType() == BundleType.TRANSACTION || bundle.getType() == BundleType.BATCH)) {
      systemDao.transaction(request, bundle);
      return new Loaded(file, bundle.getEntry().size());
    }
    if (!resource.getIdElement().hasIdPart()) {
      throw new IllegalArgumentException(file + ": a single resource needs an id so that loading it is idempotent");
    }
    ((ca.uhn.fhir.jpa.api.dao.IFhirResourceDao) daoRegistry.getResourceDao(resource.fhirType()))
        .update(resource, request);
    return new Loaded(file, 1);
  }

}
