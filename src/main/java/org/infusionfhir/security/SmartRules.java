package org.infusionfhir.security;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleConditional;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.ValueSet;
import org.infusionfhir.security.SmartScope.Context;
import org.infusionfhir.security.SmartScope.Permission;

/**
 * SMART scopes as HAPI authorization rules, built per request.
 *
 * <ul>
 *   <li>Patient scopes reach the compartment of the token's patient, plus the shared resources a record
 *       points at (practitioners, locations, the drug, the monitor), which belong to no patient.
 *   <li>User and system scopes reach every instance of their types; a v2 granular query
 *       ({@code ?category=vital-signs}) limits them to matching resources.
 *   <li>Bulk export, AuditEvents and HAPI's maintenance operations need system scopes.
 *   <li>The guide's conformance resources, {@code $validate} and terminology operations are open to any
 *       valid token that grants a SMART scope: they hold no patient data.
 * </ul>
 */
final class SmartRules {

  /** Resources that belong to no patient compartment but that a patient's record references. */
  static final Set<String> SHARED_TYPES =
      Set.of("Practitioner", "PractitionerRole", "Organization", "Location", "Medication", "Device", "Substance");

  /** Conformance and terminology resources: the published guide. */
  static final List<String> CONFORMANCE_TYPES = List.of("StructureDefinition", "ValueSet", "CodeSystem",
      "SearchParameter", "ImplementationGuide", "OperationDefinition", "CapabilityStatement", "ConceptMap");

  /** HAPI's own maintenance operations (reindexing, merging, expunge): for a system token allowed everything. */
  static final List<String> MAINTENANCE_OPERATIONS = List.of("$mark-all-resources-for-reindexing",
      "$perform-reindexing-pass", "$reindex", "$reindex-dryrun", "$expunge", "$hapi.fhir.merge",
      "$hapi.fhir.replace-references", "$meta-add", "$meta-delete");

  private SmartRules() {}

  static List<IAuthRule> forRequest(SmartScopes granted, RequestDetails request) {
    var rules = new RuleBuilder();
    if (granted.scopes().isEmpty()) {
      // A token that grants no SMART scope (a sign-in with openid alone) carries no rights to FHIR data,
      // the guide or its operations.
      return rules.allow("capabilities").metadata().andThen()
          .denyAll("the access token grants no SMART scope").andThen().build();
    }
    var missing = missingPermission(granted, request);
    if (missing.isPresent()) {
      return rules.denyAll(missing.get()).andThen().build();
    }
    if ("AuditEvent".equals(request.getResourceName()) && !granted.allowsSystem("AuditEvent", Permission.READ)) {
      // Refused before searching, also when the search would have found nothing.
      return rules.denyAll("audit records need a system scope").andThen().build();
    }
    // AuditEvents are read by backend services only (system scopes), also where a search includes them;
    // storage refuses every change to them whatever the scope (AuditEventGuard).
    if (!granted.allowsSystem("AuditEvent", Permission.READ)) {
      rules.deny("audit records need a system scope").read().resourcesOfType("AuditEvent").withAnyId();
    }

    rules.allow("capabilities").metadata();
    for (var type : CONFORMANCE_TYPES) {
      rules.allow("the guide is public to token holders").read().resourcesOfType(type).withAnyId();
    }
    rules.allow("$validate").operation().named("$validate").onAnyType().andAllowAllResponses()
        .andThen().allow("$validate").operation().named("$validate").onServer().andAllowAllResponses();
    for (var op : List.of("$expand", "$validate-code", "$lookup")) {
      rules.allow(op).operation().named(op).onType(ValueSet.class).andAllowAllResponses()
          .andThen().allow(op).operation().named(op).onInstancesOfType(ValueSet.class).andAllowAllResponses();
    }
    rules.allow("transactions: each entry under its own rules").transaction().withAnyOperation()
        .andApplyNormalRules();

    for (var scope : granted.scopes()) {
      if (scope.context() == Context.PATIENT) {
        if (granted.patient() != null) {
          patientRules(rules, scope, new IdType("Patient", granted.patient()));
        }
      } else {
        beyondOnePatientRules(rules, scope);
      }
    }
    if (granted.scopes().stream().anyMatch(s -> s.context() == Context.SYSTEM && s.resourceType().equals("*")
        && s.permissions().containsAll(EnumSet.allOf(Permission.class)))) {
      for (var op : MAINTENANCE_OPERATIONS) {
        rules.allow("maintenance").operation().named(op).atAnyLevel().andAllowAllResponses();
      }
    }
    rules.denyAll("no scope of the token allows this request");
    return rules.build();
  }

  /**
   * The permission letter a request needs on its type (v2 separates read from search and create from
   * update, which HAPI's rules do not), or empty when some scope has it.
   */
  private static Optional<String> missingPermission(SmartScopes granted, RequestDetails request) {
    var type = request.getResourceName();
    if (type == null || CONFORMANCE_TYPES.contains(type)) {
      return Optional.empty();
    }
    Permission needed = switch (Optional.ofNullable(request.getRestOperationType())
        .orElse(RestOperationTypeEnum.METADATA)) {
      case READ, VREAD, HISTORY_INSTANCE, HISTORY_TYPE -> Permission.READ;
      case SEARCH_TYPE -> Permission.SEARCH;
      case CREATE -> Permission.CREATE;
      case UPDATE, PATCH -> Permission.UPDATE;
      case DELETE -> Permission.DELETE;
      default -> null;
    };
    if (needed == null || granted.scopes().stream().anyMatch(s -> s.covers(type) && s.allows(needed))) {
      return Optional.empty();
    }
    return Optional.of("no scope of the token allows " + needed.name().toLowerCase() + " on " + type);
  }

