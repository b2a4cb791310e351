package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.SystemRestfulInteraction;
import org.hl7.fhir.r4.model.CapabilityStatement.TypeRestfulInteraction;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.ValueSet;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.infusionfhir.server.hardening.UnknownElementCheck;

/**
 * What third-party FHIR clients (fhir-kit-client, SMART's fhirclient) and a client written from the spec
 * tripped over (issue 20), each checked over HTTP as such a client sends it.
 */
@H2FhirServer
class RealClientsTest extends FhirServerTestBase {

  private String newPatient(String family) {
    var patient = new Patient();
    patient.addIdentifier().setSystem("urn:infusion-fhir:test").setValue(unique(family));
    patient.addName().setFamily(family);
    return client.create().resource(patient).execute().getId().getIdPart();
  }

  private static <T extends org.hl7.fhir.instance.model.api.IBaseResource> T parse(Class<T> type,
      HttpResponse<String> response) {
    return FHIR.newJsonParser().parseResource(type, response.body());
  }

  private static OperationOutcome outcome(HttpResponse<String> response) {
    return parse(OperationOutcome.class, response);
  }

  @Nested
  class AnOperationPostedWithAnEmptyBody {

    private HttpResponse<String> postEmpty(String path, String... headers) {
      return send("POST", path, JSON, "", headers);
    }

    @Test
    void everythingAnswersAsTheGetWould() {
      var id = newPatient("Everything");
      var byGet = get("/Patient/" + id + "/$everything");
      var byPost = postEmpty("/Patient/" + id + "/$everything");

      assertThat(byPost.statusCode()).as(byPost.body()).isEqualTo(200);
      assertThat(parse(Bundle.class, byPost).getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
          .containsExactlyInAnyOrderElementsOf(parse(Bundle.class, byGet).getEntry().stream()
              .map(e -> e.getResource().getIdElement().getIdPart()).toList())
          .contains(id);
    }

    @Test
    void everythingAnswersWithAnXmlContentTypeToo() {
      var id = newPatient("EverythingXml");
      var byPost = send("POST", "/Patient/" + id + "/$everything", XML, "", "Accept", JSON);
      assertThat(byPost.statusCode()).as(byPost.body()).isEqualTo(200);
      assertThat(parse(Bundle.class, byPost).getEntry()).isNotEmpty();
    }

    @Test
    void summaryAnswersAsTheGetWould() {
      var id = newPatient("Summary");
      var byGet = get("/Patient/" + id + "/$summary");
      var byPost = postEmpty("/Patient/" + id + "/$summary");

      assertThat(byGet.statusCode()).as(byGet.body()).isEqualTo(200);
      assertThat(byPost.statusCode()).as(byPost.body()).isEqualTo(200);
      assertThat(parse(Bundle.class, byPost).getType()).isEqualTo(BundleType.DOCUMENT);
    }

    @Test
    void anExportKickOffIsAccepted() {
      var byPost = postEmpty("/Patient/$export", "Prefer", "respond-async", "Accept", JSON);

      assertThat(byPost.statusCode()).as(byPost.body()).isEqualTo(202);
      var status = byPost.headers().firstValue("Content-Location").orElseThrow();
      send("DELETE", status, null, (String) null);
    }

    @Test
    void metaAndValidateWithoutAResourceAnswerAsTheGetWould() {
      var id = newPatient("MetaValidate");
      for (var operation : List.of("/Patient/" + id + "/$meta", "/Patient/" + id + "/$validate?mode=delete",
          "/Patient/$meta")) {
        var byGet = get(operation);
        var byPost = postEmpty(operation);
        assertThat(byPost.statusCode()).as(operation + " " + byPost.body()).isEqualTo(byGet.statusCode());
        assertThat(byPost.body()).doesNotContain("Did not find any content");
      }
    }

    @Test
    void expandAnswersAsTheGetWould() {
      var path = "/ValueSet/$expand?url=http://infusion-fhir.org/fhir/ValueSet/infusion-phase";
      var byGet = get(path);
      var byPost = postEmpty(path);

      assertThat(byGet.statusCode()).as(byGet.body()).isEqualTo(200);
      assertThat(byPost.statusCode()).as(byPost.body()).isEqualTo(200);
      assertThat(parse(ValueSet.class, byPost).getExpansion().getContains()).extracting(c -> c.getCode())
          .containsExactlyInAnyOrder("baseline", "during-infusion", "recovery");
    }

    @Test
    void deliveryStatusAnswersAsTheGetWould() {
      var subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED)
          .setReason("empty-body test").setCriteria("Observation?code=" + unique("none"));
      subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
          .setEndpoint("http://127.0.0.1:9/empty-body-test").setPayload("application/fhir+json");
      var id = client.create().resource(subscription).execute().getId().getIdPart();

      try {
        var byPost = postEmpty("/Subscription/" + id + "/$delivery-status");
        assertThat(byPost.statusCode()).as(byPost.body()).isEqualTo(200);
        assertThat(parse(Parameters.class, byPost).getParameter("endpoint").getValue().primitiveValue())
            .isEqualTo("http://127.0.0.1:9/empty-body-test");
      } finally {
        // An active Subscription on Observation would reach into other classes' writes (test order).
        client.delete().resourceById("Subscription", id).execute();
      }
    }
  }

