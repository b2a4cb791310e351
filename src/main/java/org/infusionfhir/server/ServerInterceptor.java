package org.infusionfhir.server;

/**
 * Marks a Spring bean as a HAPI interceptor for the FHIR REST server: every such bean is registered
 * with the {@link ca.uhn.fhir.rest.server.RestfulServer}, so a feature adds one by declaring it.
 */
public interface ServerInterceptor {}
