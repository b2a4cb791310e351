package org.infusionfhir.auth;

import static org.springframework.web.util.HtmlUtils.htmlEscape;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenParam;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.LinkedHashSet;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.security.ScopeNarrowing;
import org.infusionfhir.security.SmartScope;
import org.infusionfhir.security.SmartScope.Context;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The pages a person sees during a SMART launch: sign-in, and consent with the patient picker. Plain HTML
 * forms, no script, every value escaped; Spring Security adds the CSRF token check and the headers.
 */
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnExpression("${infusion.security.enabled:true} and '${infusion.security.issuer-uri:}'.isBlank()")
@RestController
class AuthPages {

  private static final int PICKER_RESULTS = 20;

  private final RegisteredClientRepository clients;
  private final DaoRegistry daos;

  AuthPages(RegisteredClientRepository clients, DaoRegistry daos) {
    this.clients = clients;
    this.daos = daos;
  }

  @GetMapping(value = AuthServerConfig.SIGN_IN, produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> signIn(HttpServletRequest request) {
    var message = request.getParameter("error") != null
        ? "<p role=alert>Wrong user name or password, or the account is locked for a while.</p>"
        : request.getParameter("signed-out") != null ? "<p>You are signed out.</p>" : "";
    return page("Sign in", message
        + "<form method=post action=\"" + AuthServerConfig.SIGN_IN + "\">"
        + csrf(request)
        + "<p><label>User name <input name=username autocomplete=username required autofocus></label></p>"
        + "<p><label>Password <input name=password type=password autocomplete=current-password required></label></p>"
        + "<p><button type=submit>Sign in</button></p></form>");
  }

  /**
   * Ends the sign-in session (apps revoke their own tokens; this ends the session that would let the next
   * launch through without a password). A GET shows the button; the POST carries the CSRF token.
   */
  @GetMapping(value = AuthServerConfig.SIGN_OUT, produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> signOut(HttpServletRequest request, Authentication user) {
    return page("Sign out", "<p>Signed in as <strong>" + htmlEscape(user.getName()) + "</strong>.</p>"
        + "<form method=post action=\"" + AuthServerConfig.SIGN_OUT + "\">" + csrf(request)
        + "<p><button type=submit>Sign out</button></p></form>");
  }

  @GetMapping(value = AuthServerConfig.CONSENT, produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> consent(HttpServletRequest request, Authentication user,
      @RequestParam("client_id") String clientId, @RequestParam(value = "scope", defaultValue = "") String scope,
      @RequestParam("state") String state) {
    var client = clients.findByClientId(clientId);
    if (client == null) {
      return ResponseEntity.badRequest().contentType(MediaType.TEXT_HTML)
          .body("<!doctype html><title>Unknown app</title><p>This app is not registered.</p>");
    }
    var asked = Arrays.stream(scope.trim().split("\\s+")).filter(s -> !s.isBlank()).toList();
    var offered = new LinkedHashSet<>(ScopeNarrowing.grant(asked, client.getScopes()));
    boolean patientUser = SignedInUser.isPatient(user);
    if (patientUser) {
      offered.removeIf(s -> SmartScope.parse(s).map(p -> p.context() != Context.PATIENT).orElse(false));
    }
    var body = new StringBuilder();
    body.append("<p><strong>").append(htmlEscape(client.getClientName())).append("</strong> asks to:</p><ul>");
    for (var s : offered) {
      body.append("<li>").append(htmlEscape(ScopeWords.of(s))).append(" <small>(").append(htmlEscape(s))
          .append(")</small></li>");
    }
    body.append("</ul>");
    boolean pick = !patientUser && offered.contains("launch/patient") && !offered.contains("launch");
    if (pick) {
      body.append(picker(request, clientId, scope, state));
    }
    body.append("<form method=post action=\"/oauth2/authorize\">").append(csrf(request))
        .append(hidden("client_id", clientId)).append(hidden("state", state));
    for (var s : offered) {
      body.append(hidden("scope", s));
    }
    if (pick) {
      var found = patients(request);
      if (found.isEmpty()) {
        body.append("<p>Search for the patient to open, above.</p>");
      }
      for (var p : found) {
        body.append("<p><label><input type=radio name=patient required value=\"").append(htmlEscape(p.getIdPart()))
            .append("\"> ").append(htmlEscape(describe(p))).append("</label></p>");
      }
    }
    body.append("<p><button type=submit name=allow value=1>Allow</button> ")
        .append("<button type=submit name=deny value=1 formnovalidate>Deny</button></p></form>");
    return page("Allow " + client.getClientName() + "?", body.toString());
  }

  private String picker(HttpServletRequest request, String clientId, String scope, String state) {
    return "<form method=get action=\"" + AuthServerConfig.CONSENT + "\"><fieldset><legend>Find the patient</legend>"
        + hidden("client_id", clientId) + hidden("scope", scope) + hidden("state", state)
        + "<label>Name <input name=name value=\"" + value(request, "name") + "\"></label> "
        + "<label>MRN <input name=mrn value=\"" + value(request, "mrn") + "\"></label> "
        + "<label>Birth date <input name=birthdate type=date value=\"" + value(request, "birthdate") + "\"></label> "
        + "<button type=submit>Search</button></fieldset></form>";
  }

  /** Patients matching the picker's fields (all given must match); none until something is asked. */
  private java.util.List<org.hl7.fhir.r4.model.IdType> patients(HttpServletRequest request) {
    var map = SearchParameterMap.newSynchronous();
    var name = request.getParameter("name");
    var mrn = request.getParameter("mrn");
    var birthDate = request.getParameter("birthdate");
    if (blank(name) && blank(mrn) && blank(birthDate)) {
      return java.util.List.of();
    }
    if (!blank(name)) {
      map.add("name", new StringParam(name));
    }
    if (!blank(mrn)) {
      map.add("identifier", new TokenParam(null, mrn));
    }
    if (!blank(birthDate)) {
      map.add("birthdate", new DateParam(birthDate));
    }
    map.setCount(PICKER_RESULTS);
    return daos.getResourceDao(Patient.class).searchForResources(map, new SystemRequestDetails()).stream()
        .map(p -> {
          var id = new org.hl7.fhir.r4.model.IdType("Patient", p.getIdElement().getIdPart());
          id.setUserData("label", label(p));
          return id;
        }).toList();
  }

  private static String label(Patient p) {
    var name = p.getNameFirstRep().getNameAsSingleString();
    var birth = p.getBirthDateElement().getValueAsString();
    var mrn = p.getIdentifierFirstRep().getValue();
    return (name.isBlank() ? "(no name)" : name) + (birth != null ? ", born " + birth : "")
        + (mrn != null ? ", MRN " + mrn : "");
  }

  private static String describe(org.hl7.fhir.r4.model.IdType id) {
    return id.getUserData("label") + " (Patient/" + id.getIdPart() + ")";
  }

  private static String value(HttpServletRequest request, String name) {
    var v = request.getParameter(name);
    return v == null ? "" : htmlEscape(v);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String hidden(String name, String value) {
    return "<input type=hidden name=\"" + name + "\" value=\"" + htmlEscape(value) + "\">";
  }

  private static String csrf(HttpServletRequest request) {
    var token = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
    return token == null ? "" : hidden(token.getParameterName(), token.getToken());
  }

  private static ResponseEntity<String> page(String title, String body) {
    return ResponseEntity.ok().contentType(new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8))
        .body("<!doctype html><html lang=en><meta charset=utf-8><title>" + htmlEscape(title) + "</title>"
            + "<meta name=viewport content=\"width=device-width\"><h1>" + htmlEscape(title) + "</h1>" + body
            + "</html>");
  }

}
