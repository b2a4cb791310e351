package org.infusionfhir.security;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One SMART on FHIR resource scope, v1 ({@code patient/Observation.read}, {@code user/*.write}) or v2
 * ({@code patient/Observation.rs}, {@code system/*.cruds}, with an optional granular query such as
 * {@code patient/Observation.rs?category=vital-signs}).
 *
 * @param context whose data the scope reaches: the token's patient, what the user may see, or the
 *     whole server (backend services)
 * @param resourceType a FHIR resource type, or {@code *} for every type
 * @param permissions what it allows
 * @param filter the v2 granular query ({@code category=vital-signs}), or null
 */
public record SmartScope(Context context, String resourceType, Set<Permission> permissions, String filter) {

  /** SMART App Launch 2.0 §3.0.2: context "/" resource type "." permissions ["?" query]. */
  private static final Pattern SYNTAX =
      Pattern.compile("(patient|user|system)/(\\*|[A-Z][A-Za-z]+)\\.(read|write|\\*|c?r?u?d?s?)(\\?(.+))?");

  public enum Context { PATIENT, USER, SYSTEM }

  public enum Permission { CREATE, READ, UPDATE, DELETE, SEARCH }

  /** The scope, or empty when the text is not a SMART resource scope (e.g. {@code openid}, {@code launch}). */
  public static Optional<SmartScope> parse(String text) {
    var m = SYNTAX.matcher(text);
    if (!m.matches() || m.group(3).isEmpty()) {
      return Optional.empty();
    }
    var permissions = switch (m.group(3)) {
      case "read" -> EnumSet.of(Permission.READ, Permission.SEARCH);
      case "write" -> EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE);
      case "*" -> EnumSet.allOf(Permission.class);
      default -> v2Permissions(m.group(3));
    };
    var filter = m.group(5);
    // v1 scopes have no granular form; "patient/Observation.read?x=y" is not a scope we understand.
    if (filter != null && (m.group(3).equals("read") || m.group(3).equals("write") || m.group(3).equals("*"))) {
      return Optional.empty();
    }
    return Optional.of(new SmartScope(Context.valueOf(m.group(1).toUpperCase()), m.group(2),
        Set.copyOf(permissions), filter));
  }

  private static EnumSet<Permission> v2Permissions(String letters) {
    var permissions = EnumSet.noneOf(Permission.class);
    for (char c : letters.toCharArray()) {
      permissions.add(switch (c) {
        case 'c' -> Permission.CREATE;
        case 'r' -> Permission.READ;
        case 'u' -> Permission.UPDATE;
        case 'd' -> Permission.DELETE;
        default -> Permission.SEARCH;
      });
    }
    return permissions;
  }

  /** Whether this scope covers {@code type} ({@code *} covers every type). */
  public boolean covers(String type) {
    return resourceType.equals("*") || resourceType.equals(type);
  }

  public boolean allows(Permission permission) {
    return permissions.contains(permission);
  }
}
