package org.infusionfhir.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.util.MemoryCacheService;
import java.util.List;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.support.ExecutedSql;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The H2 rewrites against the SQL that this HAPI version really generates: each search or transaction
 * they target is sent to the running server, and the statements H2 executed must carry the rewrite. A
 * HAPI upgrade that words the SQL differently leaves the rewrite unapplied and fails here.
 */
@H2FhirServer
class H2RewritesOfHapisSqlTest extends FhirServerTestBase {

  @Autowired DataSource dataSource;
  @Autowired MemoryCacheService hapiCaches;
  private ExecutedSql executed;

  @BeforeEach
  void recordTheStatementsH2Executes() {
    executed = new ExecutedSql(dataSource);
  }

  @AfterEach
  void stopRecording() {
    executed.stop();
  }

  @Test
  void aVitalsSearchForOnePatientReadsTheCategoryTokenThroughItsResourceIndex() {
    var patient = createPatient();
    for (int minute = 0; minute < 3; minute++) {
      client.create().resource(heartRate(patient, "2026-02-05T10:0" + minute + ":00Z")).execute();
    }

    executed.start();
    var response = get("/Observation?subject=Patient/" + patient
        + "&category=vital-signs&date=ge2026-02-05T00:00:00Z&date=lt2026-02-06T00:00:00Z", "Cache-Control", "no-cache");
    var statements = executed.statements();

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(FHIR.newJsonParser().parseResource(Bundle.class, response.body()).getEntry()).hasSize(3);
    // The vitals window's shape: token, date and reference joined (a scheduled job's own searches look different).
    var search = statementsOn(statements, "HFJ_SPIDX_TOKEN", "HFJ_SPIDX_DATE", "HFJ_RES_LINK", "TARGET_RESOURCE_ID");
    assertThat(search).as("HAPI's search statements among %s", statements).isNotEmpty()
        .allSatisfy(sql -> assertThat(sql).contains("HFJ_SPIDX_TOKEN t").contains(" USE INDEX (IDX_SP_TOKEN_RESID_V2)"));
    // The hint is the whole difference: taken out, HAPI's own statement is left, which the rewrite turns back.
    var rewrite = new H2ReferenceSearchRewrite();
    assertThat(search).allSatisfy(sql ->
        assertThat(rewrite.inspect(sql.replace(" USE INDEX (IDX_SP_TOKEN_RESID_V2)", ""))).isEqualTo(sql));
  }

  @Test
  void aTransactionUpdatingSeveralResourcesLooksThemUpWithARowValueInList() {
    var first = createPatient();
    var second = createPatient();
    var transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (var id : List.of(first, second)) {
      var patient = new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Updated"));
      patient.setId(id);
      patient.addIdentifier().setSystem("urn:test:h2-rewrites").setValue(id);
      transaction.addEntry().setResource(patient).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl("Patient/" + id);
    }
    // Ids HAPI resolved before are answered from its memory; the rewrite concerns the database lookup.
    hapiCaches.invalidateAllCaches();

    executed.start();
    var answer = client.transaction().withBundle(transaction).execute();
    var statements = executed.statements();

    assertThat(answer.getEntry()).extracting(e -> e.getResponse().getStatus()).allMatch(s -> s.startsWith("200"));
    var lookups = statementsOn(statements, "from HFJ_RESOURCE", "FHIR_ID");
    assertThat(lookups).as("HAPI's lookups among %s", statements)
        .anySatisfy(sql -> assertThat(sql).containsPattern("\\(\\((\\w+)\\.RES_TYPE,\\1\\.FHIR_ID\\) in \\(\\(\\?,\\?\\),\\(\\?,\\?\\)\\)\\)"))
        .noneSatisfy(sql -> assertThat(sql).containsPattern("FHIR_ID=\\? or \\w+\\.RES_TYPE=\\?"));
  }

  private static List<String> statementsOn(List<String> statements, String... parts) {
    return statements.stream().filter(sql -> List.of(parts).stream().allMatch(sql::contains)).toList();
  }

  private String createPatient() {
    var patient = new Patient();
    patient.addIdentifier().setSystem("urn:test:h2-rewrites").setValue(unique("p"));
    patient.setId(unique("h2rw"));
    client.update().resource(patient).execute();
    return patient.getIdPart();
  }

  private static Observation heartRate(String patient, String when) {
    var observation = new Observation();
    observation.setStatus(Observation.ObservationStatus.FINAL);
    observation.addCategory(new CodeableConcept(new Coding(
        "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")));
    observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
    observation.setSubject(new Reference("Patient/" + patient));
    observation.setEffective(new DateTimeType(when));
    observation.setValue(new Quantity().setValue(72).setUnit("/min").setSystem("http://unitsofmeasure.org")
        .setCode("/min"));
    return observation;
  }
}
