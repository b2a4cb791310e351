package org.infusionbench;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/** A bedside monitor's HL7 v2 ORU^R01 in the IHE PCD-01 form: five vital signs and a blood-pressure pair. */
final class Pcd01Message {

  private static final DateTimeFormatter HL7_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmssxx");

  private Pcd01Message() {}

  static String oru(String controlId, String mrn, OffsetDateTime time) {
    var t = time.format(HL7_TIME);
    var eui = "0123456789ABCD" + String.format("%02d", Math.abs(mrn.hashCode()) % 100);
    var obx = "||||" + eui + "^^" + eui + "^EUI-64";
    return String.join("\r",
        "MSH|^~\\&|BENCH_MONITOR^" + eui + "^EUI-64|RIVERSIDE_INFUSION|INFUSION-FHIR|INFUSION-FHIR|" + t
            + "||ORU^R01^ORU_R01|" + controlId + "|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        "PID|1||" + mrn + "^^^CLINIC^MR||Bench^Patient||19800101|F",
        "OBR|1||" + controlId + "|182777000^monitoring of patient^SCT|||" + t,
        "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||" + t + obx,
        "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|78|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||" + t + obx,
        "OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||R|||" + t + obx,
        "OBX|4|NM|151562^MDC_RESP_RATE^MDC|1.3.1.1|14|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||" + t + obx,
        "OBX|5|NM|150364^MDC_TEMP_BODY^MDC|1.4.1.1|36.8|268192^MDC_DIM_DEGC^MDC|||||R|||" + t + obx,
        "OBX|6|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.5.1.1|128|266016^MDC_DIM_MMHG^MDC|||||R|||" + t + obx,
        "OBX|7|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.5.1.2|82|266016^MDC_DIM_MMHG^MDC|||||R|||" + t + obx,
        "OBX|8|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.2|77|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||" + t + obx);
  }
}
