package org.infusionfhir.adapter;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the adapters find the patient a message or record is about ({@code infusion.patients.*}).
 *
 * @param authorities assigning authority (HL7 v2 PID-3.4, the intake record's {@code mrnAuthority}) to
 *     FHIR identifier system; an authority that is not listed is refused rather than guessed. None by default:
 *     each clinic names its own (the demo's {@code CLINIC} is in the {@code demo} profile)
 * @param defaultAuthority the authority assumed when a message or record names none; unset (the default),
 *     such a message or record is refused
 * @param createUnknown create a Patient from the message's demographics when no Patient has the
 *     identifier; when false such a message is refused (HL7 v2 AE, intake 422)
 */
@ConfigurationProperties("infusion.patients")
public record PatientMatchingProperties(
    @DefaultValue Map<String, String> authorities,
    String defaultAuthority,
    @DefaultValue("true") boolean createUnknown) {

  public PatientMatchingProperties {
    authorities = Map.copyOf(authorities);
  }
}
