package org.infusionfhir.security;

/**
 * Whether an access token was revoked before it expired (RFC 7009), by its {@code jti}. The embedded
 * authorization server keeps the list in the shared database, so a revocation holds on every replica.
 */
public interface RevocationList {

  boolean isRevoked(String jti);
}
