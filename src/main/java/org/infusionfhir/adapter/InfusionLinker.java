package org.infusionfhir.adapter;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;

/**
 * Links an observation to the infusion session the patient is in at the observation time: an
 * {@code in-progress} Procedure whose {@code performedPeriod} covers the time. The phase follows from
 * the period: before its start (within the baseline window) is baseline, between start and end (or an
 * open end) is during infusion, after the end while the session is still in progress is recovery.
 */
@Component
public class InfusionLinker {

  public record Link(Reference procedure, Reference encounter, InfusionPhase phase) {}

  private final IFhirResourceDao<Procedure> procedures;
  private final LinkingProperties properties;

  public InfusionLinker(DaoRegistry daoRegistry, LinkingProperties properties) {
    this.procedures = daoRegistry.getResourceDao(Procedure.class);
    this.properties = properties;
  }

  /** The patient's sessions in progress now; one lookup serves every observation of a message. */
  public Sessions inProgressFor(Reference patient, RequestDetails request) {
    if (patient.getReference() == null || !patient.getReference().startsWith("Patient/")) {
      return new Sessions(List.of());
    }
    var map = SearchParameterMap.newSynchronous()
        .add(Procedure.SP_SUBJECT, new ReferenceParam(patient.getReference()))
        .add(Procedure.SP_STATUS, new TokenParam("in-progress"));
    var found = procedures.searchForResources(map, request).stream()
        .filter(p -> p.hasPerformedPeriod() && p.getPerformedPeriod().hasStart())
        .sorted(Comparator.comparing((Procedure p) -> p.getPerformedPeriod().getStart()).reversed())
        .toList();
    return new Sessions(found);
  }

  public final class Sessions {
    private final List<Procedure> inProgress;

    private Sessions(List<Procedure> inProgress) {
      this.inProgress = inProgress;
    }

    /** The latest-starting session in progress whose window covers {@code time}. */
    public Optional<Link> at(Instant time) {
      for (var procedure : inProgress) {
        var period = procedure.getPerformedPeriod();
        var start = period.getStart().toInstant();
        if (time.isBefore(start.minus(properties.baselineWindow()))) {
          continue;
        }
        var phase = InfusionPhase.at(time, start, period.hasEnd() ? period.getEnd().toInstant() : null);
        var id = procedure.getIdElement().toUnqualifiedVersionless().getValue();
        var encounter = procedure.hasEncounter() ? new Reference(procedure.getEncounter().getReference()) : null;
        return Optional.of(new Link(new Reference(id), encounter, phase));
      }
      return Optional.empty();
    }
  }
}
