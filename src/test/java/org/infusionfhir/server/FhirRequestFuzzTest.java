package org.infusionfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.infusionfhir.support.Fixtures;
import org.infusionfhir.support.FuzzRun;
import org.infusionfhir.support.FuzzTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.infusionfhir.support.JsonMutations;

/**
 * Hostile FHIR requests over HTTP (docs/fuzzing.md): mutated resources in JSON and XML, random searches,
 * odd headers, and transaction and batch Bundles of odd entries. Every request is answered within the time
 * bound and never with a 5xx; a 4xx carries an OperationOutcome and stored nothing; a batch entry is never
 * answered 5xx either. Writes touch only this class's own resources, so other tests' data stays as it was.
 */
@H2FhirServer
class FhirRequestFuzzTest extends FuzzTestBase {

  static final List<String> RESOURCE_FIXTURES = Fixtures.jsonFiles(Fixtures.RESOURCES).stream()
      .map(f -> f.getFileName().toString()).toList();
  static final List<String> FHIR_NAMES = List.of("resourceType", "id", "meta", "profile", "extension", "url",
      "valueCodeableConcept", "coding", "system", "code", "display", "text", "status", "subject", "reference",
      "partOf", "effectiveDateTime", "valueQuantity", "value", "unit", "component", "contained", "identifier",
      "modifierExtension", "_status", "div", "performedPeriod", "start", "end", "dosage", "dose", "valueString");

  /** This property's own patient, the only one its writes refer to, and the identifier system of what it creates. */
  String patientId;
  String fuzzSystem;

  @BeforeProperty
  void ownPatientExists() {
    fuzzSystem = "urn:fuzz:" + UUID.randomUUID();
    var patient = new Patient().addIdentifier(new Identifier().setSystem(fuzzSystem).setValue("own"));
    patient.addName().setFamily("Fuzzed").addGiven("Own");
    patientId = client.create().resource(patient).execute().getId().getIdPart();
  }

