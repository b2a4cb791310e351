package org.infusionfhir.cdshooks;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceIndicatorEnum;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseCardJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseCardSourceJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseCodingJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseLinkJson;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Procedure;
import org.infusionfhir.safety.Alerts;
import org.springframework.stereotype.Component;

/**
 * The cards for one patient, read from our own storage with the same search the workspace uses: one per
 * open alert (most severe first, then newest), one for an active PHQ-9 item 9 Flag, and one when the last completed infusion
 * was discharged with readings out of range (that alert acknowledged; an open one already has its card).
 */
@Component
class SafetyCards {

  /** At most this many alert cards: an EHR shows cards beside the chart, not a list to page through. */
  static final int MAX_ALERT_CARDS = 20;
  private static final int SUMMARY_LENGTH = 140;

  private final DaoRegistry daos;
  private final CdsHooksProperties properties;
  private final OwnServer ownServer;

  SafetyCards(DaoRegistry daos, CdsHooksProperties properties, OwnServer ownServer) {
    this.daos = daos;
    this.properties = properties;
    this.ownServer = ownServer;
  }

  List<CdsServiceResponseCardJson> forPatient(String patientId, AlertAccess.Grant grant) {
    var cards = new ArrayList<CdsServiceResponseCardJson>();
    if (grant.mayRead("DetectedIssue")) {
      for (var alert : openAlerts(patientId)) {
        cards.add(alertCard(alert, patientId));
      }
    }
    if (grant.mayRead("Flag")) {
      for (var flag : activeItem9Flags(patientId)) {
        cards.add(card(CardIdentity.uuidOf(flag), CdsServiceIndicatorEnum.CRITICAL,
            "PHQ-9 item 9 above 0: suicide-risk follow-up due",
            "The patient answered PHQ-9 item 9 (thoughts that they would be better off dead or of hurting "
                + "themselves) above 0. The flag stays active until a clinician closes it."
                + (flag.hasPeriod() && flag.getPeriod().hasStart() ? " Raised " + flag.getPeriod().getStartElement()
                    .getValueAsString() + "." : ""),
            Alerts.ITEM9_RULE, "PHQ-9 item 9 above 0", patientId));
      }
    }
    if (grant.mayRead("Procedure") && grant.mayRead("DetectedIssue")) {
      lastDischargeOutOfRange(patientId).ifPresent(alert -> cards.add(card(CardIdentity.uuidOf(alert),
          CdsServiceIndicatorEnum.WARNING, "Last infusion discharged with readings out of range",
          text(alert.getDetail(), "The last readings before discharge were outside the discharge limits."),
          Alerts.DISCHARGE_RULE, "Discharge with readings out of range", patientId)));
    }
    return cards;
  }

  private List<DetectedIssue> openAlerts(String patientId) {
    var map = SearchParameterMap.newSynchronous();
    map.add(DetectedIssue.SP_PATIENT, new ReferenceParam("Patient/" + patientId));
    map.add(Alerts.ALERT_STATE_SEARCH, new TokenParam(Alerts.STATE_OPEN));
    map.setSort(new SortSpec(DetectedIssue.SP_IDENTIFIED, SortOrderEnum.DESC));
    map.setCount(MAX_ALERT_CARDS);
    // Most severe first, then newest: the order a clinician should read them in.
    return search("DetectedIssue", map, DetectedIssue.class).stream()
        .sorted(java.util.Comparator.comparingInt(SafetyCards::rank)).toList();
  }

  private static int rank(DetectedIssue alert) {
    return alert.getSeverity() == DetectedIssue.DetectedIssueSeverity.HIGH ? 0
        : alert.getSeverity() == DetectedIssue.DetectedIssueSeverity.LOW ? 2 : 1;
  }

  private List<Flag> activeItem9Flags(String patientId) {
    var map = SearchParameterMap.newSynchronous();
    map.add(Flag.SP_PATIENT, new ReferenceParam("Patient/" + patientId));
    // R4 has no status search on Flag, so the status is checked here.
    return search("Flag", map, Flag.class).stream()
        .filter(f -> f.getStatus() == Flag.FlagStatus.ACTIVE)
        .filter(f -> f.getCode().getCoding().stream()
            .anyMatch(c -> Alerts.RULE_SYSTEM.equals(c.getSystem()) && Alerts.ITEM9_RULE.equals(c.getCode())))
        .toList();
  }

