package org.infusionfhir.exchange;

import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.ig.ImplementationGuidePackage;

/**
 * The guide's one rule for what counts as an infusion session, whoever wrote the record
 * (profiles/ValueSet-infusion-procedure-codes.json): a Procedure coded from that ValueSet, or one that an
 * intravenous MedicationAdministration is {@code partOf}. An EHR that codes its sessions otherwise still has
 * them counted when it links the drug to them. The workspace applies the same rule (app/model.js).
 */
public final class InfusionSessionRule {

  /** The ValueSet's codes as system|code; InfusionSessionRuleTest checks them against the ValueSet file. */
  public static final Set<String> SESSION_CODES =
      Set.of(ImplementationGuidePackage.CANONICAL_BASE + "/CodeSystem/infusion-procedure|iv-infusion");
  static final String SNOMED = "http://snomed.info/sct";
  /** SNOMED CT 47625008 Intravenous route (REFERENCE.md). */
  static final String INTRAVENOUS_ROUTE = "47625008";

  private InfusionSessionRule() {}

  public static boolean isSession(Procedure procedure, List<MedicationAdministration> administrations) {
    if (procedure.getCode().getCoding().stream().anyMatch(InfusionSessionRule::isSessionCode)) {
      return true;
    }
    var id = procedure.getIdElement().toUnqualifiedVersionless().getValue();
    return administrations.stream().filter(InfusionSessionRule::isIntravenous)
        .anyMatch(a -> a.getPartOf().stream().map(Reference::getReference).anyMatch(id::equals));
  }

  static boolean isSessionCode(Coding coding) {
    return SESSION_CODES.contains(coding.getSystem() + "|" + coding.getCode());
  }

  static boolean isIntravenous(MedicationAdministration administration) {
    var route = administration.getDosage().getRoute();
    return route.getCoding().stream().anyMatch(c -> SNOMED.equals(c.getSystem()) && INTRAVENOUS_ROUTE.equals(c.getCode()));
  }
}
