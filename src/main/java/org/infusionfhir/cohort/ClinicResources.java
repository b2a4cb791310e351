package org.infusionfhir.cohort;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Ratio;
import org.hl7.fhir.r4.model.Resource;

/**
 * The clinic's shared resources as FHIR, in the fixtures' shapes: a Practitioner per clinician, a Location
 * per infusion chair, and the IV vitamin kit Medication (profile {@code iv-vitamin-medication}).
 */
final class ClinicResources {

  static final String UCUM = "http://unitsofmeasure.org";

  private final Map<String, Resource> byReference = new LinkedHashMap<>();
  private final Medication vitaminKit;

  ClinicResources(Clinic clinic) {
    for (var clinician : clinic.clinicians()) {
      var practitioner = new Practitioner();
      practitioner.setId(clinician.id());
      practitioner.setActive(true);
      practitioner.addName().setUse(HumanName.NameUse.OFFICIAL).setFamily(clinician.family())
          .addGiven(clinician.given()).addPrefix("Dr");
      practitioner.addQualification().setCode(new CodeableConcept().setText(clinician.qualification()));
      put(practitioner);
    }
    for (var chair : clinic.chairs()) {
      var location = new Location();
      location.setId(chair.id());
      location.setStatus(Location.LocationStatus.ACTIVE);
      location.setName("Infusion chair " + chair.number());
      location.setMode(Location.LocationMode.INSTANCE);
      location.setDescription("Reclining infusion chair " + chair.number()
          + " in the infusion suite, with a bedside multi-parameter monitor");
      put(location);
    }
    vitaminKit = vitaminKit(clinic.medicationId());
    put(vitaminKit);
  }

  Medication vitaminKit() {
    return vitaminKit;
  }

  /** Every shared resource, once. */
  List<Resource> all() {
    return new ArrayList<>(byReference.values());
  }

  /** The shared resource a reference such as {@code Practitioner/syn1-practitioner-2} names. */
  Resource get(String reference) {
    var resource = byReference.get(reference);
    if (resource == null) {
      throw new IllegalArgumentException("no clinic resource " + reference);
    }
    return resource;
  }

  private void put(Resource resource) {
    byReference.put(resource.fhirType() + "/" + resource.getIdElement().getIdPart(), resource);
  }

  // As fixtures/bundles/iv-vitamin-course.json: the ingredients by text, as no code is verified for them.
  private static Medication vitaminKit(String id) {
    var kit = new Medication();
    kit.setId(id);
    kit.getMeta().addProfile(CourseResources.PROFILE + "iv-vitamin-medication");
    kit.setCode(new CodeableConcept().setText(
        "IV vitamin kit: ascorbic acid, B-complex vitamins and biotin in 500 mL sodium chloride 0.9%"));
    kit.setStatus(Medication.MedicationStatus.ACTIVE);
    kit.setForm(new CodeableConcept().setText("Solution for intravenous infusion"));
    ingredient(kit, "Ascorbic acid", 2500, "mg");
    ingredient(kit, "Vitamin B complex", 2, "mL");
    ingredient(kit, "Biotin", 10, "mg");
    return kit;
  }

  private static void ingredient(Medication kit, String name, int amount, String unit) {
    kit.addIngredient().setItem(new CodeableConcept().setText(name)).setIsActive(true)
        .setStrength(new Ratio()
            .setNumerator(new Quantity().setValue(new BigDecimal(amount)).setUnit(unit).setSystem(UCUM).setCode(unit))
            .setDenominator(new Quantity().setValue(new BigDecimal(500)).setUnit("mL").setSystem(UCUM).setCode("mL")));
  }
}
