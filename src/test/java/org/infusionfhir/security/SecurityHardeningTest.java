package org.infusionfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.packages.loader.PackageLoaderSvc;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.utilities.http.ManagedWebAccess;
import org.hl7.fhir.utilities.http.SimpleHTTPClient;
import org.hl7.fhir.utilities.settings.FhirSettings;
import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.filter.CorsFilter;

/**
 * What a hostile or careless caller meets: CORS closed unless configured, security headers on every
 * answer, errors as OperationOutcomes without stack traces, every kind of bad token refused alike, no
 * outbound fetching of profiles, and no regular expressions in client FHIRPath.
 */
@H2FhirServer
class SecurityHardeningTest extends FhirServerTestBase {

  static final String OTHER_ORIGIN = "https://attacker.example.test";

  @Autowired PackageLoaderSvc packageLoader;

  @Nested
  class Cors {

    @Test
    void isClosedByDefaultSoAPreflightFromAnyOriginGetsNoAllowOriginUntilOneIsConfigured() throws Exception {
      var defaults = new Binder(new MapConfigurationPropertySource(Map.of()))
          .bindOrCreate("infusion.security", SecurityProperties.class);
      assertThat(defaults.corsAllowedOrigins()).isEmpty();

      var response = new MockHttpServletResponse();
      new CorsFilter(SecurityConfig.cors(defaults)).doFilter(fhirPreflight(), response, new MockFilterChain());
      assertThat(response.getHeader("Access-Control-Allow-Origin")).isNull();

      var opened = new Binder(new MapConfigurationPropertySource(
          Map.of("infusion.security.cors-allowed-origins", OTHER_ORIGIN)))
          .bindOrCreate("infusion.security", SecurityProperties.class);
      var allowed = new MockHttpServletResponse();
      new CorsFilter(SecurityConfig.cors(opened)).doFilter(fhirPreflight(), allowed, new MockFilterChain());
      assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo(OTHER_ORIGIN);
    }

    /** As the FHIR servlet ({@code /fhir/*}) sees it: servlet path and path info, as Tomcat sets them. */
    private MockHttpServletRequest fhirPreflight() {
      var preflight = new MockHttpServletRequest("OPTIONS", "/fhir/Patient");
      preflight.setServletPath("/fhir");
      preflight.setPathInfo("/Patient");
      preflight.addHeader("Origin", OTHER_ORIGIN);
      preflight.addHeader("Access-Control-Request-Method", "GET");
      return preflight;
    }

