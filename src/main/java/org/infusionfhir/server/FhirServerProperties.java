package org.infusionfhir.server;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the FHIR REST layer behaves ({@code infusion.fhir.*}).
 *
 * @param defaultPageSize search results per page when the client sends no {@code _count}
 * @param maxPageSize the largest {@code _count} honoured
 * @param searchReuse how long identical searches may reuse cached results; 0 (the default) means
 *     every search reflects every committed write, which is what clinicians counting vitals expect
 * @param expungeEnabled whether {@code $expunge} may physically remove data
 * @param totalCountedUpTo a search with at most this many matches answers with {@code Bundle.total} on its
 *     first page without {@code _total=accurate} (HAPI finds up to this many before it answers); a larger
 *     one gives the total once the search has been read to its end. 0 leaves HAPI's default (a total only
 *     when the first page holds every match)
 * @param unknownElements what a resource sent with elements FHIR R4 does not define gets: {@code refuse}
 *     (400 naming them, the default) or {@code warn} (stored without them, and the answer says which were
 *     dropped)
 */
@ConfigurationProperties("infusion.fhir")
public record FhirServerProperties(
    @DefaultValue("50") int defaultPageSize,
    @DefaultValue("500") int maxPageSize,
    @DefaultValue("0s") Duration searchReuse,
    @DefaultValue("false") boolean expungeEnabled,
    @DefaultValue("200") int totalCountedUpTo,
    @DefaultValue("refuse") UnknownElementMode unknownElements) {

  /** What happens to elements of a received resource that FHIR R4 does not define. */
  public enum UnknownElementMode {
    /** 400 with an OperationOutcome naming each unknown element; nothing is stored. */
    REFUSE,
    /** Stored without them (they are lost), with a warning saying which were dropped. */
    WARN
  }
}
