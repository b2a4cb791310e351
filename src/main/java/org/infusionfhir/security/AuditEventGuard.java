package org.infusionfhir.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import java.util.EnumSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.TypeRestfulInteraction;
import org.infusionfhir.server.ServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * AuditEvents cannot be created, changed or deleted through the API: only {@link AuditWriter} creates
 * them, and nothing updates or deletes them. The refusal is {@code 405 Method Not Allowed} with
 * {@code Allow: GET, POST} (POST for {@code _search}): the methods are not supported on this resource type
 * for anyone, whatever the token, which is what 405 says; a 403 would suggest some other token could.
 *
 * <p>The rule is enforced in storage ({@link #storageHooks()}, a storage interceptor of its own),
 * so no path escapes it: single REST writes, entries of transaction and batch Bundles, adapters and
 * {@code $expunge}. The REST hooks add what storage does not see ({@code $meta-add}, {@code $meta-delete}
 * change tags without a storage write) and keep the CapabilityStatement honest.
 */
@Component
@Interceptor
public class AuditEventGuard implements ServerInterceptor {

  private static final String TYPE = "AuditEvent";
  private static final Set<RestOperationTypeEnum> CHANGES = EnumSet.of(RestOperationTypeEnum.CREATE,
      RestOperationTypeEnum.UPDATE, RestOperationTypeEnum.PATCH, RestOperationTypeEnum.DELETE,
      RestOperationTypeEnum.META_ADD, RestOperationTypeEnum.META_DELETE, RestOperationTypeEnum.ADD_TAGS,
      RestOperationTypeEnum.DELETE_TAGS);
  private static final Set<TypeRestfulInteraction> WRITE_INTERACTIONS = EnumSet.of(TypeRestfulInteraction.CREATE,
      TypeRestfulInteraction.UPDATE, TypeRestfulInteraction.PATCH, TypeRestfulInteraction.DELETE);

  private final StorageHooks storageHooks = new StorageHooks();

  /** The hooks that guard storage itself, a bean of their own so that they sit on the storage layer. */
  public StorageHooks storageHooks() {
    return storageHooks;
  }

  static MethodNotAllowedException refusal(String what) {
    return new MethodNotAllowedException("AuditEvents are the audit trail: they cannot be " + what
        + " through the API. The server writes them itself.", RequestTypeEnum.GET, RequestTypeEnum.POST);
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public void refuseChanges(RequestDetails request) {
    if (TYPE.equals(request.getResourceName()) && CHANGES.contains(request.getRestOperationType())) {
      throw refusal(request.getRestOperationType() == RestOperationTypeEnum.CREATE ? "created" : "changed or deleted");
    }
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void readOnlyInCapabilityStatement(IBaseConformance capabilityStatement) {
    for (var rest : ((CapabilityStatement) capabilityStatement).getRest()) {
      for (var resource : rest.getResource()) {
        if (TYPE.equals(resource.getType())) {
          resource.getInteraction().removeIf(i -> WRITE_INTERACTIONS.contains(i.getCode()));
          resource.setConditionalCreateElement(null).setConditionalUpdateElement(null).setConditionalDeleteElement(null);
        }
      }
    }
  }

  @Interceptor
  public static final class StorageHooks implements ServerInterceptor {

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
      if (resource instanceof AuditEvent && !AuditWriter.isAuditWriter(request)) {
        throw refusal("created");
      }
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void updated(IBaseResource oldResource, IBaseResource newResource) {
      if (newResource instanceof AuditEvent) {
        throw refusal("changed");
      }
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
    public void deleted(IBaseResource resource) {
      if (resource instanceof AuditEvent) {
        throw refusal("deleted");
      }
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_EXPUNGE_RESOURCE)
    public void expunged(IIdType id) {
      if (id != null && TYPE.equals(id.getResourceType())) {
        throw refusal("expunged");
      }
    }
  }
}
