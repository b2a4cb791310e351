package org.infusionfhir.server.storage;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.SearchParameter;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Switches off the built-in search parameters named in {@code infusion.indexing.disabled-search-parameters}
 * the way HAPI provides for it: a stored SearchParameter with the same base and code and status
 * {@code retired} overrides the built-in one, which is then neither indexed on write nor searchable.
 * Idempotent at every start; a parameter taken off the list has its retired copy deleted, so it is
 * indexed again (HAPI marks stored resources for reindexing when search parameters change).
 */
@Component
public class DisabledSearchParameters implements ApplicationRunner {

  static final String URL_PREFIX = "http://infusion-fhir.org/fhir/SearchParameter/disabled-";
  private static final Logger log = LoggerFactory.getLogger(DisabledSearchParameters.class);

  private final FhirContext fhirContext;
  private final DaoRegistry daos;
  private final ISearchParamRegistry registry;
  private final IndexingProperties properties;

  private final DataSource dataSource;

  public DisabledSearchParameters(FhirContext fhirContext, DaoRegistry daos, ISearchParamRegistry registry,
      IndexingProperties properties, DataSource dataSource) {
    this.dataSource = dataSource;
    this.fhirContext = fhirContext;
    this.daos = daos;
    this.registry = registry;
    this.properties = properties;
  }

  @Override
  public void run(ApplicationArguments args) {
    // Replicas starting together would both write the same SearchParameters: one at a time.
    try (var lock = ClusterLock.take(dataSource, "storing the switched-off search parameters")) {
      store();
    }
  }

  private void store() {
    var wanted = new LinkedHashMap<String, SearchParameter>();
    for (var name : properties.disabledSearchParameters()) {
      var retired = retiredCopy(name.trim());
      wanted.put(retired.getIdElement().getIdPart(), retired);
    }
    @SuppressWarnings("unchecked")
    var dao = (IFhirResourceDao<SearchParameter>) daos.getResourceDao("SearchParameter");
    boolean changed = removeNoLongerListed(dao, wanted);
    for (var parameter : wanted.values()) {
      var outcome = dao.update(parameter, new SystemRequestDetails());
      changed |= !outcome.isNop();
    }
    if (changed) {
      registry.forceRefresh();
    }
    log.info("Search parameters switched off (not indexed, not searchable): {}",
        wanted.isEmpty() ? "none" : String.join(", ", properties.disabledSearchParameters()));
  }

  /** A retired SearchParameter overriding the built-in {@code Type.code}. */
  SearchParameter retiredCopy(String name) {
    int dot = name.indexOf('.');
    if (dot < 1 || dot == name.length() - 1) {
      throw new IllegalStateException("infusion.indexing.disabled-search-parameters: '" + name
          + "' is not Type.code, e.g. Observation.combo-code");
    }
    var type = name.substring(0, dot);
    var code = name.substring(dot + 1);
    RuntimeSearchParam builtIn;
    try {
      builtIn = fhirContext.getResourceDefinition(type).getSearchParam(code);
    } catch (RuntimeException unknownType) {
      builtIn = null;
    }
    if (builtIn == null) {
      throw new IllegalStateException("infusion.indexing.disabled-search-parameters: " + type
          + " has no built-in search parameter '" + code + "'");
    }
    var id = ("disabled-" + type + "-" + code).toLowerCase();
    var parameter = new SearchParameter();
    parameter.setId(new IdType("SearchParameter", id));
    parameter.setUrl(URL_PREFIX + type + "-" + code);
    parameter.setName(code.replace('-', '_'));
    parameter.setStatus(Enumerations.PublicationStatus.RETIRED);
    parameter.setDescription("Switched off on this server by infusion.indexing.disabled-search-parameters: "
        + "the built-in " + type + "." + code + " is neither indexed nor searchable here.");
    parameter.setCode(code);
    parameter.addBase(type);
    parameter.setType(Enumerations.SearchParamType.fromCode(builtIn.getParamType().getCode()));
    parameter.setExpression(builtIn.getPath());
    for (var component : builtIn.getComponents()) {
      parameter.addComponent().setDefinition(component.getReference()).setExpression(component.getExpression());
    }
    return parameter;
  }

  private boolean removeNoLongerListed(IFhirResourceDao<SearchParameter> dao, Map<String, SearchParameter> wanted) {
    var map = SearchParameterMap.newSynchronous()
        .add(SearchParameter.SP_STATUS, new TokenParam(Enumerations.PublicationStatus.RETIRED.toCode()));
    boolean removed = false;
    for (var stored : dao.searchForResources(map, new SystemRequestDetails())) {
      var parameter = (SearchParameter) stored;
      if (parameter.getUrl() != null && parameter.getUrl().startsWith(URL_PREFIX)
          && !wanted.containsKey(parameter.getIdElement().getIdPart())) {
        dao.delete(parameter.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails());
        log.info("Search parameter {}.{} switched on again: stored resources will be reindexed",
            parameter.getBase().get(0).getValue(), parameter.getCode());
        removed = true;
      }
    }
    return removed;
  }
}
