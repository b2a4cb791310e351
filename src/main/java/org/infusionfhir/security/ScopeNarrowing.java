package org.infusionfhir.security;

import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.infusionfhir.security.SmartScope.Permission;

/**
 * Which of the scopes a client asks for it gets, given the scopes it is registered for. The one rule for
 * every grant (client credentials, authorization code, refresh):
 *
 * <ul>
 *   <li>a resource scope equal to or narrower than what the registration allows, in v1 or v2 form, is
 *       granted as asked ({@code system/*.rs} or {@code system/Patient.read} for a registered
 *       {@code system/*.read});
 *   <li>a resource scope only partly allowed is granted with the permissions allowed, in v2 form
 *       ({@code system/*.cruds} for a registered {@code system/*.read} gives {@code system/*.rs});
 *   <li>any other scope ({@code openid}, {@code launch/patient}, {@code offline_access}) is granted when it
 *       is registered as it is;
 *   <li>the rest is dropped: SMART App Launch 2.x lets a server grant fewer scopes than asked, and the
 *       token response's {@code scope} says what was granted.
 * </ul>
 */
public final class ScopeNarrowing {

  private static final String V2_ORDER = "cruds";

  private ScopeNarrowing() {}

  /** The granted subset of {@code requested}, in the order asked, without duplicates. */
  public static Set<String> grant(Collection<String> requested, Collection<String> registered) {
    var registeredScopes = registered.stream().map(SmartScope::parse)
        .flatMap(Optional::stream).toList();
    var granted = new LinkedHashSet<String>();
    for (var text : requested) {
      if (text == null || text.isBlank()) {
        continue;
      }
      var scope = SmartScope.parse(text);
      if (scope.isEmpty()) {
        if (registered.contains(text)) {
          granted.add(text);
        }
        continue;
      }
      var allowed = allowedPermissions(scope.get(), registeredScopes);
      if (allowed.containsAll(scope.get().permissions())) {
        granted.add(text);
      } else {
        var partial = EnumSet.noneOf(Permission.class);
        partial.addAll(scope.get().permissions());
        partial.retainAll(allowed);
        if (!partial.isEmpty()) {
          granted.add(v2Text(scope.get(), partial));
        }
      }
    }
    return granted;
  }

  /**
   * What the registration allows on the asked scope's context and type: the union over the registered
   * scopes of that context that cover the type and are at most as filtered as the one asked.
   */
  private static Set<Permission> allowedPermissions(SmartScope asked, List<SmartScope> registered) {
    var allowed = EnumSet.noneOf(Permission.class);
    for (var r : registered) {
      boolean sameContext = r.context() == asked.context();
      boolean coversType = r.resourceType().equals("*") || r.resourceType().equals(asked.resourceType());
      boolean filterOk = r.filter() == null || Objects.equals(r.filter(), asked.filter());
      if (sameContext && coversType && filterOk) {
        allowed.addAll(r.permissions());
      }
    }
    return allowed;
  }

  private static String v2Text(SmartScope scope, Set<Permission> permissions) {
    var letters = new StringBuilder();
    for (char c : V2_ORDER.toCharArray()) {
      var p = switch (c) {
        case 'c' -> Permission.CREATE;
        case 'r' -> Permission.READ;
        case 'u' -> Permission.UPDATE;
        case 'd' -> Permission.DELETE;
        default -> Permission.SEARCH;
      };
      if (permissions.contains(p)) {
        letters.append(c);
      }
    }
    return scope.context().name().toLowerCase() + "/" + scope.resourceType() + "." + letters
        + (scope.filter() != null ? "?" + scope.filter() : "");
  }
}
