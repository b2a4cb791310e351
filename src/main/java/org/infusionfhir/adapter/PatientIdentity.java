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
    AdministrativeGender gender) {

  /**
   * The longest identifier value an adapter takes. A new patient's conditional create stores its search URL,
   * the value percent-encoded, in a column of 768 characters (HAPI's HFJ_RES_SEARCH_URL); a PID-3 of 2,909
   * characters failed the commit and was answered AE "could not be stored" (found by Hl7v2FuzzTest). 64 is
   * FHIR's length of an id; at nine encoded characters per character it stays well within the column.
   */
  public static final int MAX_VALUE_LENGTH = 64;
}
