package org.infusionfhir.cohort;

/** The forms a cohort is written in, each in its own folder under the output folder. */
enum OutputFormat {
  /** One FHIR transaction Bundle per patient. */
  BUNDLES("bundles"),
  /** One NDJSON file per resource type, as a Bulk Data export holds them. */
  NDJSON("ndjson"),
  /** The monitor's ORU^R01 messages, one file per session. */
  HL7V2("hl7v2");

  private final String folder;

  OutputFormat(String folder) {
    this.folder = folder;
  }

  String folder() {
    return folder;
  }
}
