package org.infusionfhir.safety;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.infusionfhir.adapter.LinkingProperties;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.safety.RulesFile.Rules;
import org.infusionfhir.safety.SafetyRule.DischargeLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The discharge check, run once an infusion Procedure is completed (the end of recovery): the last reading
 * of each measure the rules file names under {@code discharge} must be within its limit, and no alert of the
 * infusion may still be open. If either fails, a {@code discharge-out-of-range} alert names the readings and
 * the open alerts; if both hold, the check is logged and counted as within limits. One check per infusion,
 * on every replica: the episode row (the infusion, the discharge rule) is locked while it runs.
 */
public class DischargeCheck {

  private static final Logger log = LoggerFactory.getLogger(DischargeCheck.class);

  private final Rules rules;
  private final AlertEpisodes episodes;
  private final AlertStore store;
  private final EpisodeTransactions transactions;
  private final SafetyMetrics metrics;
  private final LinkingProperties linking;
  private final VitalSigns vitalSigns;
  private final IFhirResourceDao<Procedure> procedures;
  private final IFhirResourceDao<Observation> observations;

  public DischargeCheck(Rules rules, AlertEpisodes episodes, AlertStore store, EpisodeTransactions transactions,
      SafetyMetrics metrics, LinkingProperties linking, VitalSigns vitalSigns, DaoRegistry daos) {
    this.vitalSigns = vitalSigns;
    this.rules = rules;
    this.episodes = episodes;
    this.store = store;
    this.transactions = transactions;
    this.metrics = metrics;
    this.linking = linking;
    this.procedures = daos.getResourceDao(Procedure.class);
    this.observations = daos.getResourceDao(Observation.class);
  }

  public void check(String infusion) {
    episodes.ensure(infusion, Alerts.DISCHARGE_RULE);
    transactions.run(() -> {
      var episode = episodes.lock(infusion, Alerts.DISCHARGE_RULE);
      if (episode.alert() != null || episode.lastCrossing() != null) {
        return; // checked already (a second completion of the same infusion, or another replica)
      }
      var procedure = procedures.read(new IdType(infusion), AlertStore.request());
      var patient = procedure.getSubject().getReference();
      if (patient == null || !patient.startsWith("Patient/")) {
        return;
      }
      var findings = new ArrayList<String>();
      var implicated = new ArrayList<String>();
      for (var limit : rules.discharge()) {
        last(patient, procedure, limit).ifPresent(reading -> {
          var value = Reading.of(reading, limit.measure().token()).orElseThrow();
          boolean comparable = limit.limit().unit() == null || limit.limit().unit().equals(value.unit());
          if (comparable && limit.limit().crossedBy(value.value())) {
            findings.add(limit.message() + ": " + value.text() + " (limit " + limit.limit().text() + ")");
            implicated.add(AlertStore.idOf(reading));
          }
        });
      }
      var open = store.openAlertsOf(infusion).stream()
          .filter(a -> a.getCode().getCoding().stream().noneMatch(c -> Alerts.DISCHARGE_RULE.equals(c.getCode())))
          .toList();
      if (!open.isEmpty()) {
        findings.add(open.size() + " alert(s) of the infusion still open: " + String.join("; ",
            open.stream().map(a -> a.getCode().getText()).toList()));
        open.forEach(a -> implicated.add(AlertStore.idOf(a)));
      }
      var now = java.time.Instant.now();
      if (findings.isEmpty()) {
        episodes.crossedAgain(infusion, Alerts.DISCHARGE_RULE, now);
        metrics.discharge(true);
        log.info("discharge check of {}: last readings within the discharge limits, no open alerts", infusion);
        return;
      }
      var alert = store.open(Alerts.DISCHARGE_RULE, "Discharge with readings out of range or open alerts",
          rules.dischargeSeverity(), patient, infusion, "Discharge check: " + String.join("; ", findings) + ".", implicated);
      episodes.open(infusion, Alerts.DISCHARGE_RULE, alert, now);
      metrics.discharge(false);
      metrics.opened(Alerts.DISCHARGE_RULE);
      log.info("discharge check of {}: alert {} ({})", infusion, alert, findings);
    });
  }

  /** The patient's last reading of the limit's measure in the session: since its start (and baseline window). */
  private Optional<Observation> last(String patient, Procedure procedure, DischargeLimit limit) {
    var measure = limit.measure();
    var map = SearchParameterMap.newSynchronous()
        .add(Observation.SP_SUBJECT, new ReferenceParam(patient));
    // Blood pressures are components of the panel Observation (vital-sign-measures.csv names the panel).
    boolean component = "http://loinc.org".equals(measure.system())
        && vitalSigns.byLoinc(measure.code()).map(VitalSigns.Measure::isPanelComponent).orElse(false);
    map.add(component ? Observation.SP_COMPONENT_CODE : Observation.SP_CODE,
        new TokenParam(measure.system(), measure.code()));
    if (procedure.hasPerformedPeriod() && procedure.getPerformedPeriod().hasStart()) {
      map.add(Observation.SP_DATE, new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS,
          java.util.Date.from(procedure.getPerformedPeriod().getStart().toInstant().minus(linking.baselineWindow()))));
    }
    map.setSort(new SortSpec(Observation.SP_DATE, SortOrderEnum.DESC));
    map.setLoadSynchronousUpTo(5);
    List<Observation> found = observations.searchForResources(map, AlertStore.request()).stream()
        .map(Observation.class::cast)
        .filter(o -> o.getStatus() != Observation.ObservationStatus.ENTEREDINERROR)
        .filter(o -> Reading.of(o, measure.token()).isPresent())
        .toList();
    return found.stream().findFirst();
  }
}
