package org.infusionfhir.ig;

import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec.InstallModeEnum;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import org.infusionfhir.server.storage.ClusterLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Installs our implementation guide package from the jar at start-up, before readiness turns UP: the
 * profiles, extensions, ValueSets, CodeSystems and SearchParameters become readable at {@code /fhir},
 * usable by {@code $validate} and {@code $expand}, and searchable. Nothing is fetched from the network:
 * the core definitions it depends on are built into HAPI.
 */
@Component
public class ImplementationGuideInstaller implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(ImplementationGuideInstaller.class);

  private final IPackageInstallerSvc installer;
  private final ISearchParamRegistry searchParams;

  private final DataSource dataSource;

  public ImplementationGuideInstaller(IPackageInstallerSvc installer, ISearchParamRegistry searchParams,
      DataSource dataSource) {
    this.dataSource = dataSource;
    this.installer = installer;
    this.searchParams = searchParams;
  }

  @Override
  public void run(ApplicationArguments args) {
    var contents = ImplementationGuidePackage.bytes();
    var spec = new PackageInstallationSpec()
        .setName(ImplementationGuidePackage.NAME)
        .setVersion(ImplementationGuidePackage.VERSION)
        .setPackageContents(contents)
        .setInstallMode(InstallModeEnum.STORE_AND_INSTALL)
        .setFetchDependencies(false);
    spec.setReloadExisting(true);
    // The ImplementationGuide and CapabilityStatement stay in the package: stored, their references to
    // our profiles would not resolve, as HAPI gives installed resources ids of its own.
    spec.setInstallResourceTypes(java.util.List.of("StructureDefinition", "ValueSet", "CodeSystem", "SearchParameter"));
    // Replicas starting together would both insert the package's rows: one at a time, and the later one finds
    // the package stored and reloads its resources.
    PackageInstallOutcomeJson outcome;
    try (var lock = ClusterLock.take(dataSource, "installing the implementation guide")) {
      outcome = installer.install(spec);
    }
    searchParams.forceRefresh();
    log.info("Implementation guide {}#{} installed: {}", ImplementationGuidePackage.NAME,
        ImplementationGuidePackage.VERSION, outcome.getResourcesInstalled());
  }
}
