package org.infusionfhir.security;

import ca.uhn.fhir.jpa.api.dao.IDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * undeletable. A target that does not exist (or no longer does) cannot be referenced under referential
 * integrity, so a resource is then named in {@code display} only and a patient is left out.
 *
 * <p>A resource in hand (read or written) has its version and storage id; any other target (a patient
 * a resource references, one named by the request, an old version) is looked up by primary key, which also
 * says whether it exists. The storage ids found go to HAPI with the AuditEvent, so that linking it to its
 * targets costs no further queries.
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

  /** How much is known of a target, least first; a later entry replaces an earlier one that knew less. */
  private enum State { UNVERIFIED, CURRENT, GONE }

  private record Entry(IIdType id, State state, Lifecycle lifecycle, JpaPid pid) {}

  /** An entity as it goes into the AuditEvent: a reference, and what happened to it if it was written. */
  record Named(Reference what, Lifecycle lifecycle) {}

  /**
   * @param person the signed-in person acting ({@code fhirUser}), as a reference when it exists; else null
   * @param pids the storage ids of the referenced resources that are known, so that HAPI need not look
   *     them up again when it links the AuditEvent to them
   */
  record Resolved(List<Named> patients, List<Named> resources, Reference person, Map<IIdType, JpaPid> pids) {}

  /** A stored resource's current version and storage id. */
  record Found(IIdType id, JpaPid pid) {}

  /** Looks up a resource in storage: empty when it does not exist or is deleted. */
  interface Lookup {
    Optional<Found> current(IIdType id);
  }

  private static final Set<String> PATIENT_ELEMENTS = Set.of("subject", "patient");

  private final int maxPatients;
  private final Map<String, Entry> patients = new LinkedHashMap<>();
  private final Map<String, Entry> resources = new LinkedHashMap<>();
  private final Map<String, Entry> people = new LinkedHashMap<>();

  AuditedEntities(int maxPatients) {
    this.maxPatients = maxPatients;
  }

  /** A resource read or written, in its current version. */
  void resource(IBaseResource resource, Lifecycle lifecycle) {
    var id = resource.getIdElement();
    put(resources, id, id.hasVersionIdPart() ? State.CURRENT : State.UNVERIFIED, lifecycle, pid(resource));
  }

  /** A resource named by id only (the target of a failed request, a version read from history). */
  void resourceId(IIdType id) {
    put(resources, id, State.UNVERIFIED, null, null);
  }

  void deleted(IBaseResource resource) {
    put(resources, resource.getIdElement(), State.GONE, Lifecycle.DELETED, null);
  }

  /**
   * The person acting ({@code fhirUser} of a user token). Referenced only when it exists: under referential
   * integrity, a reference to a missing Practitioner would make the audit record, and so the request, fail.
   */
  void person(String fhirUser) {
    if (fhirUser != null) {
      put(people, new IdType(fhirUser), State.UNVERIFIED, null, null);
    }
  }

  /** A patient named in the request itself: an instance id or a search parameter. */
  void patientId(IIdType id) {
    patient(id, State.UNVERIFIED, null);
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
      patient(id, current && id.hasVersionIdPart() ? State.CURRENT : State.UNVERIFIED, pid(patient));
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
            patient(reference.getReferenceElement(), State.UNVERIFIED, null);
          }
        }
      }
    }
  }

  private void patient(IIdType id, State state, JpaPid pid) {
    if (id != null && "Patient".equals(id.getResourceType())) {
      put(patients, id, state, null, pid);
    }
  }

  private static JpaPid pid(IBaseResource resource) {
    return IDao.RESOURCE_PID.get(resource);
  }

  private void put(Map<String, Entry> into, IIdType id, State state, Lifecycle lifecycle, JpaPid pid) {
    if (id == null || !id.hasIdPart() || !id.hasResourceType() || id.isLocal()) {
      return;
    }
    var key = id.getResourceType() + "/" + id.getIdPart();
    var known = into.get(key);
    if (known == null) {
      if (into != patients || patients.size() < maxPatients) {
        into.put(key, new Entry(id, state, lifecycle, pid));
      }
      return;
    }
    boolean written = state.compareTo(State.CURRENT) >= 0;
    if (state.compareTo(known.state()) <= 0 && !written) {
      return;
    }
    // Written twice in one transaction: the last state counts, but a resource created here stays "created".
    var kept = known.lifecycle() == Lifecycle.CREATED && lifecycle == Lifecycle.AMENDED ? Lifecycle.CREATED
        : lifecycle != null ? lifecycle : known.lifecycle();
    into.put(key, new Entry(id, state, kept, pid != null ? pid : known.pid()));
  }

  /** Turns every entry into a reference, looking up what is not known yet. */
  Resolved resolve(Lookup lookup) {
    var pids = new HashMap<IIdType, JpaPid>();
    var found = new HashMap<String, IIdType>();
    for (var entry : all()) {
      var key = entry.id().getResourceType() + "/" + entry.id().getIdPart();
      if (entry.state() == State.UNVERIFIED && !found.containsKey(key)) {
        lookup.current(new IdType(entry.id().getResourceType(), entry.id().getIdPart())).ifPresent(current -> {
          found.put(key, current.id());
          pids.put(new IdType(key), current.pid());
        });
      } else if (entry.state() == State.CURRENT && entry.pid() != null) {
        pids.put(new IdType(key), entry.pid());
      }
    }
    var person = named(people, found, false).stream().findFirst().map(Named::what).orElse(null);
    return new Resolved(named(patients, found, false), named(resources, found, true), person, pids);
  }

  private List<Entry> all() {
    var all = new ArrayList<Entry>(patients.values());
    all.addAll(resources.values());
    all.addAll(people.values());
    return all;
  }

  private static List<Named> named(Map<String, Entry> entries, Map<String, IIdType> found, boolean keepGone) {
    var named = new ArrayList<Named>();
    entries.forEach((key, entry) -> {
      IIdType id = entry.state() == State.CURRENT ? entry.id() : entry.state() == State.GONE ? null : found.get(key);
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