  @AfterProperty
  void theServerStillAnswersAValidRequest() {
    var response = get("/Patient/" + patientId);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Resource bodies

  enum Format { JSON, XML }

  enum Write { POST, PUT_OWN_ID, PUT_OTHER_ID, POST_TO_OTHER_TYPE, VALIDATE }

  enum XmlEdit { NONE, TRUNCATE, INSERT, EXTERNAL_ENTITY, ENTITY_EXPANSION, FOREIGN_NAMESPACE, DEEP_NESTING, VALUE }

  record MutatedResource(String fixture, List<JsonMutations.Mutation> mutations, Format format, Write write,
      XmlEdit xmlEdit, int at, String xmlSnippet) {
    @Override
    public String toString() {
      return write + " " + format + " " + fixture + " " + mutations + (format == Format.XML ? " " + xmlEdit + "@" + at
          + (xmlEdit == XmlEdit.INSERT || xmlEdit == XmlEdit.VALUE ? " " + abbreviate(xmlSnippet) : "") : "");
    }
  }

  @Property
  @FuzzRun.Budget(tries = 150, share = 0.15)
  void mutatedResourcesAreStoredOrRefusedWithAnOutcome(@ForAll("mutatedResources") MutatedResource input) {
    var resource = resource(input.fixture());
    var type = resource.get("resourceType").asText();
    var id = "fuzz-" + UUID.randomUUID().toString().substring(0, 18);
    resource.put("id", id);
    JsonMutations.apply(resource, input.mutations());
    String body = resource.toString();
    String contentType = JSON;
    if (input.format() == Format.XML) {
      contentType = XML;
      // Only what HAPI can read as JSON can be written as XML; the XML edits then make it hostile.
      var parsed = tryParse(body);
      if (parsed.isEmpty()) {
        return;
      }
      body = xmlEdit(FHIR.newXmlParser().encodeResourceToString(parsed.get()), input);
    }
    var path = switch (input.write()) {
      case POST -> "/" + type;
      case PUT_OWN_ID -> "/" + type + "/" + id;
      case PUT_OTHER_ID -> "/" + type + "/fuzz-" + UUID.randomUUID().toString().substring(0, 18);
      case POST_TO_OTHER_TYPE -> "/" + (type.equals("Observation") ? "Procedure" : "Observation");
      case VALIDATE -> "/" + type + "/$validate";
    };
    var method = input.write().name().startsWith("PUT") ? "PUT" : "POST";
    var request = request(path).header("Authorization", "Bearer " + systemToken).header("Content-Type", contentType)
        .header("Accept", contentType).method(method, BodyPublishers.ofString(body));
    var response = assertAnsweredAndRefusalsStoreNothing(request, input + "\n" + method + " " + path + "\n"
        + abbreviate(body));
    // An external entity is never resolved: no file of the server's comes back in an answer.
    assertThat(response.body()).as(input.toString()).doesNotContain("root:x:0:0");
  }

  private static Optional<org.hl7.fhir.instance.model.api.IBaseResource> tryParse(String json) {
    try {
      return Optional.of(FHIR.newJsonParser().parseResource(json));
    } catch (RuntimeException unreadable) {
      return Optional.empty();
    }
  }

  private static String xmlEdit(String xml, MutatedResource input) {
    int at = input.at() % (xml.length() + 1);
    int tag = xml.indexOf('<', at);
    int insertAt = tag < 0 ? xml.length() : tag;
    return switch (input.xmlEdit()) {
      case NONE -> xml;
      case TRUNCATE -> xml.substring(0, at);
      case INSERT -> xml.substring(0, insertAt) + input.xmlSnippet() + xml.substring(insertAt);
      case EXTERNAL_ENTITY -> "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
          + xml.replaceFirst("<text>", "<text>&xxe;").replaceFirst("value=\"", "value=\"&xxe;");
      case ENTITY_EXPANSION -> "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
          + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
          + "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>"
          + xml.replaceFirst("value=\"", "value=\"&e;");
      case FOREIGN_NAMESPACE -> xml.replaceFirst("http://hl7.org/fhir", input.xmlSnippet().isEmpty()
          ? "" : "urn:other");
      case DEEP_NESTING -> {
        int depth = 10 + input.at() % 3000;
        var open = "<extension url=\"urn:x\">".repeat(depth);
        var close = "</extension>".repeat(depth);
        int root = xml.indexOf('>', xml.indexOf("<", xml.indexOf("xmlns"))) + 1;
        yield xml.substring(0, root) + open + close + xml.substring(root);
      }
      case VALUE -> xml.replaceFirst("value=\"[^\"]*\"", "value=\"" + input.xmlSnippet().replace("$", "\\$") + "\"");
    };
  }

  @Provide
  Arbitrary<MutatedResource> mutatedResources() {
    var snippets = Arbitraries.oneOf(Arbitraries.of("<foo/>", "<!-- c -->", "<![CDATA[x]]>", "&amp;", "&nbsp;", "&#0;",
        "&#x1F;", "<?pi x?>", "</Observation>", "<extension url=\"x\"><valueString value=\"y\"/></extension>",
        "<id value=\"other\"/>", "<status value=\"nonsense\"/>", "<div xmlns=\"http://www.w3.org/1999/xhtml\"><script/></div>",
        "<contained><Patient xmlns=\"http://hl7.org/fhir\"><id value=\"c\"/></Patient></contained>", "<", ">", "\"",
        "&", "é", "\u0000", "\uFFFE", "x".repeat(300_000)),
        Arbitraries.strings().all().ofMaxLength(30));
    return Combinators.combine(Arbitraries.of(RESOURCE_FIXTURES), JsonMutations.mutations(FHIR_NAMES, 30).list()
            .ofMaxSize(4), Arbitraries.of(Format.class), Arbitraries.of(Write.class), Arbitraries.of(XmlEdit.class),
        Arbitraries.integers().between(0, 100_000), snippets).as(MutatedResource::new);
  }

  /** A fixture resource whose references point at this property's own patient, or nowhere. */
  private ObjectNode resource(String fixture) {
    try {
      var node = (ObjectNode) JsonMutations.JSON_MAPPER.readTree(Fixtures.RESOURCES.resolve(fixture).toFile());
      ownReferences(node);
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void ownReferences(JsonNode node) {
    if (node instanceof ObjectNode object) {
      var reference = object.get("reference");
      if (reference != null && reference.isTextual()) {
        if (reference.asText().startsWith("Patient/")) {
          object.put("reference", "Patient/" + patientId);
        } else {
          // The demo data is other tests' data: nothing written here may point into it.
          object.remove("reference");
          object.put("display", "fuzz");
        }
      }
      object.elements().forEachRemaining(this::ownReferences);
    } else if (node != null && node.isArray()) {
      node.elements().forEachRemaining(this::ownReferences);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Searches

  record Search(String type, List<String> parameters, String accept) {
    String path() {
      return "/" + type + (parameters.isEmpty() ? "" : "?" + String.join("&", parameters));
    }

    @Override
    public String toString() {
      return "GET " + abbreviate(path()) + " Accept: " + accept;
    }
  }

  @Property
  @FuzzRun.Budget(tries = 150, share = 0.1)
  void searchesOfAnyParametersAreAnsweredWithoutServerError(@ForAll("searches") Search search) {
    var errors = serverErrorMark();
    var request = request(search.path()).header("Authorization", "Bearer " + systemToken).GET();
    if (!search.accept().isEmpty()) {
      request.header("Accept", search.accept());
    }
    var response = exchange(request, search.toString());
    assertAnsweredWithout5xx(response, search.toString());
    assertNoServerErrorSince(errors, search.toString());
  }

  @Provide
  Arbitrary<Search> searches() {
    var types = Arbitraries.of("Patient", "Observation", "Encounter", "Procedure", "MedicationAdministration",
        "AdverseEvent", "DetectedIssue", "CarePlan", "Provenance", "Device", "AuditEvent", "Nope", "patient", "_history",
        "Patient/_history", "Observation/_search", "metadata");
    var names = Arbitraries.of("identifier", "name", "family", "given", "birthdate", "gender", "_id", "_lastUpdated",
        "subject", "patient", "code", "date", "value-quantity", "status", "category", "encounter", "performer",
        "part-of", "combo-code-value-quantity", "component-code-value-quantity", "_has:Observation:patient:code",
        "_has:Observation:subject:_has:Provenance:target:agent", "_has:Nope:x:y", "subject.name",
        "subject:Patient.identifier", "patient.birthdate", "subject.organization.name", "_text", "_content", "_list",
        "_tag", "_profile", "_security", "_source", "_filter", "_query", "session-number", "infusion-phase",
        "safety-rule", "ketamine", "", "x");
    var modifiers = Arbitraries.of("", "", "", ":exact", ":contains", ":missing", ":not", ":text", ":above", ":below",
        ":in", ":not-in", ":of-type", ":identifier", ":Patient", ":Observation", ":iterate", ":bad", ":", "::");
    var values = Arbitraries.oneOf(Arbitraries.of("", "x", "true", "false", "ge2026", "gt2026-13-01", "eq99999", "lt",
        "ap2026-05-04T09:30:00+02:00", "sa2026-05", "le-1", "2026-05-04T25:61:00Z", "1e400", "NaN", "-0",
        "99999999999999999999999", "http://loinc.org|8867-4", "|", "||", "a|b|c", "|8867-4", "http://loinc.org|",
        "5.4|http://unitsofmeasure.org|mg", "lt100||mm[Hg]", "gt1e400|x|y", "Patient/1", "Patient/", "Patient/-1",
        "http://other.example/Patient/1", "urn:uuid:x", "1,2,3", ",,,", "\\", "\\,", "$", "*", "%", "é", "😀",
        "\u0000", "(", "name eq x", "name eq", "given co 'x' and", "Observation:subject", "Observation:subject:Patient",
        "Nope:x", "-date", "date,-_lastUpdated", "_score", "count", "text", "data", "accurate", "estimate", "none",
        "json", "xml", "html", "ttl", "application/fhir+json"),
        Arbitraries.strings().all().ofMaxLength(20), Arbitraries.integers().between(-2, 2_000_000).map(String::valueOf),
        Arbitraries.integers().between(100, 20_000).map("x"::repeat));
    var parameter = Combinators.combine(names, modifiers, values)
        .as((n, m, v) -> encode(n + m) + "=" + encode(v));
    var special = Combinators.combine(Arbitraries.of("_count", "_sort", "_include", "_revinclude", "_include:iterate",
        "_revinclude:iterate", "_summary", "_elements", "_total", "_format", "_pretty", "_offset", "_contained",
        "_containedType", "_at", "_since", "_getpages", "_getpagesoffset", "_bundletype", "_type", "_language"), values)
        .as((n, v) -> encode(n) + "=" + encode(v));
    var parameters = Arbitraries.frequencyOf(Tuple.of(3, parameter), Tuple.of(2, special)).list().ofMaxSize(6);
    var accepts = Arbitraries.of("", "", "application/fhir+json", "application/fhir+xml", "text/html", "*/*",
        "application/json;q=0.1, text/turtle", "nonsense", "application/fhir+json; fhirVersion=3.0");
    return Combinators.combine(types, parameters, accepts).as(Search::new);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Headers

  enum Target { READ, SEARCH, CREATE, UPDATE, DELETE_OWN, METADATA, PATCH }

  record Headers(Target target, List<String> headers) {
    @Override
    public String toString() {
      return target + " " + headers.stream().map(h -> abbreviate(h)).toList();
    }
  }

  @Property
  @FuzzRun.Budget(tries = 150, share = 0.1)
  void oddHeadersAreAnsweredWithoutServerError(@ForAll("headers") Headers input) {
    var id = "fuzz-" + UUID.randomUUID().toString().substring(0, 18);
    var patient = "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"identifier\":[{\"system\":\"" + fuzzSystem
        + "\",\"value\":\"" + id + "\"}],\"name\":[{\"family\":\"Fuzzed\"}]}";
    var request = switch (input.target()) {
      case READ -> request("/Patient/" + patientId).GET();
      case SEARCH -> request("/Patient?identifier=" + encode(fuzzSystem + "|own")).GET();
      case CREATE -> request("/Patient").POST(BodyPublishers.ofString(patient.replace(",\"id\":\"" + id + "\"", "")));
      case UPDATE -> request("/Patient/" + id).PUT(BodyPublishers.ofString(patient));
      case DELETE_OWN -> request("/Patient?identifier=" + encode(fuzzSystem + "|nobody")).DELETE();
      case METADATA -> request("/metadata").GET();
      case PATCH -> request("/Patient/" + patientId).method("PATCH",
          BodyPublishers.ofString("[{\"op\":\"replace\",\"path\":\"/active\",\"value\":true}]"));
    };
    boolean ownContentType = false;
    boolean ownAuthorization = false;
    for (var header : input.headers()) {
      var colon = header.indexOf(':');
      var name = header.substring(0, colon);
      ownContentType |= name.equalsIgnoreCase("Content-Type");
      ownAuthorization |= name.equalsIgnoreCase("Authorization");
      try {
        request.header(name, header.substring(colon + 1));
      } catch (IllegalArgumentException notSendable) {
        // A value Java's HTTP client will not put on the wire (a control character, say): not this test's input.
        return;
      }
    }
    if (!ownContentType && input.target() != Target.PATCH) {
      request.header("Content-Type", JSON);
    } else if (!ownContentType) {
      request.header("Content-Type", "application/json-patch+json");
    }
    if (!ownAuthorization) {
      request.header("Authorization", "Bearer " + systemToken);
    }
    assertAnsweredAndRefusalsStoreNothing(request, input.toString());
  }

  @Provide
  Arbitrary<Headers> headers() {
    var odd = Arbitraries.oneOf(Arbitraries.of("", " ", "x", "*/*", "\"", "W/\"1\"", "W/\"999999\"", "W/\"\"", "W/", "1",
        "\"1\"", "*", "-1", "9999999999999999999", "é", "😀", "null", "undefined", "gzip", "identity", "br, x"),
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40),
        Arbitraries.integers().between(100, 20_000).map("a"::repeat));
    var accept = Arbitraries.oneOf(Arbitraries.of("application/fhir+json", "application/fhir+xml", "application/json",
        "application/xml", "text/html", "text/plain", "application/fhir+json;fhirVersion=4.0", "application/fhir+json;"
        + "fhirVersion=5.0", "application/*", "*/*;q=0", "application/fhir+turtle", "image/png"), odd);
    var contentType = Arbitraries.oneOf(Arbitraries.of("application/fhir+json", "application/fhir+xml",
        "application/json", "application/xml", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/fhir+json; charset=utf-16", "application/fhir+json; charset=x",
        "application/json-patch+json", "application/fhir+turtle", "application/octet-stream"), odd);
    var ifMatch = Arbitraries.oneOf(Arbitraries.of("W/\"1\"", "W/\"2\"", "W/\"0\"", "W/\"-1\"", "\"1\"", "W/\"abc\""), odd);
    var prefer = Arbitraries.oneOf(Arbitraries.of("return=minimal", "return=representation", "return=OperationOutcome",
        "return=nonsense", "handling=strict", "handling=lenient", "respond-async", "respond-async, wait=10", "wait=-1",
        "return=minimal; handling=strict"), odd);
    var forwarded = Arbitraries.oneOf(Arbitraries.of("example.org", "example.org:443", "example.org:-1",
        "example.org:99999", "[::1]", "[::1", "a b", "https", "http", "ftp", "javascript", "443", "0", "99999999", "/fhir",
        "/../..", "//evil.example", "1.2.3.4", "1.2.3.4, 5.6.7.8", "unknown", "for=1.2.3.4;proto=https;host=x",
        "for=\"[::1]\";host=\"a:b:c\""), odd);
    var authorization = Arbitraries.oneOf(Arbitraries.of("Bearer", "Bearer ", "Bearer x", "Bearer x.y.z",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Basic dXNlcjpwYXNz", "Basic", "Negotiate x", "bearer  x y",
        "Bearer ===="), odd);
    var header = Arbitraries.frequencyOf(
        Tuple.of(2, accept.map(v -> "Accept:" + v)),
        Tuple.of(2, contentType.map(v -> "Content-Type:" + v)),
        Tuple.of(2, ifMatch.map(v -> "If-Match:" + v)),
        Tuple.of(1, ifMatch.map(v -> "If-None-Match:" + v)),
        Tuple.of(1, odd.map(v -> "If-None-Exist:" + v)),
        Tuple.of(1, odd.map(v -> "If-Modified-Since:" + v)),
        Tuple.of(2, prefer.map(v -> "Prefer:" + v)),
        Tuple.of(1, forwarded.map(v -> "X-Forwarded-Host:" + v)),
        Tuple.of(1, forwarded.map(v -> "X-Forwarded-Proto:" + v)),
        Tuple.of(1, forwarded.map(v -> "X-Forwarded-Port:" + v)),
        Tuple.of(1, forwarded.map(v -> "X-Forwarded-For:" + v)),
        Tuple.of(1, forwarded.map(v -> "X-Forwarded-Prefix:" + v)),
        Tuple.of(1, forwarded.map(v -> "Forwarded:" + v)),
        Tuple.of(2, authorization.map(v -> "Authorization:" + v)),
        Tuple.of(1, odd.map(v -> "X-Request-Id:" + v)),
        Tuple.of(1, odd.map(v -> "Accept-Charset:" + v)),
        Tuple.of(1, odd.map(v -> "Origin:" + v)),
        Tuple.of(1, odd.map(v -> "X-HTTP-Method-Override:" + v)),
        Tuple.of(1, odd.map(v -> "Content-Encoding:" + v)));
    return Combinators.combine(Arbitraries.of(Target.class), header.list().ofMinSize(1).ofMaxSize(5)).as(Headers::new);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Bundles

  enum EntryUrl { TYPE, OWN_PATIENT, NEW_ID, CONDITIONAL_OWN, CONDITIONAL_NONE, EMPTY, SLASH, ABSOLUTE_OTHER, OPERATION,
    METADATA, DOT_DOT, UNKNOWN_TYPE, HISTORY, SEARCH, GARBAGE }

  enum EntryResource { NONE, PATIENT, OBSERVATION_OWN, OBSERVATION_TO_ENTRY, OBSERVATION_CONDITIONAL,
    OBSERVATION_DANGLING, OBSERVATION_GARBAGE_REFERENCE, WRONG_TYPE_FOR_URL, BUNDLE }

  record Entry(String fullUrl, String method, EntryUrl url, EntryResource resource, String ifNoneExist, String ifMatch,
      int target) {}

  record OddBundle(String type, List<Entry> entries) {
    @Override
    public String toString() {
      return type + " " + entries;
    }
  }

  @Property
  @FuzzRun.Budget(tries = 120, share = 0.1)
  void bundlesOfOddEntriesAreAnsweredWithoutServerError(@ForAll("bundles") OddBundle input) {
    var body = bundle(input);
    var request = request("").header("Authorization", "Bearer " + systemToken).header("Content-Type", JSON)
        .POST(BodyPublishers.ofString(body));
    var response = assertAnsweredAndRefusalsStoreNothing(request, input + "\n" + abbreviate(body));
    if (response.statusCode() == 200 && response.body().contains("\"resourceType\":\"Bundle\"")) {
      var answer = FHIR.newJsonParser().parseResource(Bundle.class, response.body());
      assertThat(answer.getEntry()).as("%s%n-> %s", input, abbreviate(response.body()))
          .noneMatch(e -> e.hasResponse() && e.getResponse().getStatus() != null
              && e.getResponse().getStatus().startsWith("5"));
    }
  }

  private String bundle(OddBundle input) {
    var uuids = new ArrayList<String>();
    for (int i = 0; i < input.entries().size(); i++) {
      uuids.add("urn:uuid:" + UUID.randomUUID());
    }
    var entries = new ArrayList<String>();
    for (int i = 0; i < input.entries().size(); i++) {
      var e = input.entries().get(i);
      var fullUrl = "uuid".equals(e.fullUrl()) ? uuids.get(i) : "duplicate".equals(e.fullUrl()) ? uuids.get(0)
          : e.fullUrl();
      var id = "fuzz-" + UUID.randomUUID().toString().substring(0, 18);
      var own = fuzzSystem + "|" + id;
      boolean changes = !e.method().equals("GET") && !e.method().equals("POST") && !e.method().equals("HEAD");
      var url = switch (e.url()) {
        case TYPE -> "Patient";
        case OWN_PATIENT -> "Patient/" + patientId;
        case NEW_ID -> "Patient/" + id;
        case CONDITIONAL_OWN -> "Patient?identifier=" + fuzzSystem + "|own";
        case CONDITIONAL_NONE -> "Patient?identifier=" + own;
        case EMPTY -> "";
        case SLASH -> "/Patient";
        case ABSOLUTE_OTHER -> "http://other.example/fhir/Patient/1";
        case OPERATION -> "Patient/" + patientId + "/$everything";
        case METADATA -> "metadata";
        case DOT_DOT -> "Patient/../Observation";
        case UNKNOWN_TYPE -> "Nope/1";
        case HISTORY -> "Patient/" + patientId + "/_history/1";
        // A search URL changes nothing only when read; written to, it would reach other tests' patients.
        case SEARCH -> changes ? "Patient?identifier=" + own : "Patient?_count=1&name=Fuzzed";
        case GARBAGE -> "%%%?&&==";
      };
      var subject = "Patient/" + patientId;
      var target = uuids.get(e.target() % uuids.size());
      var resource = switch (e.resource()) {
        case NONE -> null;
        case PATIENT -> "{\"resourceType\":\"Patient\"," + (url.startsWith("Patient/") && !url.contains("$")
            ? "\"id\":\"" + url.substring(8).replaceAll("/.*", "") + "\"," : "") + "\"identifier\":[{\"system\":\""
            + fuzzSystem + "\",\"value\":\"" + id + "\"}],\"name\":[{\"family\":\"Fuzzed\"}]}";
        case OBSERVATION_OWN -> observation(subject);
        case OBSERVATION_TO_ENTRY -> observation(target);
        case OBSERVATION_CONDITIONAL -> observation("Patient?identifier=" + fuzzSystem + "|own");
        case OBSERVATION_DANGLING -> observation("Patient/fuzz-nowhere");
        case OBSERVATION_GARBAGE_REFERENCE -> observation(e.ifMatch() == null ? "::" : e.ifMatch());
        case WRONG_TYPE_FOR_URL -> "{\"resourceType\":\"Device\",\"status\":\"active\"}";
        case BUNDLE -> "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":"
            + "\"GET\",\"url\":\"Patient\"}}]}";
      };
      var entry = new StringBuilder("{");
      if (fullUrl != null) {
        entry.append("\"fullUrl\":").append(JsonMutations.quote(fullUrl)).append(',');
      }
      if (resource != null) {
        entry.append("\"resource\":").append(resource).append(',');
      }
      entry.append("\"request\":{");
      var request = new ArrayList<String>();
      if (!e.method().isEmpty()) {
        request.add("\"method\":" + JsonMutations.quote(e.method()));
      }
      request.add("\"url\":" + JsonMutations.quote(url));
      if (e.ifNoneExist() != null) {
        request.add("\"ifNoneExist\":" + JsonMutations.quote(e.ifNoneExist().replace("{own}", own)));
      }
      if (e.ifMatch() != null) {
        request.add("\"ifMatch\":" + JsonMutations.quote(e.ifMatch()));
      }
      entry.append(String.join(",", request)).append("}}");
      entries.add(entry.toString());
    }
    return "{\"resourceType\":\"Bundle\",\"type\":" + JsonMutations.quote(input.type()) + ",\"entry\":["
        + String.join(",", entries) + "]}";
  }

  private static String observation(String subject) {
    return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
        + "\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":{\"reference\":" + JsonMutations.quote(subject)
        + "},\"effectiveDateTime\":\"2026-05-04T09:30:00+02:00\",\"valueQuantity\":{\"value\":72,\"unit\":"
        + "\"beats/minute\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}";
  }

  @Provide
  Arbitrary<OddBundle> bundles() {
    var fullUrls = Arbitraries.of("uuid", "uuid", "uuid", "duplicate", "urn:uuid:not-a-uuid", "urn:oid:1.2.3",
        "http://example.org/fhir/Patient/1", "Patient/fuzz-x", "garbage value", "");
    var fullUrl = Arbitraries.frequencyOf(Tuple.of(4, fullUrls), Tuple.of(1, Arbitraries.just((String) null)));
    var methods = Arbitraries.of("GET", "POST", "POST", "PUT", "PUT", "DELETE", "PATCH", "HEAD", "", "get", "NOPE");
    var ifNoneExist = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just((String) null)),
        Tuple.of(1, Arbitraries.of("identifier={own}", "identifier=", "garbage=??", "Patient?identifier={own}",
            "_id=x&_id=y", "name=Fuzzed")));
    var ifMatch = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just((String) null)),
        Tuple.of(1, Arbitraries.of("W/\"1\"", "W/\"999\"", "garbage", "", "W/\"\"")));
    var entry = Combinators.combine(fullUrl, methods, Arbitraries.of(EntryUrl.class), Arbitraries.of(EntryResource.class),
        ifNoneExist, ifMatch, Arbitraries.integers().between(0, 100)).as(Entry::new);
    var type = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.of("transaction", "batch")),
        Tuple.of(1, Arbitraries.of("collection", "document", "searchset", "transaction-response", "nonsense", "")));
    var entries = Arbitraries.frequencyOf(Tuple.of(10, entry.list().ofMaxSize(8)),
        Tuple.of(1, entry.list().ofMinSize(45).ofMaxSize(60)));
    return Combinators.combine(type, entries).as(OddBundle::new);
  }

  // ---------------------------------------------------------------------------------------------------------

  private HttpResponse<String> assertAnsweredAndRefusalsStoreNothing(HttpRequest.Builder request, String input) {
    var before = storedVersions();
    var errors = serverErrorMark();
    var response = exchange(request, input);
    assertAnsweredWithout5xx(response, input);
    if (response.statusCode() >= 400) {
      assertThat(storedVersions()).as("versions stored after refused %s", input).isEqualTo(before);
    }
    assertNoServerErrorSince(errors, input);
    return response;
  }
}