    @Test
    void aConfiguredOriginIsAllowedAndEveryOtherRefused() {
      var allowed = preflight(H2FhirServer.ALLOWED_ORIGIN);
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(H2FhirServer.ALLOWED_ORIGIN);
      assertThat(allowed.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
          .containsIgnoringCase("authorization");

      var refused = preflight(OTHER_ORIGIN);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void anAllowedOriginMayReadTheHeadersAFhirClientNeeds() {
      var response = get("/Patient?_count=1", "Origin", H2FhirServer.ALLOWED_ORIGIN);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(H2FhirServer.ALLOWED_ORIGIN);
      assertThat(response.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
          .contains("Location").contains("ETag");
    }

    private HttpResponse<String> preflight(String origin) {
      return send("OPTIONS", "/Patient", null, (String) null, "Authorization", ANONYMOUS, "Origin", origin,
          "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization");
    }
  }

  @Nested
  class SecurityHeaders {

    static final Map<String, String> EXPECTED = Map.of(
        "X-Content-Type-Options", "nosniff",
        "X-Frame-Options", "DENY",
        "Cache-Control", "no-cache, no-store, max-age=0, must-revalidate",
        "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        "Referrer-Policy", "no-referrer");

    @Test
    void areOnASuccessfulAnswer() {
      assertSecurityHeaders(get("/Patient?_count=1"), 200);
    }

    @Test
    void areOnHapiErrorAnswers() {
      assertSecurityHeaders(get("/Patient/" + unique("missing")), 404);
      assertSecurityHeaders(send("POST", "/Patient", JSON, "{\"resourceType\":\"Patient\",\"name\":["), 400);
    }

    @Test
    void areOnAnswersToCallersWithoutAValidToken() {
      assertSecurityHeaders(get("/Patient", "Authorization", ANONYMOUS), 401);
      assertSecurityHeaders(get("/Patient", "Authorization", "Bearer not-a-token"), 401);
    }

    private void assertSecurityHeaders(HttpResponse<String> response, int status) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
      EXPECTED.forEach((name, value) ->
          assertThat(response.headers().allValues(name)).as(name + " on " + status).containsExactly(value));
    }
  }

  @Nested
  class ErrorsCarryNoStackTrace {

    @Test
    void unauthenticated401() {
      assertNoStackTrace(assertOperationOutcomeOf(get("/Patient", "Authorization", ANONYMOUS), 401,
          "No access token"));
    }

    @Test
    void forbidden403ForAReadOnlyTokenOnTheHl7v2Endpoint() {
      var readOnly = tokens.issue("reader", "system/*.read", null);
      var response = send("POST", serverRoot() + "/hl7v2", "text/plain", "MSH|^~\\&|X",
          "Authorization", "Bearer " + readOnly);
      assertNoStackTrace(assertOperationOutcomeOf(response, 403, "scopes do not allow"));
    }

    @Test
    void notFound404() {
      assertNoStackTrace(assertOperationOutcomeOf(get("/Observation/" + unique("nothing")), 404, "not known"));
    }

    @Test
    void badRequest400ForAMalformedBody() {
      var response = send("POST", "/Patient", JSON, "{\"resourceType\":\"Patient\",\"birthDate\":");
      assertNoStackTrace(assertOperationOutcomeOf(response, 400, "Failed to parse"));
    }

    /**
     * CVE-2026-62296: the core XhtmlParser recurses once per element of a narrative. HAPI parses the div
     * with Woodstox first, whose element depth limit (1000) answers 400 long before the stack runs out.
     */
    @Test
    void badRequest400ForANarrativeNestedTooDeeply() {
      var div = "<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">" + "<b>".repeat(5000) + "</b>".repeat(5000) + "</div>";
      var patient = "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\",\"div\":\"" + div + "\"}}";
      assertNoStackTrace(assertOperationOutcomeOf(send("POST", "/Patient", JSON, patient), 400, "Depth"));
      assertNoStackTrace(assertOperationOutcomeOf(send("POST", "/Patient/$validate", JSON, patient), 400, "Depth"));
    }

    /** Paths the security chain does not name are refused, with or without a token, never served. */
    @Test
    void aPathTheServerDoesNotNameIsRefused() {
      for (var path : new String[] {"/not-a-path", "/h2-console", "/launch"}) {
        var anonymous = send("GET", serverRoot() + path, null, (String) null, "Authorization", ANONYMOUS);
        assertThat(anonymous.statusCode()).as("GET %s without a token", path).isEqualTo(401);
        var withToken = send("GET", serverRoot() + path, null, (String) null);
        assertThat(withToken.statusCode()).as("GET %s with a system token", path).isEqualTo(403);
        assertNoStackTrace(withToken);
      }
    }

    @Test
    void methodNotAllowed405() {
      assertNoStackTrace(assertOperationOutcomeOf(send("POST", "/metadata", JSON, "{}"), 405, "GET"));
    }

    private void assertNoStackTrace(HttpResponse<String> response) {
      assertThat(response.body()).doesNotContain("at org.").doesNotContain("at ca.uhn.")
          .doesNotContain(".java:");
    }
  }

  @Nested
  class RejectedTokens {

    static Stream<Arguments> badTokens() {
      Function<SecurityHardeningTest, String> garbage = t -> "this-is-not-a-jwt";
      Function<SecurityHardeningTest, String> expired = t -> t.tokens.sign(t.tokens.claims("late", "system/*.read", null)
          .issuedAt(Instant.now().minus(Duration.ofHours(2))).notBefore(Instant.now().minus(Duration.ofHours(2)))
          .expiresAt(Instant.now().minus(Duration.ofHours(1))).build());
      Function<SecurityHardeningTest, String> wrongIssuer = t -> t.tokens.sign(t.tokens.claims("stranger", "system/*.read", null)
          .issuer("https://issuer.elsewhere.example.test").build());
      Function<SecurityHardeningTest, String> wrongAudience = t -> t.tokens.sign(t.tokens.claims("misdirected", "system/*.read", null)
          .audience(List.of("some-other-fhir-server")).build());
      Function<SecurityHardeningTest, String> tampered = t -> tamperedPayload(
          t.tokens.sign(t.tokens.claims("reader", "system/*.read", null).build()));
      return Stream.of(
          Arguments.of("garbage", garbage),
          Arguments.of("expired an hour ago", expired),
          Arguments.of("from another issuer", wrongIssuer),
          Arguments.of("for another audience", wrongAudience),
          Arguments.of("payload changed after signing", tampered));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void isRefusedWith401InvalidTokenAndAnOperationOutcome(String kind, Function<SecurityHardeningTest, String> token) {
      var response = get("/Patient?_count=1", "Authorization", "Bearer " + token.apply(SecurityHardeningTest.this));
      assertOperationOutcomeOf(response, 401, "not accepted");
      assertThat(response.headers().firstValue("WWW-Authenticate").orElse(""))
          .startsWith("Bearer ").contains("error=\"invalid_token\"");
    }

    @Test
    void noTokenAtAllIsAskedForOneWithABearerChallenge() {
      var response = get("/Patient?_count=1", "Authorization", ANONYMOUS);
      assertOperationOutcomeOf(response, 401, "No access token");
      // RFC 6750 §3.1: a request without credentials gets the challenge but no error code.
      assertThat(response.headers().firstValue("WWW-Authenticate").orElse(""))
          .startsWith("Bearer").doesNotContain("error=");
    }

    /** The same signature over a payload that now asks for everything: the signature no longer matches. */
    private static String tamperedPayload(String token) {
      var parts = token.split("\\.");
      var payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
          .replace("system/*.read", "system/*.*");
      return parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
          .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }
  }

  @Nested
  class NoRemoteFetching {

    /**
     * The profile, an extension and a code system all live at a loopback port where nothing but this test
     * listens: had the server tried to fetch any of them, whatever HTTP client it used would have
     * connected there.
     */
    @Test
    void anUnknownProfileIsReportedAsNotFoundWithoutFetchingIt() throws Exception {
      try (var trap = ServerSocketChannel.open()) {
        trap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        trap.configureBlocking(false);
        var remote = "http://127.0.0.1:" + trap.socket().getLocalPort();
        var profile = remote + "/fhir/StructureDefinition/remote-only-vital-signs";
        var observation = """
            {"resourceType":"Observation","meta":{"profile":["%s"]},
             "extension":[{"url":"%s/fhir/StructureDefinition/remote-extension","valueString":"x"}],
             "status":"final","code":{"coding":[{"system":"%s/fhir/CodeSystem/remote-codes","code":"hr"}]},
             "valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}
            """.formatted(profile, remote, remote);

        var response = send("POST", "/Observation/$validate?profile=" + profile, JSON, observation);

        assertThat(trap.accept()).as("a connection to " + remote).isNull();
        var issues = FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body()).getIssue();
        assertThat(issues).as(response.body()).anySatisfy(issue -> {
          assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
          assertThat(issue.getDiagnostics()).contains(profile).contains("could not be found");
        });
        assertThat(issues).anySatisfy(issue -> assertThat(issue.getDiagnostics())
            .contains("Unknown extension " + remote));
        assertThat(issues).anySatisfy(issue -> assertThat(issue.getDiagnostics())
            .contains("CodeSystem is unknown").contains(remote));
      }
    }
  }

  @Nested
  class NoPackageDownloads {

    /**
     * The core validator's ImplementationGuide checks build a FilesystemPackageCacheManager and look the
     * guide's dependencies up at packages.fhir.org, packages2.fhir.org and build.fhir.org: with the core's
     * web access allowed, this very request made eight connections there. Every connection the JVM opens
     * through java.net asks the default ProxySelector first; a recording one shows whether any went out.
     */
    @Test
    void validatingAnImplementationGuideDownloadsNoPackageItDependsOn() {
      var original = ProxySelector.getDefault();
      var outbound = new CopyOnWriteArrayList<URI>();
      ProxySelector.setDefault(new ProxySelector() {
        @Override
        public List<Proxy> select(URI uri) {
          if (uri.getHost() != null && !uri.getHost().equals("localhost") && !uri.getHost().startsWith("127.")) {
            outbound.add(uri);
          }
          return original.select(uri);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress address, IOException e) {
          original.connectFailed(uri, address, e);
        }
      });
      HttpResponse<String> response;
      try {
        response = send("POST", "/ImplementationGuide/$validate", JSON, IMPLEMENTATION_GUIDE);
      } finally {
        ProxySelector.setDefault(original);
      }
      assertThat(outbound).as("connections the server opened").isEmpty();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    static final String IMPLEMENTATION_GUIDE = """
        {"resourceType":"ImplementationGuide","url":"http://example.org/ImplementationGuide/needs-us-core",
         "version":"0.1.0","name":"NeedsUsCore","status":"draft","packageId":"example.needs.us.core",
         "fhirVersion":["4.0.1"],
         "dependsOn":[{"uri":"http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core",
                       "packageId":"hl7.fhir.us.core","version":"6.1.0"}]}
        """;
  }

  @Nested
  class CoreLibrariesOffline {

    @Test
    void theCoreLibrariesWebAccessIsSwitchedOffForTheWholeServer() throws Exception {
      assertThat(ManagedWebAccess.getAccessPolicy()).isEqualTo(ManagedWebAccess.WebAccessPolicy.PROHIBITED);
      assertThat(FhirSettings.isProhibitNetworkAccess()).isTrue();
      try (var trap = ServerSocketChannel.open()) {
        trap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        trap.configureBlocking(false);
        var url = "http://127.0.0.1:" + trap.socket().getLocalPort() + "/packages/hl7.fhir.r4.core";
        assertThatThrownBy(() -> ManagedWebAccess.get(List.of("web"), url))
            .isInstanceOf(IOException.class).hasMessageContaining("not allowed");
        assertThatThrownBy(() -> new SimpleHTTPClient().get(url))
            .isInstanceOf(FHIRException.class).hasMessageContaining("prohibited");
        assertThat(trap.accept()).isNull();
      }
    }

    @Test
    void hapisPackageLoaderKnowsNoPackageServer() {
      assertThat(packageLoader.getPackageServers()).isEmpty();
    }
  }

  @Nested
  class RegularExpressionsInClientFhirPath {

    @Test
    void aFhirPathPatchWithMatchesIsRefusedBeforeItRuns() {
      var id = createPatient();
      var response = send("PATCH", "/Patient/" + id, JSON, fhirPathPatch("Patient.name.where(family.matches('^R'))"));
      assertOperationOutcomeOf(response, 400, "matches()");
    }

    @Test
    void aFhirPathPatchWithoutRegularExpressionsStillWorks() {
      var id = createPatient();
      var response = send("PATCH", "/Patient/" + id, JSON, fhirPathPatch("Patient.name.where(family = 'Rivera')"));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void aPatchEntryInATransactionIsRefusedToo() {
      var id = createPatient();
      var bundle = """
          {"resourceType":"Bundle","type":"transaction","entry":[{"resource":%s,
           "request":{"method":"PATCH","url":"Patient/%s"}}]}
          """.formatted(fhirPathPatch("Patient.name.where(family.replaceMatches('a', 'b') = 'x')"), id);
      assertOperationOutcomeOf(send("POST", "", JSON, bundle), 400, "replaceMatches()");
    }

    @Test
    void aSearchParameterEvaluatingARegularExpressionIsNotStored() {
      var code = unique("family-regex").replace("-", "");
      var parameter = """
          {"resourceType":"SearchParameter","url":"http://example.org/SearchParameter/%s","name":"%s",
           "status":"active","description":"x","code":"%s","base":["Patient"],"type":"token",
           "expression":"Patient.name.where(family.matchesFull('R.*')).family"}
          """.formatted(code, code, code);
      assertOperationOutcomeOf(send("POST", "/SearchParameter", JSON, parameter), 422, "matchesFull()");
    }

    @Test
    void aSearchParameterWrittenOutsideRestIsCheckedToo(@Autowired DaoRegistry daos) {
      // The check is a storage hook: an adapter, load or batch job writing through the DAOs meets it too.
      var code = unique("family-regex").replace("-", "");
      var parameter = new SearchParameter().setUrl("http://example.org/SearchParameter/" + code).setName(code)
          .setStatus(Enumerations.PublicationStatus.ACTIVE).setDescription("x").setCode(code)
          .setType(Enumerations.SearchParamType.TOKEN)
          .setExpression("Patient.name.where(family.matches('^R')).family");
      parameter.addBase("Patient");
      assertThatThrownBy(() -> daos.getResourceDao(SearchParameter.class)
              .create(parameter, new SystemRequestDetails()))
          .isInstanceOf(UnprocessableEntityException.class)
          .hasMessageContaining("matches()");
    }

    @Test
    void aProfileWhoseConstraintEvaluatesARegularExpressionIsNotStored() {
      var url = "http://example.org/StructureDefinition/" + unique("regex-profile");
      var profile = """
          {"resourceType":"StructureDefinition","url":"%s","name":"RegexProfile","status":"draft",
           "kind":"resource","abstract":false,"type":"Patient","derivation":"constraint",
           "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient",
           "differential":{"element":[{"id":"Patient","path":"Patient","constraint":[{"key":"rx-1",
             "severity":"error","human":"family names start with R","expression":"name.family.matches('^R')"}]}]}}
          """.formatted(url);
      assertOperationOutcomeOf(send("POST", "/StructureDefinition", JSON, profile), 422, "rx-1");
    }

    private String createPatient() {
      var response = send("POST", "/Patient", JSON,
          "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Rivera\"}]}");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
      var location = response.headers().firstValue("Location").orElseThrow();
      return location.replaceAll(".*/Patient/([^/]+)/_history/.*", "$1");
    }

    private static String fhirPathPatch(String path) {
      return """
          {"resourceType":"Parameters","parameter":[{"name":"operation","part":[
            {"name":"type","valueCode":"add"},{"name":"path","valueString":"%s"},
            {"name":"name","valueString":"given"},{"name":"value","valueString":"Ana"}]}]}
          """.formatted(path.replace("\"", "\\\""));
    }
  }

  /** {@link #assertOperationOutcome} for this class's nested tests, returning the response. */
  private HttpResponse<String> assertOperationOutcomeOf(HttpResponse<String> response, int status, String expected) {
    assertOperationOutcome(response, status, expected);
    return response;
  }
}
