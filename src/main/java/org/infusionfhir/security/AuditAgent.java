package org.infusionfhir.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Who asked for what is being audited: the client named by the access token, an anonymous caller (only
 * when security is switched off), or nobody but the server itself (start-up installs, batch jobs, MLLP).
 *
 * @param who the token's subject ({@code sub}, else {@code client_id}); null for the server itself
 * @param issuer the token's issuer, the namespace of {@code who}
 * @param tokenId the token's {@code jti}, so that an audit record leads back to one token
 * @param address the caller's network address, when there is an HTTP request behind the write
 * @param client the app the token was issued to ({@code client_id}); null when it is {@code who} itself
 * @param fhirUser the person signed in to that app ({@code fhirUser}, e.g. {@code Practitioner/123}); null for
 *     system tokens
 */
public record AuditAgent(Kind kind, String who, String issuer, String tokenId, String address, String client,
    String fhirUser) {

  public enum Kind { CLIENT, ANONYMOUS, SERVER }

  public static final AuditAgent SERVER = new AuditAgent(Kind.SERVER, null, null, null, null, null, null);

  /** A person signed in through an app (SMART App Launch): the audit names both. */
  public static AuditAgent user(String userName, String issuer, String tokenId, String address, String client,
      String fhirUser) {
    return new AuditAgent(Kind.CLIENT, userName, issuer, tokenId, address, client, fhirUser);
  }

  /**
   * The caller of the current thread's request. Spring Security's context and the servlet request are
   * thread-bound, and HAPI's RestfulServer, the intake endpoint and the writes they make all run on the
   * request thread; group-committed monitor messages and batch jobs run on threads of their own.
   */
  static AuditAgent current(RequestDetails request) {
    var address = remoteAddress(request);
    var authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication instanceof JwtAuthenticationToken token) {
      var jwt = token.getToken();
      var who = SmartScopes.subjectOf(jwt);
      var client = jwt.getClaimAsString("client_id");
      return new AuditAgent(Kind.CLIENT, who, jwt.getIssuer() != null ? jwt.getIssuer().toString() : null,
          jwt.getId(), address, java.util.Objects.equals(who, client) ? null : client, jwt.getClaimAsString(SmartScopes.FHIR_USER_CLAIM));
    }
    return address != null ? new AuditAgent(Kind.ANONYMOUS, null, null, null, address, null, null) : SERVER;
  }

  private static String remoteAddress(RequestDetails request) {
    HttpServletRequest servlet = null;
    if (request instanceof ServletRequestDetails details) {
      servlet = details.getServletRequest();
    } else if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes) {
      servlet = attributes.getRequest();
    }
    // The TCP peer; behind a proxy named in server.tomcat.remoteip.internal-proxies, Tomcat's RemoteIpValve has
    // put there the client that proxy saw (the last X-Forwarded-For entry that is not itself a trusted proxy).
    return servlet != null ? servlet.getRemoteAddr() : null;
  }
}
