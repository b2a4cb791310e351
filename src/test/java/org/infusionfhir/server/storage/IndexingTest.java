package org.infusionfhir.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.SearchParameter;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a write costs in rows, and the switches that lower it (infusion.indexing.*): the disabled built-in
 * search parameters are neither indexed nor searchable, everything EHRs search by still is, and small
 * resources keep their text in the version row. Counting rows is HAPI's own way of catching regressions on
 * hot paths, and unlike a timing it does not depend on how busy the machine is.
 */
@H2FhirServer
class IndexingTest extends FhirServerTestBase {

  @Autowired DataSource dataSource;
  @Autowired DisabledSearchParameters disabled;
  @Autowired DaoRegistry daos;
  @Autowired IndexingProperties indexing;

  private static final String[] INDEX_TABLES = {"HFJ_SPIDX_TOKEN", "HFJ_SPIDX_QUANTITY", "HFJ_SPIDX_DATE",
      "HFJ_SPIDX_STRING", "HFJ_SPIDX_URI", "HFJ_SPIDX_NUMBER", "HFJ_RES_LINK"};

  @Test
  void aDisabledParameterIsRefusedWith400AndNamesTheParameter() {
    assertOperationOutcome(get("/Observation?combo-code=http://loinc.org%7C8867-4"), 400, "combo-code");
  }

  @Test
  void aVitalSignIsIndexedForWhatEhrsSearchByAndNotTwiceThroughComboParameters() {
    var id = storeVital();
    var rows = indexRows(id);
    assertThat(rows.get("HFJ_SPIDX_TOKEN")).contains("code", "category", "status").doesNotContain("combo-code");
    assertThat(rows.get("HFJ_SPIDX_QUANTITY")).contains("value-quantity").doesNotContain("combo-value-quantity");
    assertThat(rows.get("HFJ_RES_LINK")).contains("Observation.subject", "Observation.partOf");
    int total = rows.values().stream().mapToInt(s -> s.split(",").length).sum();
    // Printed for the README's figure (rows per vital sign); HAPI with every parameter on writes more.
    System.out.println("[indexing] index rows of one heart-rate Observation: " + total + " " + rows);
    // With every built-in parameter on there are more: combo-code (token and text) and combo-value-quantity.
    assertThat(total).as("index rows of one vital sign").isLessThanOrEqualTo(9);
    var search = get("/Observation?subject=Patient/indexing-patient&code=http://loinc.org%7C8867-4"
        + "&date=2026-01-01&_id=" + id);
    assertThat(search.statusCode()).isEqualTo(200);
    assertThat(search.body()).contains("\"id\":\"" + id + "\"");
    assertThat(get("/Observation?value-quantity=gt50&_id=" + id).body()).contains("\"id\":\"" + id + "\"");
  }

  @Test
  void aSmallResourceKeepsItsTextInTheVersionRowNotInALargeObject() {
    var id = storeVital();
    var jdbc = new JdbcTemplate(dataSource);
    var row = jdbc.queryForMap("select v.RES_TEXT, v.RES_TEXT_VC from HFJ_RES_VER v join HFJ_RESOURCE r "
        + "on r.RES_ID = v.RES_ID where r.RES_TYPE = 'Observation' and r.FHIR_ID = ?", id);
    assertThat(row.get("RES_TEXT")).isNull();
    assertThat((String) row.get("RES_TEXT_VC")).contains("8867-4");
  }

  @Test
  void onH2TheInRowLimitForLargeObjectsHoldsTheLongestTextKeptInTheVersionRow() {
    // The test server's URL does not name the setting, so it comes from H2UrlSettings, as on the default URL.
    // H2 lists the setting only once it differs from its default (256 bytes).
    var inPlace = new JdbcTemplate(dataSource).queryForList("select SETTING_VALUE from INFORMATION_SCHEMA.SETTINGS "
        + "where SETTING_NAME = 'MAX_LENGTH_INPLACE_LOB'", String.class);
    assertThat(inPlace).as("H2's in-row limit for large objects")
        .containsExactly(H2UrlSettings.DEFAULTS.get("MAX_LENGTH_INPLACE_LOB"));
    // The limit is in bytes: it must hold the longest text kept in the column, at 4 bytes a character.
    assertThat(Integer.parseInt(inPlace.get(0))).isGreaterThanOrEqualTo(4 * indexing.inlineResourceTextBelow());
  }

  @Test
  void theDisabledParametersAreStoredAsRetiredOverridesOfTheBuiltInOnes() {
    var body = get("/SearchParameter?url=" + DisabledSearchParameters.URL_PREFIX + "Observation-combo-code").body();
    assertThat(body).contains("\"status\":\"retired\"").contains("\"code\":\"combo-code\"");
    var composite = disabled.retiredCopy("Observation.combo-code-value-quantity");
    assertThat(composite.getComponent()).hasSize(2);
  }

  @Test
  void aMistypedParameterStopsTheStartWithItsName() {
    assertThatThrownBy(() -> disabled.retiredCopy("Observation.no-such-parameter"))
        .hasMessageContaining("Observation has no built-in search parameter 'no-such-parameter'");
    assertThatThrownBy(() -> disabled.retiredCopy("combo-code")).hasMessageContaining("is not Type.code");
  }

