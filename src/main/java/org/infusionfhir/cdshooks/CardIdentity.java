package org.infusionfhir.cdshooks;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Identifier;
import org.infusionfhir.safety.Alerts;

/**
 * A CDS Hooks card has a {@code uuid} that the EHR's feedback names later, on whichever replica it reaches.
 * So every safety alert (DetectedIssue) and rule Flag carries a {@code urn:uuid} identifier from its first
 * write, kept on every update; the card's uuid is that identifier and feedback finds the alert by it.
 */
@Interceptor
public class CardIdentity {

  static final String URN_SYSTEM = "urn:ietf:rfc:3986";

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    identifiers(resource).ifPresent(ids -> {
      if (ids.stream().noneMatch(CardIdentity::isCardId)) {
        ids.add(new Identifier().setSystem(URN_SYSTEM).setValue("urn:uuid:" + UUID.randomUUID()));
      }
    });
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource updated) {
    identifiers(updated).ifPresent(ids -> {
      if (ids.stream().noneMatch(CardIdentity::isCardId)) {
        var kept = identifiers(previous).flatMap(old -> old.stream().filter(CardIdentity::isCardId).findFirst());
        ids.add(kept.map(Identifier::copy)
            .orElseGet(() -> new Identifier().setSystem(URN_SYSTEM).setValue("urn:uuid:" + UUID.randomUUID())));
      }
    });
  }

  /** The card uuid of an alert or Flag: its urn:uuid identifier, else one derived from its id. */
  static String uuidOf(IBaseResource resource) {
    return identifiers(resource).flatMap(ids -> ids.stream().filter(CardIdentity::isCardId).findFirst())
        .map(id -> id.getValue().substring("urn:uuid:".length()))
        .orElseGet(() -> UUID.nameUUIDFromBytes(resource.getIdElement().toUnqualifiedVersionless().getValue()
            .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
  }

  private static boolean isCardId(Identifier identifier) {
    return URN_SYSTEM.equals(identifier.getSystem()) && identifier.hasValue()
        && identifier.getValue().startsWith("urn:uuid:");
  }

  private static java.util.Optional<List<Identifier>> identifiers(IBaseResource resource) {
    if (resource instanceof DetectedIssue issue) {
      return java.util.Optional.of(issue.getIdentifier());
    }
    if (resource instanceof Flag flag && flag.getCode().getCoding().stream()
        .anyMatch(c -> Alerts.RULE_SYSTEM.equals(c.getSystem()))) {
      return java.util.Optional.of(flag.getIdentifier());
    }
    return java.util.Optional.empty();
  }
}
