package org.infusionfhir.security;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import java.util.Optional;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;

/**
 * A FHIR RESTful interaction as BALP's RESTful activity pattern names it: its code in
 * http://hl7.org/fhir/restful-interaction (AuditEvent.subtype) and its AuditEvent.action.
 */
enum RestInteraction {
  READ("read", AuditEventAction.R),
  VREAD("vread", AuditEventAction.R),
  UPDATE("update", AuditEventAction.U),
  PATCH("patch", AuditEventAction.U),
  DELETE("delete", AuditEventAction.D),
  HISTORY_INSTANCE("history-instance", AuditEventAction.R),
  HISTORY_TYPE("history-type", AuditEventAction.R),
  HISTORY_SYSTEM("history-system", AuditEventAction.R),
  CREATE("create", AuditEventAction.C),
  // A further page of a search: the parent code, since the page request does not say which search it was.
  SEARCH("search", AuditEventAction.R),
  SEARCH_TYPE("search-type", AuditEventAction.R),
  SEARCH_SYSTEM("search-system", AuditEventAction.R),
  TRANSACTION("transaction", AuditEventAction.E),
  BATCH("batch", AuditEventAction.E),
  OPERATION("operation", AuditEventAction.E);

  static final String SYSTEM = "http://hl7.org/fhir/restful-interaction";

  final String code;
  final AuditEventAction action;

  RestInteraction(String code, AuditEventAction action) {
    this.code = code;
    this.action = action;
  }

  /** The interaction HAPI dispatched; empty for {@code metadata}, which is open to anyone and not audited. */
  static Optional<RestInteraction> of(RestOperationTypeEnum operation) {
    if (operation == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(switch (operation) {
      case READ -> READ;
      case VREAD -> VREAD;
      case UPDATE -> UPDATE;
      case PATCH -> PATCH;
      case DELETE -> DELETE;
      case HISTORY_INSTANCE -> HISTORY_INSTANCE;
      case HISTORY_TYPE -> HISTORY_TYPE;
      case HISTORY_SYSTEM -> HISTORY_SYSTEM;
      case CREATE -> CREATE;
      case GET_PAGE -> SEARCH;
      case SEARCH_TYPE -> SEARCH_TYPE;
      case SEARCH_SYSTEM -> SEARCH_SYSTEM;
      case TRANSACTION -> TRANSACTION;
      case BATCH -> BATCH;
      case METADATA -> null;
      default -> OPERATION;
    });
  }

  boolean isWrite() {
    return action == AuditEventAction.C || action == AuditEventAction.U || action == AuditEventAction.D;
  }

  boolean isQuery() {
    return this == SEARCH || this == SEARCH_TYPE || this == SEARCH_SYSTEM || this == HISTORY_INSTANCE
        || this == HISTORY_TYPE || this == HISTORY_SYSTEM;
  }

  /** Whether what the response holds may be an old version or a deleted resource. */
  boolean mayShowPastVersions() {
    return this == VREAD || this == HISTORY_INSTANCE || this == HISTORY_TYPE || this == HISTORY_SYSTEM;
  }
}