  @Test
  void onH2APatientsVitalsSearchReadsItsTokenThroughTheResourceIndexSoItStartsFromThePatient() {
    var id = storeVital();
    var jdbc = new JdbcTemplate(dataSource);
    // The hint names HAPI's index; a HAPI upgrade that renames it must fail here, not in every such search.
    assertThat(jdbc.queryForObject("select count(*) from INFORMATION_SCHEMA.INDEXES where TABLE_NAME = "
        + "'HFJ_SPIDX_TOKEN' and INDEX_NAME = ?", Integer.class, H2ReferenceSearchRewrite.TOKEN_BY_RESOURCE_INDEX))
        .isEqualTo(1);
    jdbc.execute("SET QUERY_STATISTICS_MAX_ENTRIES 10000");
    jdbc.execute("SET QUERY_STATISTICS TRUE");
    try {
      var search = get("/Observation?subject=Patient/indexing-patient&category=vital-signs"
          + "&date=ge2026-01-01T10:00:00Z&date=lt2026-01-01T10:10:00Z");
      assertThat(search.statusCode()).isEqualTo(200);
      assertThat(search.body()).contains("\"id\":\"" + id + "\"");
      // The statements H2 ran: HAPI's search SQL reached H2 with the hint (the rewrite is installed and
      // still recognises HAPI's SQL).
      var statements = jdbc.queryForList("select SQL_STATEMENT from INFORMATION_SCHEMA.QUERY_STATISTICS", String.class);
      assertThat(statements).anyMatch(sql -> sql.contains("HFJ_RES_LINK") && sql.matches(
          "(?s).*HFJ_SPIDX_TOKEN t\\d+ USE INDEX \\(IDX_SP_TOKEN_RESID_V2\\).*"));
    } finally {
      jdbc.execute("SET QUERY_STATISTICS FALSE");
    }
  }

  @Test
  void theServersOwnSearchParameterWritesStartAReindexJobOnlyWhereStoredResourcesNeedOne() {
    var jdbc = new JdbcTemplate(dataSource);
    // Start-up on a new database stored the guide's parameters and the switched-off ones.
    // No other class writes SearchParameters, so whatever ran before, start-up's are the only ones yet.
    assertThat(reindexJobs(jdbc)).as("REINDEX jobs after start-up on a new database").isZero();
    storeVital();
    int before = reindexJobs(jdbc);
    @SuppressWarnings("unchecked")
    var dao = (IFhirResourceDao<SearchParameter>) daos.getResourceDao("SearchParameter");
    // One request for all three, as the guide's installer writes several: a skip must not carry over.
    var request = new SystemRequestDetails();
    // A type no test class stores (Basic was one, until the subscription gate's test began to write it).
    dao.update(parameter("indexing-synthesis-status", "EffectEvidenceSynthesis", "EffectEvidenceSynthesis.status",
        SearchParamType.TOKEN, PublicationStatus.ACTIVE), request);
    dao.update(parameter("indexing-retired-family", "Patient", "Patient.name.family", SearchParamType.STRING,
        PublicationStatus.RETIRED), request);
    assertThat(reindexJobs(jdbc)).as("no EffectEvidenceSynthesis is stored; a retired parameter is not searchable").isEqualTo(before);
    dao.update(parameter("indexing-family", "Patient", "Patient.name.family", SearchParamType.STRING,
        PublicationStatus.ACTIVE), request);
    assertThat(reindexJobs(jdbc)).as("a Patient is stored, so HAPI reindexes Patients").isEqualTo(before + 1);
  }

  private static int reindexJobs(JdbcTemplate jdbc) {
    return jdbc.queryForObject("select count(*) from BT2_JOB_INSTANCE where DEFINITION_ID = 'REINDEX'", Integer.class);
  }

  private static SearchParameter parameter(String code, String base, String expression, SearchParamType type,
      PublicationStatus status) {
    var parameter = new SearchParameter();
    parameter.setId(code);
    parameter.setUrl("http://infusion-fhir.org/fhir/SearchParameter/test-" + code).setName(code).setCode(code)
        .setStatus(status).setType(type).setExpression(expression).setDescription("test parameter")
        .addBase(base);
    return parameter;
  }

  private String storeVital() {
    client.update().resource(FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Patient.class,
        "{\"resourceType\":\"Patient\",\"id\":\"indexing-patient\",\"name\":[{\"family\":\"Index\"}]}")).execute();
    client.update().resource(FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Procedure.class,
        "{\"resourceType\":\"Procedure\",\"id\":\"indexing-infusion\",\"status\":\"completed\","
            + "\"code\":{\"text\":\"IV infusion\"},\"subject\":{\"reference\":\"Patient/indexing-patient\"}}")).execute();
    var observation = FHIR.newJsonParser().parseResource(Observation.class, """
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
         "subject":{"reference":"Patient/indexing-patient"},"partOf":[{"reference":"Procedure/indexing-infusion"}],
         "effectiveDateTime":"2026-01-01T10:05:00Z",
         "valueQuantity":{"value":74,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}""");
    return client.create().resource(observation).execute().getId().getIdPart();
  }

  /** Search parameter names (link paths for HFJ_RES_LINK) of the index rows of one Observation, per table. */
  private Map<String, String> indexRows(String id) {
    var jdbc = new JdbcTemplate(dataSource);
    Long pid = jdbc.queryForObject("select RES_ID from HFJ_RESOURCE where RES_TYPE = 'Observation' and FHIR_ID = ?",
        Long.class, id);
    var rows = new LinkedHashMap<String, String>();
    for (var table : INDEX_TABLES) {
      var column = table.equals("HFJ_RES_LINK") ? "SRC_PATH" : "SP_NAME";
      var idColumn = table.equals("HFJ_RES_LINK") ? "SRC_RESOURCE_ID" : "RES_ID";
      rows.put(table, String.join(",", jdbc.queryForList(
          "select " + column + " from " + table + " where " + idColumn + " = ? order by 1", String.class, pid)));
    }
    rows.values().removeIf(String::isEmpty);
    return rows;
  }
}
