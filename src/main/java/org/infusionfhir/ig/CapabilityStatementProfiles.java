package org.infusionfhir.ig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.StructureDefinition.StructureDefinitionKind;
import org.hl7.fhir.r4.model.StructureDefinition.TypeDerivationRule;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Lists our profiles in {@code CapabilityStatement.rest.resource.supportedProfile} and our
 * SearchParameters in {@code rest.resource.searchParam}, read from the package in the jar, so that
 * {@code /fhir/metadata} describes the guide from the first request on.
 */
@Component
@Interceptor
public class CapabilityStatementProfiles implements ServerInterceptor {

  private final Map<String, List<String>> profilesByType = new LinkedHashMap<>();
  private final List<SearchParameter> searchParameters = new ArrayList<>();

  public CapabilityStatementProfiles(FhirContext fhirContext) {
    try {
      var npm = ImplementationGuidePackage.open();
      var parser = fhirContext.newJsonParser();
      for (var name : npm.listResources("StructureDefinition")) {
        var sd = parser.parseResource(StructureDefinition.class, npm.load("package", name));
        if (sd.getKind() == StructureDefinitionKind.RESOURCE && sd.getDerivation() == TypeDerivationRule.CONSTRAINT) {
          profilesByType.computeIfAbsent(sd.getType(), t -> new ArrayList<>()).add(sd.getUrl());
        }
      }
      for (var name : npm.listResources("SearchParameter")) {
        searchParameters.add(parser.parseResource(SearchParameter.class, npm.load("package", name)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("The implementation guide package cannot be read", e);
    }
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void describeTheGuide(IBaseConformance capabilityStatement) {
    var statement = (CapabilityStatement) capabilityStatement;
    statement.addInstantiates(ImplementationGuidePackage.CANONICAL_BASE
        + "/CapabilityStatement/infusion-fhir-server");
    for (var rest : statement.getRest()) {
      for (var resource : rest.getResource()) {
        for (var profile : profilesByType.getOrDefault(resource.getType(), List.of())) {
          if (resource.getSupportedProfile().stream().noneMatch(p -> profile.equals(p.getValue()))) {
            resource.addSupportedProfile(profile);
          }
        }
        for (var sp : searchParameters) {
          var applies = sp.getBase().stream().anyMatch(b -> b.getValueAsString().equals(resource.getType()));
          if (applies && resource.getSearchParam().stream().noneMatch(s -> s.getName().equals(sp.getCode()))) {
            resource.addSearchParam().setName(sp.getCode()).setDefinition(sp.getUrl())
                .setType(org.hl7.fhir.r4.model.Enumerations.SearchParamType.fromCode(sp.getType().toCode()))
                .setDocumentation(sp.getDescription());
          }
        }
      }
    }
  }
}
