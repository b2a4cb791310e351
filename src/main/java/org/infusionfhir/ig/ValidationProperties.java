package org.infusionfhir.ig;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Validation on write ({@code infusion.validation.*}) of resources that claim one of our profiles in
 * {@code meta.profile}.
 *
 * @param mode what happens by default: {@code enforce} refuses an invalid resource with 422,
 *     {@code warn} stores it and reports the issues (log and {@code X-Validation-Issues} header),
 *     {@code off} does not validate
 * @param modes per resource type, overriding {@code mode}, e.g. {@code infusion.validation.modes.Observation=warn}
 */
@ConfigurationProperties("infusion.validation")
public record ValidationProperties(
    @DefaultValue("enforce") Mode mode,
    @DefaultValue Map<String, Mode> modes) {

  public enum Mode { OFF, WARN, ENFORCE }

  public Mode modeFor(String resourceType) {
    return modes.getOrDefault(resourceType, mode);
  }
}
