package org.infusionfhir.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.infusionfhir.security.RegisteredClients;
import org.infusionfhir.server.http.RequestRoot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code POST /launch}: an EHR (a client whose token carries the {@code launch} scope, from the
 * client_credentials grant) asks for an EHR launch of an app for a patient, and optionally an encounter.
 * It gets the opaque, single-use, short-lived {@code launch} value and the URL to open the app at:
 * the app's {@code launchUri} with {@code iss} (our FHIR base) and {@code launch}.
 */
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnExpression("${infusion.security.enabled:true} and '${infusion.security.issuer-uri:}'.isBlank()")
@RestController
class EhrLaunchEndpoint {

  static final String PATH = "/launch";
  private static final Logger log = LoggerFactory.getLogger(EhrLaunchEndpoint.class);

  private final LaunchContexts launches;
  private final RegisteredClientRepository clients;
  private final AuthProperties props;

  EhrLaunchEndpoint(LaunchContexts launches, RegisteredClientRepository clients, AuthProperties props) {
    this.launches = launches;
    this.clients = clients;
    this.props = props;
  }

  @PostMapping(PATH)
  ResponseEntity<Map<String, Object>> launch(HttpServletRequest request, Authentication authentication,
      @RequestParam("client_id") String appId, @RequestParam("patient") String patient,
      @RequestParam(value = "encounter", required = false) String encounter) {
    if (!(authentication instanceof JwtAuthenticationToken token)) {
      return ResponseEntity.status(401).body(Map.of("error", "invalid_token",
          "error_description", "an EHR's access token (scope launch) is required"));
    }
    var scope = token.getToken().getClaimAsString("scope");
    if (scope == null || !Arrays.asList(scope.split(" ")).contains("launch")) {
      return ResponseEntity.status(403).body(Map.of("error", "insufficient_scope",
          "error_description", "the token lacks the launch scope"));
    }
    var app = clients.findByClientId(appId);
    String launchUri = app == null ? null : app.getClientSettings().getSetting(RegisteredClients.LAUNCH_URI_SETTING);
    if (launchUri == null) {
      return ResponseEntity.badRequest().body(Map.of("error", "invalid_request",
          "error_description", "no registered app " + appId + " with a launchUri"));
    }
    if (!patient.matches("[A-Za-z0-9\\-.]{1,64}") || (encounter != null && !encounter.matches("[A-Za-z0-9\\-.]{1,64}"))) {
      return ResponseEntity.badRequest().body(Map.of("error", "invalid_request",
          "error_description", "patient and encounter are FHIR ids"));
    }
    var value = launches.create(appId, patient, encounter);
    var root = RequestRoot.of(request);
    var iss = root + "/fhir";
    if (launchUri.startsWith("/")) {
      // An app served by this server (the workspace) is registered by its path on the server's origin.
      launchUri = root + launchUri;
    }
    log.info("EHR launch of {} for Patient/{} by {}", appId, patient, token.getToken().getClaimAsString("client_id"));
    var body = new LinkedHashMap<String, Object>();
    body.put("launch", value);
    body.put("expires_in", props.launchLifetime().toSeconds());
    body.put("launch_url", UriComponentsBuilder.fromUriString(launchUri).queryParam("iss", iss)
        .queryParam("launch", value).encode().build().toUriString());
    return ResponseEntity.ok().header("Cache-Control", "no-store").body(body);
  }
}
