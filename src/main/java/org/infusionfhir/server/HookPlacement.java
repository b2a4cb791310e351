package org.infusionfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where an interceptor's hooks fire. HAPI has two interceptor services: the RestfulServer's, consulted only
 * for REST requests, and the storage layer's, consulted for every storage operation (and, during a REST
 * request, together with the RestfulServer's). Registering one interceptor on both would call its storage
 * hooks twice per REST request, so each interceptor goes to exactly one.
 */
public enum HookPlacement {
  /** Only {@code SERVER_*} hooks, or request-scoped storage hooks beside them: the RestfulServer. */
  REST_SERVER,
  /** No {@code SERVER_*} hooks: the storage layer's service, which sees every write whatever its origin. */
  STORAGE;

  /** Hooks that guard what is stored: they must see every write, so they never ride on a REST interceptor. */
  private static final Set<String> WRITE_HOOK_PREFIXES = Set.of("STORAGE_PRESTORAGE_", "STORAGE_PRECOMMIT_");
  private static final String OUR_PACKAGE = "org.infusionfhir.";

  public static HookPlacement of(Class<?> interceptorClass) {
    var pointcuts = EnumSet.noneOf(Pointcut.class);
    var ourWriteHooks = EnumSet.noneOf(Pointcut.class);
    for (var type = interceptorClass; type != null && type != Object.class; type = type.getSuperclass()) {
      boolean ours = type.getName().startsWith(OUR_PACKAGE);
      for (var method : type.getDeclaredMethods()) {
        var hook = method.getAnnotation(Hook.class);
        if (hook != null) {
          pointcuts.add(hook.value());
          if (ours && WRITE_HOOK_PREFIXES.stream().anyMatch(prefix -> hook.value().name().startsWith(prefix))) {
            ourWriteHooks.add(hook.value());
          }
        }
      }
    }
    if (pointcuts.stream().noneMatch(p -> p.name().startsWith("SERVER_"))) {
      return STORAGE;
    }
    // HAPI's own REST interceptors (AuthorizationInterceptor, say) authorize the REST caller in their write
    // hooks, and belong on the RestfulServer as HAPI designed them; ours must not hide write checks there.
    if (!ourWriteHooks.isEmpty()) {
      throw new IllegalStateException(interceptorClass.getName() + " has SERVER_* hooks and the write hooks "
          + ourWriteHooks + ": on the RestfulServer those would miss every write that does not come over REST."
          + " Move the write hooks into an interceptor of their own.");
    }
    return REST_SERVER;
  }
}
