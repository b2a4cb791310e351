package org.infusionfhir.server;

/**
 * Marks a Spring bean as a HAPI plain provider (FHIR operations such as {@code Patient/$summary}) for
 * the FHIR REST server: every such bean is registered with the {@link ca.uhn.fhir.rest.server.RestfulServer}.
 */
public interface ServerProvider {}
