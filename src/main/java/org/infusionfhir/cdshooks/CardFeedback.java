package org.infusionfhir.cdshooks;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceFeebackOutcomeEnum;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceFeedbackJson;
import java.util.Date;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The EHR's feedback on a card, recorded as the alert's acknowledgement: a {@code mitigation} saying the
 * clinician accepted or overrode the card in the EHR (with the reason and comment given), dated when they did.
 * The EHR names no practitioner, so the mitigation has no author. An alert already acknowledged is left as
 * it is; feedback on the item 9 Flag is logged only, since closing it is a clinician's explicit act.
 */
@Component
class CardFeedback {

  private static final Logger log = LoggerFactory.getLogger(CardFeedback.class);
  private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}");

  private final DaoRegistry daos;

  CardFeedback(DaoRegistry daos) {
    this.daos = daos;
  }

  /** Records one feedback item; true when an alert was acknowledged by it. */
  boolean record(CdsServiceFeedbackJson feedback) {
    var card = feedback.getCard();
    if (card == null || !UUID_TEXT.matcher(card).matches()) {
      throw new InvalidRequestException("feedback.card must be the uuid of a card this service returned");
    }
    if (feedback.getOutcome() == null) {
      throw new InvalidRequestException("feedback.outcome must be accepted or overridden");
    }
    var identifier = new TokenParam(CardIdentity.URN_SYSTEM, "urn:uuid:" + card.toLowerCase());
    var request = new SystemRequestDetails();
    var alerts = daos.getResourceDao(DetectedIssue.class)
        .searchForResources(SearchParameterMap.newSynchronous(DetectedIssue.SP_IDENTIFIER, identifier), request);
    if (alerts.isEmpty()) {
      var flags = daos.getResourceDao(Flag.class)
          .searchForResources(SearchParameterMap.newSynchronous(Flag.SP_IDENTIFIER, identifier), request);
      if (flags.isEmpty()) {
        throw new ResourceNotFoundException("no card " + card + " was returned by this service");
      }
      log.info("CDS Hooks feedback {} on the item 9 flag {}: logged; a clinician closes the flag",
          feedback.getOutcome(), flags.get(0).getIdElement().toUnqualifiedVersionless().getValue());
      return false;
    }
    var alert = (DetectedIssue) alerts.get(0);
    if (alert.hasMitigation()) {
      log.info("CDS Hooks feedback on {}: already acknowledged, left as it is",
          alert.getIdElement().toUnqualifiedVersionless().getValue());
      return false;
    }
    var mitigation = alert.addMitigation();
    mitigation.setDateElement(when(feedback.getOutcomeTimestamp()));
    mitigation.getAction().setText(actionText(feedback));
    daos.getResourceDao(DetectedIssue.class).update(alert, request);
    log.info("CDS Hooks feedback acknowledged {} ({})", alert.getIdElement().toUnqualifiedVersionless().getValue(),
        feedback.getOutcome());
    return true;
  }

  private static String actionText(CdsServiceFeedbackJson feedback) {
    if (feedback.getOutcome() == CdsServiceFeebackOutcomeEnum.accepted) {
      return "Acknowledged in the EHR: the clinician accepted the safety card";
    }
    var text = new StringBuilder("Acknowledged in the EHR: the clinician overrode the safety card");
    var reason = feedback.getOverrideReason();
    if (reason != null && reason.getReason() != null && reason.getReason().getDisplay() != null) {
      text.append(", reason: ").append(reason.getReason().getDisplay());
    } else if (reason != null && reason.getReason() != null && reason.getReason().getCode() != null) {
      text.append(", reason: ").append(reason.getReason().getCode());
    }
    if (reason != null && reason.getUserComment() != null && !reason.getUserComment().isBlank()) {
      text.append(" (").append(reason.getUserComment().strip()).append(')');
    }
    return text.toString();
  }

  private static DateTimeType when(String timestamp) {
    if (timestamp == null || timestamp.isBlank()) {
      return new DateTimeType(new Date());
    }
    try {
      return new DateTimeType(timestamp);
    } catch (RuntimeException e) {
      throw new InvalidRequestException("feedback.outcomeTimestamp is not an ISO 8601 date-time: " + timestamp);
    }
  }
}
