package org.infusionfhir.security;

import ca.uhn.fhir.rest.server.RestfulServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.infusionfhir.server.FhirServerConfig;
import org.infusionfhir.server.OperationOutcomeResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /fhir/.well-known/smart-configuration}: SMART App Launch 2.x discovery (conformance.html
 * "Metadata") for SMART Backend Services clients. Served by its own servlet at that exact path, which
 * the Servlet specification (§12.1) prefers to the FHIR servlet's {@code /fhir/*}.
 */
class SmartConfigurationServlet extends HttpServlet {

  static final String PATH = FhirServerConfig.FHIR_PATH + "/.well-known/smart-configuration";

  /**
   * The scope forms tokens may carry (SMART v1 {@code .read}/{@code .write} and v2 {@code .cruds}), shown
   * with the {@code *} resource type; a named type ({@code system/Observation.rs}) is accepted too.
   */
  static final List<String> SCOPES = List.of(
      "system/*.read", "system/*.write", "system/*.rs", "system/*.cruds",
      "user/*.read", "user/*.write", "user/*.rs", "user/*.cruds",
      "patient/*.read", "patient/*.write", "patient/*.rs", "patient/*.cruds");

  /** What the embedded server's sign-in adds (org.infusionfhir.auth). */
  static final List<String> USER_SCOPES = List.of("openid", "fhirUser", "launch", "launch/patient",
      "offline_access", "online_access");

  private static final Logger log = LoggerFactory.getLogger(SmartConfigurationServlet.class);

  private final SmartEndpoints endpoints;
  private final RestfulServer fhirServer;
  private final OperationOutcomeResponses errors;
  private final ObjectMapper json = new ObjectMapper();

  SmartConfigurationServlet(SmartEndpoints endpoints, RestfulServer fhirServer, OperationOutcomeResponses errors) {
    this.endpoints = endpoints;
    this.fhirServer = fhirServer;
    this.errors = errors;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    var method = request.getMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      response.setHeader("Allow", "GET, HEAD");
      errors.write(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, IssueType.NOTSUPPORTED,
          PATH + " answers GET only");
      return;
    }
    if (!endpoints.enabled()) {
      errors.write(response, HttpServletResponse.SC_NOT_FOUND, IssueType.NOTFOUND,
          "This server asks for no access tokens (infusion.security.enabled=false), so it has no SMART configuration");
      return;
    }
    SmartEndpoints.Endpoints found;
    try {
      found = endpoints.forClientAt(fhirBaseOf(request));
    } catch (IllegalStateException issuerUnreadable) {
      log.warn("SMART configuration: {}", issuerUnreadable.getMessage());
      errors.write(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, IssueType.TRANSIENT,
          "The token endpoint is not known yet: " + issuerUnreadable.getMessage());
      return;
    }
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    if (method.equals("GET")) {
      json.writeValue(response.getWriter(), document(found));
    }
  }

  /** The discovery document: only what this server (or its configured issuer) really offers. */
  Map<String, Object> document(SmartEndpoints.Endpoints found) {
    var document = new LinkedHashMap<String, Object>();
    document.put("issuer", found.issuer());
    if (found.jwksUri() != null) {
      document.put("jwks_uri", found.jwksUri());
    }
    document.put("token_endpoint", found.tokenEndpoint());
    var user = found.user();
    if (user != null) {
      document.put("authorization_endpoint", user.authorize());
      if (user.introspect() != null) {
        document.put("introspection_endpoint", user.introspect());
      }
      if (user.revoke() != null) {
        document.put("revocation_endpoint", user.revoke());
      }
      document.put("grant_types_supported", List.of("authorization_code", "refresh_token", "client_credentials"));
      document.put("response_types_supported", List.of("code"));
      // Spring Authorization Server accepts S256 only; SMART 2.x forbids plain.
      document.put("code_challenge_methods_supported", List.of("S256"));
    } else {
      // Backend services only: no authorization_endpoint, no authorization_code, hence no PKCE methods.
      document.put("grant_types_supported", List.of("client_credentials"));
    }
    if (!found.authMethods().isEmpty()) {
      document.put("token_endpoint_auth_methods_supported", found.authMethods());
    }
    if (!found.signingAlgorithms().isEmpty()) {
      document.put("token_endpoint_auth_signing_alg_values_supported", found.signingAlgorithms());
    }
    var scopes = new ArrayList<>(SCOPES);
    if (user != null) {
      scopes.addAll(USER_SCOPES);
    }
    document.put("scopes_supported", scopes);
    document.put("capabilities", capabilities(found));
    return document;
  }

  /**
   * What this server proves it offers. With an external issuer that is only what the resource server does
   * (the scopes it enforces): the issuer's own launch features are the issuer's to state.
   */
  private List<String> capabilities(SmartEndpoints.Endpoints found) {
    var capabilities = new ArrayList<String>();
    if (found.authMethods().contains("private_key_jwt")) {
      capabilities.add("client-confidential-asymmetric");
    }
    if (found.authMethods().contains("client_secret_basic") || found.authMethods().contains("client_secret_post")) {
      capabilities.add("client-confidential-symmetric");
    }
    // SmartScope reads both scope grammars.
    capabilities.add("permission-v1");
    capabilities.add("permission-v2");
    // patient/ scopes held to the token's patient claim, user/ scopes across patients (security/SmartRules).
    capabilities.add("permission-patient");
    capabilities.add("permission-user");
    if (found.user() != null && endpoints.embedded()) {
      // Each proven by auth/StandaloneLaunchTest: sign-in, consent, picker, id_token, refresh.
      capabilities.addAll(List.of("launch-standalone", "launch-ehr", "client-public", "context-standalone-patient",
          "context-ehr-patient", "context-ehr-encounter", "sso-openid-connect", "permission-offline",
          "permission-online", "authorize-post"));
    }
    return capabilities;
  }

  /**
   * The FHIR base as the FHIR servlet would write it in its links for this request: behind a trusted proxy, the
   * address that proxy names, as everywhere else.
   */
  private String fhirBaseOf(HttpServletRequest request) {
    var asFhirRequest = new HttpServletRequestWrapper(request) {
      @Override
      public String getServletPath() {
        return FhirServerConfig.FHIR_PATH;
      }

      @Override
      public String getPathInfo() {
        return PATH.substring(FhirServerConfig.FHIR_PATH.length());
      }
    };
    return fhirServer.getServerAddressStrategy().determineServerBase(getServletContext(), asFhirRequest);
  }
}
