package org.infusionfhir.safety;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.adapter.InfusionLinker;
import org.infusionfhir.adapter.InfusionPhase;
import org.infusionfhir.safety.RulesFile.Rules;
import org.infusionfhir.safety.SafetyRule.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates one stored Observation against the rules. A crossing reading joins the open alert of its
 * episode or, once the rule's persistence is met by the patient's earlier readings of the session, opens a
 * new one; a reading within limits ends the episode, so that the next crossing opens a new alert. The
 * decision and the alert's write happen in one transaction that holds the episode's row lock.
 */
public class ReadingEvaluator {

  private static final Logger log = LoggerFactory.getLogger(ReadingEvaluator.class);
  /** How far back earlier readings are looked for, beyond a rule's own duration. */
  private static final Duration LOOKBACK = Duration.ofHours(2);

  /** The infusion a reading belongs to (null outside any) and the phase it was taken in. */
  record Session(String infusion, Phase phase) {}

  private final Map<String, List<SafetyRule>> rulesByMeasure;
  private final AlertEpisodes episodes;
  private final AlertStore store;
  private final InfusionLinker linker;
  private final IFhirResourceDao<Observation> observations;
  private final IFhirResourceDao<Procedure> procedures;
  private final EpisodeTransactions transactions;
  private final SafetyMetrics metrics;
  private final Duration maxReadingAge;

  public ReadingEvaluator(Rules rules, AlertEpisodes episodes, AlertStore store, InfusionLinker linker, DaoRegistry daos,
      EpisodeTransactions transactions, SafetyMetrics metrics, Duration maxReadingAge) {
    this.maxReadingAge = maxReadingAge;
    this.rulesByMeasure = rules.byMeasure();
    this.episodes = episodes;
    this.store = store;
    this.linker = linker;
    this.observations = daos.getResourceDao(Observation.class);
    this.procedures = daos.getResourceDao(Procedure.class);
    this.transactions = transactions;
    this.metrics = metrics;
  }

  /** Whether any rule watches a code of this Observation (a cheap test made while it is being stored). */
  public boolean watches(Observation observation) {
    return Reading.of(observation).stream().anyMatch(r -> rulesByMeasure.containsKey(r.measure()));
  }

  /**
   * Evaluates the Observations of one patient stored by one transaction (a monitor message, say), in order.
   * Which episodes are going is read once for all of them: a reading within limits with no episode going,
   * the common case, costs nothing more.
   */
  public void evaluate(List<Observation> batch) {
    java.util.Set<String> going = null;
    for (var observation : batch) {
      if (observation.getStatus() == Observation.ObservationStatus.ENTEREDINERROR
          || observation.getStatus() == Observation.ObservationStatus.CANCELLED
          || !observation.getSubject().hasReference()
          || !observation.getSubject().getReference().startsWith("Patient/")) {
        continue;
      }
      var patient = observation.getSubject().getReference();
      if (going == null) {
        going = episodes.going(patient);
      }
      evaluate(observation, patient, going);
    }
  }

  public void evaluate(Observation observation) {
    evaluate(List.of(observation));
  }

  private void evaluate(Observation observation, String patient, java.util.Set<String> going) {
    var time = Reading.time(observation).orElseGet(Instant::now);
    Session session = null;
    for (var reading : Reading.of(observation)) {
      for (var rule : rulesByMeasure.getOrDefault(reading.measure(), List.of())) {
        if (rule.limit().unit() != null && !rule.limit().unit().equals(reading.unit())) {
          metrics.unitMismatches.increment();
          log.debug("{}: {} is in {}, rule {} in {}; not compared", observation.getIdElement().getIdPart(),
              reading.measure(), reading.unit(), rule.code(), rule.limit().unit());
          continue;
        }
        if (!rule.limit().crossedBy(reading.value())) {
          if (going.remove(rule.code())) {
            withinLimit(patient, rule, time);
          }
          continue;
        }
        if (time.isBefore(Instant.now().minus(maxReadingAge))) {
          continue;
        }
        if (session == null) {
          session = sessionOf(observation, patient, time);
        }
        if (rule.appliesIn(session.phase())) {
          crossing(observation, patient, time, rule, reading, session);
          // Whether it opened, joined or is still short of its persistence, a later reading of the batch
          // within limits must look at the row.
          going.add(rule.code());
        }
      }
    }
  }

  private void withinLimit(String patient, SafetyRule rule, Instant time) {
    transactions.run(() -> {
      var episode = episodes.lock(patient, rule.code());
      // A reading taken before the last crossing (sent late) does not end the episode.
      if (episode.inEpisode() && (episode.lastCrossing() == null || !time.isBefore(episode.lastCrossing()))) {
        episodes.end(patient, rule.code());
      }
    });
  }

  private void crossing(Observation observation, String patient, Instant time, SafetyRule rule, Reading reading,
      Session session) {
    var id = AlertStore.idOf(observation);
    episodes.ensure(patient, rule.code());
    transactions.run(() -> {
      var episode = episodes.lock(patient, rule.code());
      if (episode.inEpisode() && episode.alert() != null) {
        if (store.join(episode.alert(), id)) {
          metrics.joined.increment();
        }
        episodes.crossedAgain(patient, rule.code(), time);
        return;
      }
      var run = persistentRun(observation, patient, time, rule, reading, session);
      if (run.isEmpty()) {
        return;
      }
      var alert = store.open(rule.code(), rule.message(), rule.severity(), patient, session.infusion(),
          detail(rule, reading, run.size()), run);
      episodes.open(patient, rule.code(), alert, time);
      if (Alerts.ITEM9_RULE.equals(rule.code())) {
        store.raiseItem9Flag(patient, id, rule.message());
      }
      metrics.opened(rule.code());
      log.info("safety alert {} opened: {} for {} ({})", alert, rule.code(), patient, reading.text());
    });
  }

