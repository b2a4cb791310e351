package org.infusionfhir.security;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;

/**
 * The patients and resources one AuditEvent names. Each ends up as a versioned reference
 * ({@code Patient/x/_history/3}): HAPI stores the version with the link, and a versioned link does not
 * stop the target from being deleted later, whereas an unversioned one would make every patient ever read
 * undeletable. A version not known from the request is looked up once per type; a target that does not
 * exist (or no longer does) cannot be referenced under referential integrity, so a resource is then named
 * in {@code display} only and a patient is left out.
 */
final class AuditedEntities {

  /** What happened to a written resource (http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle). */
  enum Lifecycle {
    CREATED("1", "Origination / Creation"), AMENDED("3", "Amendment"), DELETED("14", "Logical deletion");

    static final String SYSTEM = "http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle";
    final String code;
    final String display;

    Lifecycle(String code, String display) {
      this.code = code;
      this.display = display;
    }
  }

  private enum State { CURRENT, UNVERIFIED, GONE }

  private record Entry(IIdType id, State state, Lifecycle lifecycle) {}

  /** An entity as it goes into the AuditEvent: a reference, and what happened to it if it was written. */
  record Named(Reference what, Lifecycle lifecycle) {}

  record Resolved(List<Named> patients, List<Named> resources) {}

  private static final Set<String> PATIENT_ELEMENTS = Set.of("subject", "patient");

  private final int maxPatients;
  private final Map<String, Entry> patients = new LinkedHashMap<>();
  private final Map<String, Entry> resources = new LinkedHashMap<>();

  AuditedEntities(int maxPatients) {
    this.maxPatients = maxPatients;
  }

  /** A resource read or written whose version in hand is its current one. */
  void resource(IBaseResource resource, Lifecycle lifecycle) {
    put(resources, resource.getIdElement(), resource.getIdElement().hasVersionIdPart() ? State.CURRENT
        : State.UNVERIFIED, lifecycle);
  }

  /** A resource named by id only (the target of a failed request, a version read from history). */
  void resourceId(IIdType id) {
    put(resources, id, State.UNVERIFIED, null);
  }

  void deleted(IBaseResource resource) {
    put(resources, resource.getIdElement(), State.GONE, Lifecycle.DELETED);
  }

  /** A patient named in the request itself: an instance id or a search parameter. */
  void patientId(IIdType id) {
    if (id != null && "Patient".equals(id.getResourceType()) && id.hasIdPart()) {
      put(patients, id, State.UNVERIFIED, null);
    }
  }

  /**
   * The patients {@code resource} is about: itself when it is a Patient, else what its {@code subject} or
   * {@code patient} references (the elements nearly every clinical resource uses), and for a Bundle
   * those of each entry. {@code current} says whether the resource in hand is its current version.
   */
  void patientsOf(IBaseResource resource, boolean current) {
    if (resource instanceof Bundle bundle) {
      bundle.getEntry().forEach(e -> {
        if (e.hasResource()) {
          patientsOf(e.getResource(), current);
        }
      });
      return;
    }
    if (resource instanceof org.hl7.fhir.r4.model.Patient patient) {
      var id = patient.getIdElement();
      put(patients, id, current && id.hasVersionIdPart() ? State.CURRENT : State.UNVERIFIED, null);
      return;
    }
    if (resource instanceof Base base) {
      for (var name : PATIENT_ELEMENTS) {
        var property = base.getChildByName(name);
        if (property == null) {
          continue;
        }
        for (var value : property.getValues()) {
          if (value instanceof Reference reference) {
            patientId(reference.getReferenceElement());
          }
        }
      }
    }
  }

  boolean isEmpty() {
    return patients.isEmpty() && resources.isEmpty();
  }

  private void put(Map<String, Entry> into, IIdType id, State state, Lifecycle lifecycle) {
    if (id == null || !id.hasIdPart() || !id.hasResourceType()) {
      return;
    }
    var key = id.getResourceType() + "/" + id.getIdPart();
    var known = into.get(key);
    if (known == null) {
      if (into != patients || patients.size() < maxPatients) {
        into.put(key, new Entry(id, state, lifecycle));
      }
      return;
    }
    if (state == State.UNVERIFIED) {
      return;
    }
    // Written twice in one transaction: the last state counts, but a resource created here stays "created".
    var kept = known.lifecycle() == Lifecycle.CREATED && lifecycle == Lifecycle.AMENDED ? Lifecycle.CREATED
        : lifecycle != null ? lifecycle : known.lifecycle();
    into.put(key, new Entry(id, state, kept));
  }

  /**
   * Turns every entry into a reference, looking up the current versions of those not known yet:
   * {@code currentVersions} takes a resource type and ids and answers the live ones, versioned.
   */
  Resolved resolve(BiFunction<String, Set<String>, Map<String, IIdType>> currentVersions) {
    var unverified = new LinkedHashMap<String, Set<String>>();
    for (var entry : concat()) {
      if (entry.state() == State.UNVERIFIED) {
        unverified.computeIfAbsent(entry.id().getResourceType(), t -> new java.util.LinkedHashSet<>())
            .add(entry.id().getIdPart());
      }
    }
    var found = new LinkedHashMap<String, IIdType>();
    unverified.forEach((type, ids) -> found.putAll(currentVersions.apply(type, ids)));
    return new Resolved(named(patients, found, false), named(resources, found, true));
  }

  private List<Entry> concat() {
    var all = new ArrayList<Entry>(patients.values());
    all.addAll(resources.values());
    return all;
  }

  private static List<Named> named(Map<String, Entry> entries, Map<String, IIdType> found, boolean keepGone) {
    var named = new ArrayList<Named>();
    entries.forEach((key, entry) -> {
      IIdType id = switch (entry.state()) {
        case CURRENT -> entry.id();
        case UNVERIFIED -> found.get(key);
        case GONE -> null;
      };
      if (id != null) {
        named.add(new Named(new Reference(new IdType(id.getResourceType(), id.getIdPart(), id.getVersionIdPart())),
            entry.lifecycle()));
      } else if (keepGone) {
        var version = entry.id().hasVersionIdPart() ? "/_history/" + entry.id().getVersionIdPart() : "";
        named.add(new Named(new Reference().setType(entry.id().getResourceType()).setDisplay(key + version),
            entry.lifecycle()));
      }
    });
    return named;
  }
}
