package org.infusionfhir.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.DetectedIssue.DetectedIssueSeverity;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.infusionfhir.safety.Alerts;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The CDS Hooks service called over HTTP as an EHR calls it: discovery, signed and forged JWTs, calls on our
 * own base and from an EHR with and without prefetch, {@code fhirAuthorization}, and feedback that
 * acknowledges the alert. The patient's alerts are written as plain FHIR, as the safety monitor writes them.
 */
@H2FhirServer
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CdsHooksServiceTest extends FhirServerTestBase {

  private static final ObjectMapper JSON_MAPPER = new ObjectMapper();
  private static final String EHR = "ehr-cds";
  private static final String EHR_BASE = "https://ehr.example.test/fhir";

  private RSAKey ehrKey;
  private String mrnSystem;
  private String mrn;
  private String patientId;
  private IIdType highAlert;
  private IIdType moderateAlert;

  @BeforeAll
  void aPatientWithAlerts() throws Exception {
    connectClient();
    ehrKey = RSAKey.parse(Files.readString(Path.of("src/test/resources/security/backend-client-key.json")));
    mrnSystem = "urn:oid:2.16.840.1.113883.3.999." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 100000);
    mrn = unique("MRN");
    patientId = client.create().resource(new Patient().addIdentifier(new Identifier().setSystem(mrnSystem)
        .setValue(mrn)).addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Cardtest")))
        .execute().getId().getIdPart();
    var patient = new Reference("Patient/" + patientId);
    var running = client.create().resource(new Procedure().setStatus(Procedure.ProcedureStatus.INPROGRESS)
        .setSubject(patient).setPerformed(new Period().setStart(new Date()))).execute().getId()
        .toUnqualifiedVersionless();
    var earlier = client.create().resource(new Procedure().setStatus(Procedure.ProcedureStatus.COMPLETED)
        .setSubject(patient).setPerformed(new Period().setStart(new Date(System.currentTimeMillis() - 86_400_000L))
            .setEnd(new Date(System.currentTimeMillis() - 80_000_000L)))).execute().getId()
        .toUnqualifiedVersionless();
    highAlert = alert(running, "spo2-low", DetectedIssueSeverity.HIGH,
        "SpO2 88 % is below the limit of 90 %", false, new Date(System.currentTimeMillis() - 60_000));
    moderateAlert = alert(running, "systolic-high", DetectedIssueSeverity.MODERATE,
        "Systolic blood pressure 182 mmHg is above the limit of 180 mmHg", false, new Date());
    alert(running, "heart-rate-high", DetectedIssueSeverity.MODERATE, "acknowledged already", true, new Date());
    alert(earlier, Alerts.DISCHARGE_RULE, DetectedIssueSeverity.MODERATE,
        "Discharged with systolic blood pressure 165 mmHg above the discharge limit of 160 mmHg", true,
        new Date(System.currentTimeMillis() - 80_000_000L));
    var flag = new Flag().setStatus(Flag.FlagStatus.ACTIVE).setSubject(patient)
        .setPeriod(new Period().setStart(new Date()));
    flag.getCode().addCoding().setSystem(Alerts.RULE_SYSTEM).setCode(Alerts.ITEM9_RULE);
    client.create().resource(flag).execute();
  }

  private IIdType alert(IIdType infusion, String rule, DetectedIssueSeverity severity, String detail,
      boolean acknowledged, Date identified) {
    var issue = new DetectedIssue().setStatus(DetectedIssue.DetectedIssueStatus.FINAL)
        .setPatient(new Reference("Patient/" + patientId)).setSeverity(severity).setDetail(detail)
        .setIdentified(new DateTimeType(identified));
    issue.getCode().addCoding().setSystem(Alerts.RULE_SYSTEM).setCode(rule).setDisplay(rule);
    issue.addExtension(Alerts.INFUSION_EXTENSION, new Reference(infusion));
    if (acknowledged) {
      issue.addMitigation().setDate(new Date()).getAction().setText("seen");
    }
    return client.create().resource(issue).execute().getId().toUnqualifiedVersionless();
  }

  @Test
  void discoveryListsTheServiceWithItsPrefetchAndNeedsNoToken() throws Exception {
    var response = http.send(HttpRequest.newBuilder(URI.create(serverRoot() + "/cds-services")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    var service = JSON_MAPPER.readTree(response.body()).get("services").get(0);
    assertThat(service.get("id").asText()).isEqualTo("infusion-safety");
    assertThat(service.get("hook").asText()).isEqualTo("patient-view");
    assertThat(service.get("prefetch").get("patient").asText()).isEqualTo("Patient/{{context.patientId}}");
    assertThat(service.has("extension")).as("no null members").isFalse();
  }

  @Test
  void onOurOwnBaseTheCardsAreTheOpenAlertsTheItem9FlagAndTheDischarge() throws Exception {
    var cards = cards(call(request(patientId, null), jwt(EHR, serviceUrl())));
    assertThat(cards).extracting(c -> c.get("indicator").asText())
        .containsExactly("critical", "warning", "critical", "warning");
    assertThat(cards.get(0).get("detail").asText()).contains("SpO2 88 %", "90 %");
    assertThat(cards.get(1).get("detail").asText()).contains("182 mmHg", "180 mmHg");
    assertThat(cards.get(2).get("summary").asText()).contains("item 9");
    assertThat(cards.get(3).get("summary").asText()).contains("discharged");
    assertThat(cards).noneMatch(c -> c.get("detail").asText().contains("acknowledged already"));
    for (var card : cards) {
      assertThat(card.get("source").get("label").asText()).isEqualTo("Infusion clinic safety rules");
      assertThat(card.get("uuid").asText()).matches("[0-9a-f-]{36}");
      var link = card.get("links").get(0);
      assertThat(link.get("type").asText()).isEqualTo("smart");
      assertThat(link.get("url").asText()).isEqualTo(serverRoot() + "/");
      assertThat(link.get("appContext").asText()).isEqualTo("patient=" + patientId);
    }
  }

  @Test
  void fromAnEhrThePatientIsFoundByTheIdentifiersOfThePrefetchedPatient() throws Exception {
    var theirs = request("ehr-4711", EHR_BASE);
    ((ObjectNode) theirs).putObject("prefetch").set("patient", JSON_MAPPER.readTree("{\"resourceType\":\"Patient\","
        + "\"id\":\"ehr-4711\",\"identifier\":[{\"system\":\"" + mrnSystem + "\",\"value\":\"" + mrn + "\"}]}"));
    assertThat(cards(call(theirs, jwt(EHR, serviceUrl())))).hasSize(4);

    var stranger = request("ehr-4712", EHR_BASE);
    ((ObjectNode) stranger).putObject("prefetch").set("patient", JSON_MAPPER.readTree("{\"resourceType\":\"Patient\","
        + "\"id\":\"ehr-4712\",\"identifier\":[{\"system\":\"" + mrnSystem + "\",\"value\":\"nobody\"}]}"));
    var response = call(stranger, jwt(EHR, serviceUrl()));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON_MAPPER.readTree(response.body()).get("cards")).isEmpty();
  }

  @Test
  void fromAnEhrWithoutPrefetchNothingIsFetchedFromAnUnlistedServer() throws Exception {
    var response = call(request("ehr-4711", EHR_BASE), jwt(EHR, serviceUrl()));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON_MAPPER.readTree(response.body()).get("cards")).isEmpty();
  }

  @Test
  void aFhirServerOverPlainHttpIsRefused() throws Exception {
    var response = call(request("ehr-4711", "http://ehr.example.test/fhir"), jwt(EHR, serviceUrl()));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("https");
  }

  @Test
  void fhirAuthorizationForThisServerLimitsWhatTheCardsShow() throws Exception {
    var otherPatient = request(patientId, null);
    var authorization = ((ObjectNode) otherPatient).putObject("fhirAuthorization");
    authorization.put("access_token", tokens.issue("ehr-user", "patient/*.rs", "someone-else"));
    authorization.put("token_type", "Bearer");
    authorization.put("scope", "patient/*.rs");
    authorization.put("subject", EHR);
    assertThat(cards(call(otherPatient, jwt(EHR, serviceUrl())))).isEmpty();

    var samePatient = request(patientId, null);
    var own = ((ObjectNode) samePatient).putObject("fhirAuthorization");
    own.put("access_token", tokens.issue("ehr-user", "patient/DetectedIssue.rs", patientId));
    own.put("token_type", "Bearer");
    own.put("scope", "patient/DetectedIssue.rs");
    own.put("subject", EHR);
    assertThat(cards(call(samePatient, jwt(EHR, serviceUrl())))).extracting(c -> c.get("indicator").asText())
        .containsExactly("critical", "warning");

    var forged = request(patientId, null);
    var bad = ((ObjectNode) forged).putObject("fhirAuthorization");
    bad.put("access_token", "not-a-token");
    bad.put("token_type", "Bearer");
    bad.put("scope", "patient/*.rs");
    bad.put("subject", EHR);
    assertThat(call(forged, jwt(EHR, serviceUrl())).statusCode()).isEqualTo(401);
  }

  @Test
  void aCallWithoutAValidEhrJwtIsRefused() throws Exception {
    var body = request(patientId, null);
    assertThat(call(body, null).statusCode()).isEqualTo(401);
    var forger = new RSAKeyGenerator(2048).keyID(ehrKey.getKeyID()).generate();
    assertThat(call(body, jwt(EHR, serviceUrl(), forger, UUID.randomUUID().toString())).statusCode())
        .isEqualTo(401);
    assertThat(call(body, jwt(EHR, serverRoot() + "/cds-services/other")).statusCode()).isEqualTo(401);
    assertThat(call(body, jwt("ehr-cds-no-alerts", serviceUrl())).statusCode()).isEqualTo(401);
    var once = jwt(EHR, serviceUrl());
    assertThat(call(body, once).statusCode()).isEqualTo(200);
    assertThat(call(body, once).statusCode()).as("a jti is used once").isEqualTo(401);
  }

  @Test
  void malformedCallsGetA4xxWithTheReason() throws Exception {
    var noPatient = (ObjectNode) request(patientId, null);
    ((ObjectNode) noPatient.get("context")).put("patientId", "../../etc");
    var response = call(noPatient, jwt(EHR, serviceUrl()));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("patientId");
    var notJson = http.send(HttpRequest.newBuilder(URI.create(serviceUrl()))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + jwt(EHR, serviceUrl()))
        .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(notJson.statusCode()).isEqualTo(400);
    var unknown = http.send(HttpRequest.newBuilder(URI.create(serverRoot() + "/cds-services/no-such-service"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + jwt(EHR, serverRoot() + "/cds-services/no-such-service"))
        .POST(HttpRequest.BodyPublishers.ofString(request(patientId, null).toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(unknown.statusCode()).isEqualTo(404);
  }

  @Test
  void feedbackAcknowledgesTheAlertSoItsCardGoesAway() throws Exception {
    // An alert of its own, so the other tests' cards do not change.
    var infusion = client.create().resource(new Procedure().setStatus(Procedure.ProcedureStatus.INPROGRESS)
        .setSubject(new Reference("Patient/" + patientId))).execute().getId().toUnqualifiedVersionless();
    var feedbackPatient = client.create().resource(new Patient()).execute().getId().getIdPart();
    var own = new DetectedIssue().setStatus(DetectedIssue.DetectedIssueStatus.FINAL)
        .setPatient(new Reference("Patient/" + feedbackPatient)).setSeverity(DetectedIssueSeverity.HIGH)
        .setDetail("Respiratory rate 7 /min is below the limit of 8 /min").setIdentified(new DateTimeType(new Date()));
    own.getCode().addCoding().setSystem(Alerts.RULE_SYSTEM).setCode("respiratory-rate-low");
    own.addExtension(Alerts.INFUSION_EXTENSION, new Reference(infusion));
    var alertId = client.create().resource(own).execute().getId().toUnqualifiedVersionless();

    var cards = cards(call(request(feedbackPatient, null), jwt(EHR, serviceUrl())));
    assertThat(cards).hasSize(1);
    var uuid = cards.get(0).get("uuid").asText();
    var feedback = "{\"feedback\":[{\"card\":\"" + uuid + "\",\"outcome\":\"overridden\","
        + "\"overrideReason\":{\"reason\":{\"code\":\"patient-monitored\",\"system\":\"http://example.org/reasons\","
        + "\"display\":\"Patient under direct observation\"},\"userComment\":\"Nurse at bedside\"},"
        + "\"outcomeTimestamp\":\"2026-12-05T08:30:00Z\"}]}";
    var response = http.send(HttpRequest.newBuilder(URI.create(serviceUrl() + "/feedback"))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + jwt(EHR, serviceUrl()))
        .POST(HttpRequest.BodyPublishers.ofString(feedback)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(JSON_MAPPER.readTree(response.body()).get("acknowledged").asInt()).isEqualTo(1);

    var stored = client.read().resource(DetectedIssue.class).withId(alertId).execute();
    assertThat(stored.getMitigation()).hasSize(1);
    assertThat(stored.getMitigationFirstRep().getAction().getText())
        .contains("overrode", "Patient under direct observation", "Nurse at bedside");
    assertThat(stored.getMitigationFirstRep().getDateElement().getValueAsString()).startsWith("2026-12-05T08:30:00");
    assertThat(cards(call(request(feedbackPatient, null), jwt(EHR, serviceUrl())))).isEmpty();

    var unknown = http.send(HttpRequest.newBuilder(URI.create(serviceUrl() + "/feedback"))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + jwt(EHR, serviceUrl()))
        .POST(HttpRequest.BodyPublishers.ofString(feedback.replace(uuid, UUID.randomUUID().toString())))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(unknown.statusCode()).isEqualTo(404);
    var unsigned = http.send(HttpRequest.newBuilder(URI.create(serviceUrl() + "/feedback"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(feedback)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(unsigned.statusCode()).isEqualTo(401);
  }

  private String serviceUrl() {
    return serverRoot() + "/cds-services/infusion-safety";
  }

  private JsonNode request(String patient, String fhirServer) {
    var body = JSON_MAPPER.createObjectNode();
    body.put("hook", "patient-view");
    body.put("hookInstance", UUID.randomUUID().toString());
    if (fhirServer != null) {
      body.put("fhirServer", fhirServer);
    }
    body.putObject("context").put("patientId", patient).put("userId", "Practitioner/ehr-user-1");
    return body;
  }

  private HttpResponse<String> call(JsonNode body, String jwt) throws Exception {
    var builder = HttpRequest.newBuilder(URI.create(serviceUrl())).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (jwt != null) {
      builder.header("Authorization", "Bearer " + jwt);
    }
    return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
  }

  private List<JsonNode> cards(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    var list = new ArrayList<JsonNode>();
    JSON_MAPPER.readTree(response.body()).get("cards").forEach(list::add);
    return list;
  }

  private String jwt(String client, String audience) throws Exception {
    return jwt(client, audience, ehrKey, UUID.randomUUID().toString());
  }

  private static String jwt(String client, String audience, RSAKey key, String jti) throws Exception {
    var claims = new JWTClaimsSet.Builder().issuer(client).subject(client).audience(audience).jwtID(jti)
        .issueTime(new Date()).expirationTime(new Date(System.currentTimeMillis() + 240_000)).build();
    var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }
}
