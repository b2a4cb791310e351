package org.infusionfhir.cdshooks;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceFeedbackJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Feedback as CDS Hooks 2.0 sends it: {@code {"feedback": [ ... ]}}, one item per card (HAPI's controller
 * takes a single item, as 1.1 did). A single item is accepted too. Each item acknowledges its alert.
 */
@RestController
@ConditionalOnProperty(name = "infusion.cds-hooks.enabled", havingValue = "true", matchIfMissing = true)
class FeedbackEndpoint {

  private final CardFeedback feedback;
  private final CdsHooksConfig.CdsJson json;

  FeedbackEndpoint(CardFeedback feedback, CdsHooksConfig.CdsJson json) {
    this.feedback = feedback;
    this.json = json;
  }

  @PostMapping(path = "/cds-services/" + InfusionSafetyCdsService.SERVICE_ID + "/feedback",
      consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> feedback(@RequestBody String body) {
    JsonNode tree;
    try {
      tree = json.mapper().readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException("the feedback is not JSON: " + e.getOriginalMessage());
    }
    var items = new ArrayList<JsonNode>();
    if (tree != null && tree.has("feedback") && tree.get("feedback").isArray()) {
      tree.get("feedback").forEach(items::add);
    } else if (tree != null && tree.isObject() && tree.has("card")) {
      items.add(tree);
    } else {
      throw new InvalidRequestException("the body must be {\"feedback\": [ ... ]}, one item per card");
    }
    var acknowledged = 0;
    for (var item : items) {
      CdsServiceFeedbackJson parsed;
      try {
        parsed = json.mapper().treeToValue(item, CdsServiceFeedbackJson.class);
      } catch (JsonProcessingException e) {
        throw new InvalidRequestException("a feedback item cannot be read: " + e.getOriginalMessage());
      }
      if (feedback.record(parsed)) {
        acknowledged++;
      }
    }
    return Map.of("received", items.size(), "acknowledged", acknowledged);
  }
}
