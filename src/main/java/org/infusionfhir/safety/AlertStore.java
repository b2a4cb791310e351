package org.infusionfhir.safety;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.DetectedIssue.DetectedIssueSeverity;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.ig.ProfileValidationInterceptor;

/**
 * Reads and writes the monitor's alerts (DetectedIssue) and item 9 Flags through HAPI's DAOs, the same door
 * REST requests use, so that subscriptions, search indexes and history see them like any other write.
 */
public class AlertStore {

  /** R4 core extension on Flag: the record that supports it (here, the item 9 reading). */
  static final String FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail";

  /** Whether this thread wrote an alert or a Flag since it last asked (EpisodeTransactions delivers them then). */
  private static final ThreadLocal<Boolean> WROTE = ThreadLocal.withInitial(() -> Boolean.FALSE);

  private final IFhirResourceDao<DetectedIssue> issues;
  private final IFhirResourceDao<Flag> flags;

  public AlertStore(DaoRegistry daos) {
    this.issues = daos.getResourceDao(DetectedIssue.class);
    this.flags = daos.getResourceDao(Flag.class);
  }

  /**
   * The monitor's own request. Its writes are built to the safety-alert and safety-flag profiles (the tests
   * validate them), so they skip validation on write, which would add to every alert's delivery time.
   */
  public static RequestDetails request() {
    var request = new SystemRequestDetails();
    request.getUserData().put(ProfileValidationInterceptor.MAPPED_BY_ADAPTER, Boolean.TRUE);
    return request;
  }

  /** A new alert: its code, severity, patient, the time, the text with value and limit, the readings, the infusion. */
  public String open(String ruleCode, String display, DetectedIssueSeverity severity, String patient, String infusion,
      String detail, List<String> implicated) {
    var issue = new DetectedIssue();
    issue.getMeta().addProfile(Alerts.ALERT_PROFILE);
    issue.setStatus(DetectedIssue.DetectedIssueStatus.FINAL);
    issue.setCode(new CodeableConcept(new Coding(Alerts.RULE_SYSTEM, ruleCode, display)).setText(display));
    issue.setSeverity(severity);
    issue.setPatient(new Reference(patient));
    issue.setIdentified(new DateTimeType(new Date()));
    issue.setDetail(detail);
    implicated.forEach(id -> issue.addImplicated(new Reference(id)));
    if (infusion != null) {
      issue.addExtension(Alerts.INFUSION_EXTENSION, new Reference(infusion));
    }
    WROTE.set(Boolean.TRUE);
    return issues.create(issue, request()).getId().toUnqualifiedVersionless().getValue();
  }

  /** Adds a reading to an open alert; a no-op when it is there already (an Observation updated, say). */
  public boolean join(String alert, String observation) {
    var issue = issues.read(new IdType(alert), request());
    if (issue.getImplicated().stream().anyMatch(r -> observation.equals(r.getReference()))) {
      return false;
    }
    issue.addImplicated(new Reference(observation));
    // The version read stays in the id: a clinician's acknowledgement stored meanwhile makes this update fail
    // (and be retried on the new version) instead of being overwritten.
    WROTE.set(Boolean.TRUE);
    issues.update(issue, request());
    return true;
  }

  public DetectedIssue read(String alert) {
    return issues.read(new IdType(alert), request());
  }

  public void update(DetectedIssue issue) {
    WROTE.set(Boolean.TRUE);
    issues.update(issue, request());
  }

  /** Open alerts (no mitigation) of an infusion, by the guide's search parameters. */
  public List<DetectedIssue> openAlertsOf(String infusion) {
    var map = SearchParameterMap.newSynchronous()
        .add(Alerts.INFUSION_SEARCH, new ReferenceParam(infusion))
        .add(Alerts.ALERT_STATE_SEARCH, new TokenParam(Alerts.STATE_OPEN));
    return issues.searchForResources(map, request()).stream().map(DetectedIssue.class::cast).toList();
  }

  /** Open alerts identified before {@code before} that have not been escalated yet. */
  public List<DetectedIssue> openAlertsToEscalate(Date before) {
    var map = SearchParameterMap.newSynchronous()
        .add(Alerts.ALERT_STATE_SEARCH, new TokenParam(Alerts.STATE_OPEN))
        .add(DetectedIssue.SP_CODE, new TokenParam(Alerts.RULE_SYSTEM, null))
        .add(DetectedIssue.SP_IDENTIFIED, new ca.uhn.fhir.rest.param.DateParam(
            ca.uhn.fhir.rest.param.ParamPrefixEnum.LESSTHAN, before));
    map.setLoadSynchronousUpTo(100);
    return issues.searchForResources(map, request()).stream().map(DetectedIssue.class::cast)
        .filter(issue -> issue.getMeta().getTag(AlertEscalation.TAG_SYSTEM, AlertEscalation.TAG_CODE) == null)
        .toList();
  }

  /** Raises the patient's item 9 Flag unless an active one is up already; it stays until a clinician closes it. */
  public void raiseItem9Flag(String patient, String reading, String display) {
    // R4 Flag has no search parameter on its code: the patient's Flags are few, so they are filtered here.
    var active = SearchParameterMap.newSynchronous().add(Flag.SP_PATIENT, new ReferenceParam(patient));
    boolean up = flags.searchForResources(active, request()).stream().map(Flag.class::cast)
        .anyMatch(f -> f.getStatus() == Flag.FlagStatus.ACTIVE
            && f.getCode().getCoding().stream().anyMatch(c -> Alerts.RULE_SYSTEM.equals(c.getSystem())
                && Alerts.ITEM9_RULE.equals(c.getCode())));
    if (up) {
      return;
    }
    var flag = new Flag();
    flag.getMeta().addProfile(Alerts.FLAG_PROFILE);
    flag.setStatus(Flag.FlagStatus.ACTIVE);
    flag.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/flag-category", "clinical",
        "Clinical")));
    flag.setCode(new CodeableConcept(new Coding(Alerts.RULE_SYSTEM, Alerts.ITEM9_RULE, display)).setText(display));
    flag.setSubject(new Reference(patient));
    flag.setPeriod(new Period().setStart(new Date()));
    flag.addExtension(FLAG_DETAIL, new Reference(reading));
    WROTE.set(Boolean.TRUE);
    flags.create(flag, request());
  }

  /** Whether this thread wrote since the last call; the call resets it. */
  static boolean wrote() {
    boolean wrote = WROTE.get();
    WROTE.set(Boolean.FALSE);
    return wrote;
  }

  static String idOf(Resource resource) {
    return resource.getIdElement().toUnqualifiedVersionless().getValue();
  }
}