  private java.util.Optional<DetectedIssue> lastDischargeOutOfRange(String patientId) {
    var procedures = SearchParameterMap.newSynchronous();
    procedures.add(Procedure.SP_PATIENT, new ReferenceParam("Patient/" + patientId));
    procedures.add(Procedure.SP_STATUS, new TokenParam("completed"));
    procedures.setSort(new SortSpec(Procedure.SP_DATE, SortOrderEnum.DESC));
    procedures.setCount(1);
    var last = search("Procedure", procedures, Procedure.class);
    if (last.isEmpty()) {
      return java.util.Optional.empty();
    }
    var alerts = SearchParameterMap.newSynchronous();
    alerts.add(Alerts.INFUSION_SEARCH,
        new ReferenceParam("Procedure/" + last.get(0).getIdElement().getIdPart()));
    alerts.add(DetectedIssue.SP_CODE, new TokenParam(Alerts.RULE_SYSTEM, Alerts.DISCHARGE_RULE));
    alerts.add(Alerts.ALERT_STATE_SEARCH, new TokenParam(Alerts.STATE_ACKNOWLEDGED));
    return search("DetectedIssue", alerts, DetectedIssue.class).stream().findFirst();
  }

  private CdsServiceResponseCardJson alertCard(DetectedIssue alert, String patientId) {
    var rule = alert.getCode().getCoding().stream().filter(c -> Alerts.RULE_SYSTEM.equals(c.getSystem()))
        .findFirst().orElse(new Coding(Alerts.RULE_SYSTEM, "unknown", null));
    var summary = alert.getCode().hasText() ? alert.getCode().getText()
        : rule.hasDisplay() ? rule.getDisplay() : "Safety alert";
    var detail = new StringBuilder(text(alert.getDetail(), summary));
    if (alert.hasIdentifiedDateTimeType()) {
      detail.append(" Raised ").append(alert.getIdentifiedDateTimeType().getValueAsString()).append('.');
    }
    if (alert.getImplicated().size() > 1) {
      detail.append(' ').append(alert.getImplicated().size()).append(" readings beyond the limit.");
    }
    return card(CardIdentity.uuidOf(alert), indicator(alert.getSeverity()), summary, detail.toString(),
        rule.getCode(), rule.hasDisplay() ? rule.getDisplay() : summary, patientId);
  }

  private static CdsServiceIndicatorEnum indicator(DetectedIssue.DetectedIssueSeverity severity) {
    if (severity == null) {
      return CdsServiceIndicatorEnum.WARNING;
    }
    return switch (severity) {
      case HIGH -> CdsServiceIndicatorEnum.CRITICAL;
      case LOW -> CdsServiceIndicatorEnum.INFO;
      default -> CdsServiceIndicatorEnum.WARNING;
    };
  }

  private CdsServiceResponseCardJson card(String uuid, CdsServiceIndicatorEnum indicator, String summary,
      String detail, String ruleCode, String ruleDisplay, String patientId) {
    var topic = new CdsServiceResponseCodingJson();
    topic.setSystem(Alerts.RULE_SYSTEM);
    topic.setCode(ruleCode);
    topic.setDisplay(ruleDisplay);
    var source = new CdsServiceResponseCardSourceJson().setLabel(properties.sourceLabel()).setTopic(topic);
    var link = new CdsServiceResponseLinkJson()
        .setLabel("Open the patient in the infusion workspace")
        .setUrl(ownServer.root() + InfusionSafetyCdsService.WORKSPACE_LAUNCH_PATH)
        .setType("smart")
        .setAppContext("patient=" + patientId);
    var card = new CdsServiceResponseCardJson()
        .setSummary(summary.length() > SUMMARY_LENGTH ? summary.substring(0, SUMMARY_LENGTH - 1) + "…" : summary)
        .setDetail(detail)
        .setIndicator(indicator)
        .setSource(source)
        .setLinks(List.of(link));
    card.setUuid(uuid);
    return card;
  }

  private static String text(String value, String otherwise) {
    return value == null || value.isBlank() ? otherwise : value;
  }

  private <T extends IBaseResource> List<T> search(String type, SearchParameterMap map, Class<T> kind) {
    return daos.getResourceDao(type).searchForResources(map, new SystemRequestDetails()).stream()
        .map(kind::cast).toList();
  }
}
