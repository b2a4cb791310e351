package org.infusionfhir.adapter;

import java.util.List;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;

/**
 * Who a message or record is about, as the source system knows them: an identifier under an
 * assigning authority, and demographics used only when the Patient has to be created.
 */
public record PatientIdentity(
    String value,
    String authority,
    String family,
    List<String> given,
    String birthDate,
    AdministrativeGender gender) {}