  private static void patientRules(RuleBuilder rules, SmartScope scope, IdType patient) {
    boolean read = scope.allows(Permission.READ) || scope.allows(Permission.SEARCH);
    if (read) {
      var name = "patient scope " + scope.resourceType() + ": read in Patient/" + patient.getIdPart();
      var rule = types(rules.allow(name).read(), scope.resourceType());
      if (scope.filter() != null) {
        rule.inCompartmentWithFilter("Patient", patient, scope.filter());
      } else {
        rule.inCompartment("Patient", patient);
      }
      for (var shared : SHARED_TYPES) {
        if (scope.covers(shared) && scope.filter() == null) {
          rules.allow("shared " + shared).read().resourcesOfType(shared).withAnyId();
        }
      }
      if (scope.resourceType().equals("*") && scope.filter() == null) {
        // $everything answers are checked resource by resource against the read rules above.
        rules.allow("$everything").operation().named("$everything").onInstance(patient)
            .andRequireExplicitResponseAuthorization()
            // $summary composes the whole record, so it needs the whole compartment readable.
            .andThen().allow("$summary").operation().named("$summary").onInstance(patient).andAllowAllResponses()
            // Bulk export of the patient's own compartment: Patient/[own id]/$export only.
            .andThen().allow("own export").bulkExport().patientExportOnPatient(patient.getValue())
            .andThen().allow("$export").operation().named("$export").onInstance(patient).andAllowAllResponses()
            .andThen().allow("$export-poll-status").operation().named("$export-poll-status").onServer()
            .andAllowAllResponses()
            .andThen().allow("export files").read().resourcesOfType("Binary").withAnyId();
      }
    }
    if (scope.allows(Permission.CREATE) || scope.allows(Permission.UPDATE)) {
      types(rules.allow("patient scope write").write(), scope.resourceType())
          .inCompartment("Patient", patient);
    }
    if (scope.allows(Permission.DELETE)) {
      types(rules.allow("patient scope delete").delete(), scope.resourceType())
          .inCompartment("Patient", patient);
    }
  }

  private static void beyondOnePatientRules(RuleBuilder rules, SmartScope scope) {
    var label = scope.context().name().toLowerCase() + " scope " + scope.resourceType();
    boolean read = scope.allows(Permission.READ) || scope.allows(Permission.SEARCH);
    if (read) {
      var rule = types(rules.allow(label + " read").read(), scope.resourceType());
      if (scope.filter() != null) {
        rule.withFilter(scope.filter());
      } else {
        rule.withAnyId();
      }
      if (scope.covers("Patient") && scope.filter() == null) {
        rules.allow("$everything").operation().named("$everything").onInstancesOfType(Patient.class)
            .andRequireExplicitResponseAuthorization();
      }
      if (scope.resourceType().equals("*") && scope.filter() == null) {
        rules.allow("$summary").operation().named("$summary").onInstancesOfType(Patient.class)
            .andAllowAllResponses();
      }
      if (scope.covers("Subscription") && scope.filter() == null) {
        rules.allow("$delivery-status").operation().named("$delivery-status")
            .onInstancesOfType(Subscription.class).andAllowAllResponses();
      }
      if (scope.context() == Context.SYSTEM && scope.filter() == null) {
        bulkExportRules(rules, scope);
      }
    }
    if (scope.allows(Permission.CREATE) || scope.allows(Permission.UPDATE)) {
      var rule = types(rules.allow(label + " write").write(), scope.resourceType());
      if (scope.filter() != null) {
        rule.withFilter(scope.filter());
      } else {
        rule.withAnyId();
      }
      if (scope.allows(Permission.UPDATE)) {
        rules.allow(label + " patch").patch().allRequests();
      }
      // Conditional create/update (If-None-Exist, PUT Type?identifier=...): the resource written is then
      // held to the write rule above.
      if (scope.filter() == null) {
        conditionalTypes(rules.allow(label + " conditional create").createConditional(), scope.resourceType());
        conditionalTypes(rules.allow(label + " conditional update").updateConditional(), scope.resourceType());
      }
    }
    if (scope.allows(Permission.DELETE)) {
      var rule = types(rules.allow(label + " delete").delete(), scope.resourceType());
      if (scope.filter() != null) {
        rule.withFilter(scope.filter());
      } else {
        rule.withAnyId();
        conditionalTypes(rules.allow(label + " conditional delete").deleteConditional(), scope.resourceType());
      }
    }
  }

  /** Backend services export; a typed scope exports its type only. Files are Binaries with random ids. */
  private static void bulkExportRules(RuleBuilder rules, SmartScope scope) {
    var export = rules.allow("bulk export").bulkExport();
    var target = scope.resourceType().equals("*") ? export.any()
        : export.any().withResourceTypes(List.of(scope.resourceType()));
    target.andThen()
        .allow("$export").operation().named("$export").atAnyLevel().andAllowAllResponses()
        .andThen().allow("$export-poll-status").operation().named("$export-poll-status").onServer()
        .andAllowAllResponses()
        .andThen().allow("export files").read().resourcesOfType("Binary").withAnyId();
  }

  private static void conditionalTypes(IAuthRuleBuilderRuleConditional op, String type) {
    if (type.equals("*")) {
      op.allResources();
    } else {
      op.resourcesOfType(type);
    }
  }

  private static IAuthRuleBuilderRuleOpClassifier types(IAuthRuleBuilderRuleOp op, String type) {
    return type.equals("*") ? op.allResources() : op.resourcesOfType(type);
  }
}
