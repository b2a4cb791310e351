package org.infusionfhir.auth;

import java.time.Instant;

/**
 * A person who signs in: a clinician linked to their {@code Practitioner}, or a patient linked to their
 * {@code Patient}.
 *
 * @param fhirUser the linked resource, e.g. {@code Practitioner/123}, as the {@code fhirUser} claim names it
 * @param lockedUntil when repeated failed sign-ins lock the account, until when; else null
 */
public record UserAccount(String name, String fhirUser, boolean disabled, int failedSignIns,
    Instant lockedUntil, Instant createdAt) {

  public boolean isPatient() {
    return fhirUser.startsWith("Patient/");
  }

  /** The id part of {@link #fhirUser}. */
  public String resourceId() {
    return fhirUser.substring(fhirUser.indexOf('/') + 1);
  }

  public boolean lockedAt(Instant now) {
    return lockedUntil != null && lockedUntil.isAfter(now);
  }
}