  @Nested
  class UnknownElements {

    @Test
    void aResourceWithUnknownElementsIsRefusedWith400NamingThem() {
      var family = unique("Unknown");
      var response = send("POST", "/Patient", JSON,
          "{\"resourceType\":\"Patient\",\"foo\":1,\"name\":[{\"family\":\"" + family + "\",\"bar\":2}]}");

      var outcome = assertOperationOutcome(response, 400, "foo");
      assertThat(outcome.getIssue()).extracting(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
          .anyMatch(d -> d.contains("'bar'"));
      assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(IssueType.STRUCTURE);
      assertThat(client.search().byUrl("Patient?family=" + family).returnBundle(Bundle.class).execute().getEntry())
          .isEmpty();
    }

    @Test
    void anUpdateAndATransactionEntryWithUnknownElementsAreRefused() {
      var id = newPatient("UnknownUpdate");
      var update = send("PUT", "/Patient/" + id, JSON,
          "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"nickname\":\"X\"}");
      assertOperationOutcome(update, 400, "nickname");

      var transaction = send("POST", "", JSON, """
          {"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient",
          "name":[{"family":"TxUnknown","middle":"M"}]},"request":{"method":"POST","url":"Patient"}}]}""");
      assertOperationOutcome(transaction, 400, "middle");
    }

    @Test
    void aResourceWithOnlyKnownElementsIsStored() {
      var response = send("POST", "/Patient", JSON,
          "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + unique("Known") + "\"}]}");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
      assertThat(response.headers().firstValue(UnknownElementCheck.HEADER)).isEmpty();
    }
  }

  @Nested
  class SearchsetTotal {

    @Test
    void theFirstPageOfASmallResultSetCarriesItsTotalWithoutAsking() {
      var family = unique("Total");
      var transaction = new Bundle().setType(BundleType.TRANSACTION);
      for (int i = 0; i < 30; i++) {
        transaction.addEntry().setResource(new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily(family)))
            .getRequest().setMethod(HTTPVerb.POST).setUrl("Patient");
      }
      client.transaction().withBundle(transaction).execute();

      var firstPage = parse(Bundle.class, get("/Patient?family=" + family + "&_count=5"));
      assertThat(firstPage.getEntry()).hasSize(5);
      assertThat(firstPage.hasTotal()).isTrue();
      assertThat(firstPage.getTotal()).isEqualTo(30);
    }
  }

  @Nested
  class TransactionResponses {

    @Test
    void entryEtagsAreTheWeakEtagsOfTheHttpHeaders() {
      var id = newPatient("Etag");
      var transaction = new Bundle().setType(BundleType.TRANSACTION);
      transaction.addEntry().setResource(new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("EtagNew")))
          .getRequest().setMethod(HTTPVerb.POST).setUrl("Patient");
      var updated = new Patient().setActive(true);
      updated.setId(id);
      transaction.addEntry().setResource(updated).getRequest().setMethod(HTTPVerb.PUT).setUrl("Patient/" + id);