  static String detail(SafetyRule rule, Reading reading, int readings) {
    var text = new StringBuilder(rule.message()).append(": ").append(reading.text())
        .append(" (limit ").append(rule.limit().text()).append(")");
    if (readings > 1) {
      text.append(", ").append(readings).append(" consecutive readings");
    }
    if (!rule.duration().isZero()) {
      text.append(" for at least ").append(rule.duration().toSeconds()).append(" s");
    }
    return text.append('.').toString();
  }

  /**
   * The consecutive crossing readings ending with this one, newest first, when they meet the rule's
   * persistence (count and duration); else empty. Only the session's readings count.
   */
  private List<String> persistentRun(Observation observation, String patient, Instant time, SafetyRule rule,
      Reading reading, Session session) {
    var id = AlertStore.idOf(observation);
    if (rule.readings() <= 1 && rule.duration().isZero()) {
      return List.of(id);
    }
    var measure = rule.measure();
    var from = time.minus(rule.duration()).minus(LOOKBACK);
    var map = SearchParameterMap.newSynchronous()
        .add(Observation.SP_SUBJECT, new ReferenceParam(patient))
        .add(reading.component() ? Observation.SP_COMPONENT_CODE : Observation.SP_CODE,
            new TokenParam(measure.system(), measure.code()))
        .add(Observation.SP_DATE, new DateRangeParam(Date.from(from), Date.from(time)));
    map.setSort(new SortSpec(Observation.SP_DATE, SortOrderEnum.DESC));
    map.setLoadSynchronousUpTo(rule.readings() + 60);
    var earlier = new LinkedHashMap<String, Observation>();
    earlier.put(id, observation);
    for (var found : observations.searchForResources(map, AlertStore.request())) {
      var other = (Observation) found;
      var otherPartOf = other.getPartOf().stream().map(Reference::getReference).toList();
      if (session.infusion() != null && !otherPartOf.isEmpty() && !otherPartOf.contains(session.infusion())) {
        continue;
      }
      if (other.getStatus() == Observation.ObservationStatus.ENTEREDINERROR) {
        continue;
      }
      earlier.putIfAbsent(AlertStore.idOf(other), other);
    }
    var sorted = new ArrayList<>(earlier.values());
    sorted.sort(Comparator.comparing((Observation o) -> Reading.time(o).orElse(Instant.EPOCH)).reversed());
    var run = new ArrayList<String>();
    Instant oldest = time;
    for (var candidate : sorted) {
      var candidateTime = Reading.time(candidate).orElse(Instant.EPOCH);
      if (candidateTime.isAfter(time)) {
        continue;
      }
      var value = Reading.of(candidate, measure.token());
      if (value.isEmpty() || !rule.limit().crossedBy(value.get().value())) {
        break;
      }
      run.add(AlertStore.idOf(candidate));
      oldest = candidateTime;
    }
    boolean longEnough = !Duration.between(oldest, time).minus(rule.duration()).isNegative();
    return run.size() >= rule.readings() && longEnough ? run : List.of();
  }

  /** The infusion of a reading: its {@code partOf}, else the patient's session in progress at that time. */
  private Session sessionOf(Observation observation, String patient, Instant time) {
    var phase = phaseExtension(observation);
    for (var partOf : observation.getPartOf()) {
      if (partOf.getReference() != null && partOf.getReference().startsWith("Procedure/")) {
        if (phase == null) {
          var procedure = procedures.read(new IdType(partOf.getReference()), AlertStore.request());
          if (procedure.hasPerformedPeriod() && procedure.getPerformedPeriod().hasStart()) {
            var period = procedure.getPerformedPeriod();
            phase = phaseOf(InfusionPhase.at(time, period.getStart().toInstant(),
                period.hasEnd() ? period.getEnd().toInstant() : null));
          }
        }
        return new Session(new IdType(partOf.getReference()).toUnqualifiedVersionless().getValue(), phase);
      }
    }
    var link = linker.inProgressFor(new Reference(patient), AlertStore.request()).at(time);
    if (link.isEmpty()) {
      return new Session(null, phase);
    }
    return new Session(link.get().procedure().getReference(), phase != null ? phase : phaseOf(link.get().phase()));
  }

  private static Phase phaseExtension(Observation observation) {
    var extension = observation.getExtensionByUrl(InfusionPhase.EXTENSION_URL);
    if (extension != null && extension.getValue() instanceof CodeableConcept concept) {
      for (var coding : concept.getCoding()) {
        if (InfusionPhase.SYSTEM.equals(coding.getSystem())) {
          try {
            return phaseOf(InfusionPhase.fromCode(coding.getCode()));
          } catch (IllegalArgumentException unknown) {
            return null;
          }
        }
      }
    }
    return null;
  }

  private static Phase phaseOf(InfusionPhase phase) {
    return switch (phase) {
      case BASELINE -> Phase.BASELINE;
      case DURING_INFUSION -> Phase.INFUSION;
      case RECOVERY -> Phase.RECOVERY;
    };
  }
}
