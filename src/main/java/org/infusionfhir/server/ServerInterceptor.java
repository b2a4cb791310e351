package org.infusionfhir.server;

/**
 * Marks a Spring bean as a HAPI interceptor. This is the one way interceptors are registered:
 * {@link InterceptorRegistrar} puts each where its hooks fire ({@link HookPlacement}). One whose hooks are
 * all {@code SERVER_*} goes to the {@link ca.uhn.fhir.rest.server.RestfulServer}; one with none goes to the
 * storage layer's interceptor service, so its {@code STORAGE_*} hooks fire for every write, whether it
 * came over REST, from an adapter, from {@code load} or from a batch job.
 */
public interface ServerInterceptor {}