      var response = send("POST", "", JSON, FHIR.newJsonParser().encodeResourceToString(transaction));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      var entries = parse(Bundle.class, response).getEntry();
      assertThat(entries.get(0).getResponse().getEtag()).isEqualTo("W/\"1\"");
      assertThat(entries.get(1).getResponse().getEtag()).isEqualTo("W/\"2\"");
      assertThat(get("/Patient/" + id).headers().firstValue("ETag")).contains(entries.get(1).getResponse().getEtag());

      var batch = transaction.copy().setType(BundleType.BATCH);
      batch.getEntry().remove(1);
      var batchResponse = parse(Bundle.class, send("POST", "", JSON, FHIR.newJsonParser().encodeResourceToString(batch)));
      assertThat(batchResponse.getEntryFirstRep().getResponse().getEtag()).isEqualTo("W/\"1\"");
    }
  }

  @Nested
  class OperationOutcomeIssueCodes {

    @Test
    void aBodyThatIsNotJsonIsAStructureError() {
      var outcome = assertOperationOutcome(send("POST", "/Patient", JSON, "{\"resourceType\":\"Patient\","), 400,
          "parse");
      assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(IssueType.STRUCTURE);
      assertThat(outcome.getIssueFirstRep().getDiagnostics()).doesNotContain("HAPI-");
    }

    @Test
    void anUnknownResourceIsNotFound() {
      var outcome = assertOperationOutcome(get("/Patient/" + unique("absent")), 404, "not known");
      assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(IssueType.NOTFOUND);
      assertThat(outcome.getIssueFirstRep().getDiagnostics()).doesNotContain("HAPI-");
    }

    @Test
    void aDeletedResourceIsDeleted() {
      var id = newPatient("Deleted");
      client.delete().resourceById("Patient", id).execute();
      var outcome = assertOperationOutcome(get("/Patient/" + id), 410, "deleted");
      assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(IssueType.DELETED);
    }

    @Test
    void aStaleIfMatchIsAConflict() {
      var id = newPatient("Stale");
      var response = send("PUT", "/Patient/" + id, JSON,
          "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"active\":true}", "If-Match", "W/\"9\"");
      var outcome = assertOperationOutcome(response, 412, "version");
      assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(IssueType.CONFLICT);
      assertThat(outcome.getIssueFirstRep().getDiagnostics()).doesNotContain("HAPI-");
    }

    @Test
    void aReadOutsideTheTokensScopesIsForbidden() {
      var id = newPatient("Forbidden");
      var observationsOnly = tokens.issue("test-suite", "system/Observation.read", null);
      var response = get("/Patient/" + id, "Authorization", "Bearer " + observationsOnly);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
      assertThat(outcome(response).getIssueFirstRep().getCode()).isEqualTo(IssueType.FORBIDDEN);
    }

    @Test
    void anInvalidSearchParameterIsInvalid() {
      var response = get("/Patient?no-such-parameter=1");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      assertThat(outcome(response).getIssueFirstRep().getCode()).isEqualTo(IssueType.INVALID);
      assertThat(outcome(response).getIssueFirstRep().getDiagnostics()).doesNotContain("HAPI-");
    }

    @Test
    void anUnsupportedInteractionIsNotSupported() {
      var response = send("POST", "/_search", null, "");
      assertThat(response.statusCode()).as(response.body()).isIn(400, 404, 405);
      assertThat(outcome(response).getIssueFirstRep().getCode())
          .isIn(IssueType.NOTSUPPORTED, IssueType.NOTFOUND, IssueType.INVALID);
    }
  }

  @Nested
  class TheCapabilityStatement {

    private CapabilityStatement.CapabilityStatementRestComponent rest() {
      return parse(CapabilityStatement.class, get("/metadata")).getRestFirstRep();
    }

    @Test
    void listsTheSystemInteractionsTheServerAnswers() {
      assertThat(rest().getInteraction()).extracting(i -> i.getCode())
          .contains(SystemRestfulInteraction.TRANSACTION, SystemRestfulInteraction.BATCH,
              SystemRestfulInteraction.HISTORYSYSTEM)
          .doesNotContain(SystemRestfulInteraction.SEARCHSYSTEM);

      var batch = send("POST", "", JSON, "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":"
          + "{\"method\":\"GET\",\"url\":\"Patient?_count=1\"}}]}");
      assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
      assertThat(get("/_history?_count=1").statusCode()).isEqualTo(200);
      // Not listed, and indeed not answered.
      assertThat(get("?_type=Patient").statusCode()).isEqualTo(400);
    }

    @Test
    void conditionalDeleteIsSingleAsTheServerRefusesMultipleMatches() {
      var patient = rest().getResource().stream().filter(r -> r.getType().equals("Patient")).findFirst().orElseThrow();
      assertThat(patient.getConditionalDelete()).isEqualTo(CapabilityStatement.ConditionalDeleteStatus.SINGLE);

      var family = unique("TwoToDelete");
      newPatient(family);
      newPatient(family);
      var response = send("DELETE", "/Patient?family=" + family, null, (String) null);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(412);
    }

    @Test
    void theInteractionsClaimedForASampleOfTypesAreAnswered() {
      var claimed = rest().getResource();
      for (var type : List.of("Patient", "Observation", "Procedure", "MedicationAdministration", "AdverseEvent")) {
        var resource = claimed.stream().filter(r -> r.getType().equals(type)).findFirst().orElseThrow();
        var interactions = resource.getInteraction().stream().map(i -> i.getCode()).toList();
        assertThat(interactions).as(type).contains(TypeRestfulInteraction.READ, TypeRestfulInteraction.VREAD,
            TypeRestfulInteraction.UPDATE, TypeRestfulInteraction.PATCH, TypeRestfulInteraction.DELETE,
            TypeRestfulInteraction.CREATE, TypeRestfulInteraction.SEARCHTYPE,
            TypeRestfulInteraction.HISTORYINSTANCE, TypeRestfulInteraction.HISTORYTYPE);
        assertThat(resource.getConditionalCreate()).as(type).isTrue();
        assertThat(resource.getConditionalUpdate()).as(type).isTrue();
        assertThat(get("/" + type + "?_count=1").statusCode()).as(type + " search").isEqualTo(200);
        assertThat(get("/" + type + "/_history?_count=1").statusCode()).as(type + " history").isEqualTo(200);
      }

      // Each claimed interaction, on Patient: create (also conditional), read, vread, update, patch, history, delete.
      var identifier = unique("claims");
      var create = send("POST", "/Patient", JSON, "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":"
          + "\"urn:infusion-fhir:test\",\"value\":\"" + identifier + "\"}]}",
          "If-None-Exist", "identifier=urn:infusion-fhir:test|" + identifier);
      assertThat(create.statusCode()).as(create.body()).isEqualTo(201);
      var id = parse(Patient.class, create).getIdElement().getIdPart();
      var again = send("POST", "/Patient", JSON, "{\"resourceType\":\"Patient\"}",
          "If-None-Exist", "identifier=urn:infusion-fhir:test|" + identifier);
      assertThat(again.statusCode()).as("conditional create").isEqualTo(200);
      assertThat(get("/Patient/" + id).statusCode()).isEqualTo(200);
      assertThat(get("/Patient/" + id + "/_history/1").statusCode()).isEqualTo(200);
      var update = send("PUT", "/Patient?identifier=urn:infusion-fhir:test%7C" + identifier, JSON,
          "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"active\":true,\"identifier\":[{\"system\":"
          + "\"urn:infusion-fhir:test\",\"value\":\"" + identifier + "\"}]}");
      assertThat(update.statusCode()).as("conditional update " + update.body()).isEqualTo(200);
      var patch = send("PATCH", "/Patient/" + id, "application/json-patch+json",
          "[{\"op\":\"replace\",\"path\":\"/active\",\"value\":false}]");
      assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
      assertThat(get("/Patient/" + id + "/_history").statusCode()).isEqualTo(200);
      var delete = send("DELETE", "/Patient?identifier=urn:infusion-fhir:test%7C" + identifier, null, (String) null);
      assertThat(delete.statusCode()).as("conditional delete " + delete.body()).isIn(200, 204);
      assertThat(get("/Patient/" + id).statusCode()).isEqualTo(410);
    }

    @Test
    void expungeIsNotListedWhileItIsSwitchedOff() {
      var rest = rest();
      assertThat(rest.getOperation()).extracting(o -> o.getName()).doesNotContain("expunge");
      var response = send("POST", "/$expunge", JSON, "{\"resourceType\":\"Parameters\"}");
      assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
    }
  }
}
