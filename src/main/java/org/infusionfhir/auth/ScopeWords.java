package org.infusionfhir.auth;

import java.util.ArrayList;
import org.infusionfhir.security.SmartScope;
import org.infusionfhir.security.SmartScope.Permission;

/** What a scope lets an app do, in the plain words of the consent page. */
final class ScopeWords {

  private ScopeWords() {}

  static String of(String scope) {
    switch (scope) {
      case "openid": return "know who you are";
      case "fhirUser": return "see your own record as a user of this server";
      case "launch/patient": return "open the record of a patient you choose";
      case "launch": return "open the record the EHR has open";
      case "launch/encounter": return "know the visit the EHR has open";
      case "offline_access": return "keep its access after you close it, until you revoke it";
      case "online_access": return "keep its access while you stay signed in";
      default: break;
    }
    return SmartScope.parse(scope).map(s -> {
      var verbs = new ArrayList<String>();
      if (s.allows(Permission.READ)) verbs.add("read");
      if (s.allows(Permission.SEARCH)) verbs.add("search");
      if (s.allows(Permission.CREATE)) verbs.add("create");
      if (s.allows(Permission.UPDATE)) verbs.add("change");
      if (s.allows(Permission.DELETE)) verbs.add("delete");
      var what = s.resourceType().equals("*") ? "all kinds of records" : s.resourceType() + " records";
      var whose = switch (s.context()) {
        case PATIENT -> " of the chosen patient";
        case USER -> " that you may see";
        case SYSTEM -> " of the whole clinic";
      };
      return String.join(", ", verbs) + " " + what + whose + (s.filter() != null ? " (only " + s.filter() + ")" : "");
    }).orElse(scope);
  }
}
