package org.infusionfhir.safety;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Date;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;

/**
 * The guide's search parameters on safety alerts: {@code alert-state} (open until a mitigation is recorded)
 * and {@code alert-infusion}, which the workspace and the CDS Hooks service find alerts by.
 */
@H2FhirServer
class AlertSearchParametersTest extends FhirServerTestBase {

  @Test
  void anAlertIsOpenUntilAMitigationIsRecordedAndIsFoundByItsInfusion() {
    var patient = client.create().resource(new Patient().addIdentifier(new org.hl7.fhir.r4.model.Identifier()
        .setSystem("urn:test:mrn").setValue(unique("mrn")))).execute().getId().toUnqualifiedVersionless();
    var infusion = client.create().resource(new Procedure().setStatus(Procedure.ProcedureStatus.INPROGRESS)
        .setSubject(new Reference(patient))).execute().getId().toUnqualifiedVersionless();
    var open = alert(patient, infusion);
    var acknowledged = alert(patient, infusion);
    var ack = client.read().resource(DetectedIssue.class).withId(acknowledged).execute();
    ack.addMitigation().setDate(new Date()).getAction().setText("Seen, infusion rate lowered");
    client.update().resource(ack).execute();

    assertThat(ids("DetectedIssue?patient=" + patient.getValue() + "&" + Alerts.ALERT_STATE_SEARCH + "="
        + Alerts.STATE_OPEN)).containsExactly(open.getIdPart());
    assertThat(ids("DetectedIssue?patient=" + patient.getValue() + "&" + Alerts.ALERT_STATE_SEARCH + "="
        + Alerts.STATE_ACKNOWLEDGED)).containsExactly(acknowledged.getIdPart());
    assertThat(ids("DetectedIssue?" + Alerts.INFUSION_SEARCH + "=" + infusion.getValue()))
        .containsExactlyInAnyOrder(open.getIdPart(), acknowledged.getIdPart());
  }

  private IIdType alert(IIdType patient, IIdType infusion) {
    var issue = new DetectedIssue().setStatus(DetectedIssue.DetectedIssueStatus.FINAL)
        .setPatient(new Reference(patient)).setIdentified(new org.hl7.fhir.r4.model.DateTimeType(new Date()));
    issue.getCode().addCoding().setSystem(Alerts.RULE_SYSTEM).setCode("spo2-low");
    issue.addExtension(Alerts.INFUSION_EXTENSION, new Reference(infusion));
    return client.create().resource(issue).execute().getId().toUnqualifiedVersionless();
  }

  private java.util.List<String> ids(String search) {
    return client.search().byUrl(search).returnBundle(Bundle.class).execute().getEntry().stream()
        .map(e -> e.getResource().getIdElement().getIdPart()).toList();
  }
}
