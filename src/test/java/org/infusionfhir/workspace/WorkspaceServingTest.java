package org.infusionfhir.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.infusionfhir.support.FhirServerTestBase;
import org.infusionfhir.support.H2FhirServer;
import org.junit.jupiter.api.Test;

/** How the server serves the workspace: from the jar, under its own policy, as a registered public app. */
@H2FhirServer
class WorkspaceServingTest extends FhirServerTestBase {

  @Test
  void theAppIsServedAtTheRootUnderAContentSecurityPolicyWithoutInlineCodeOrOtherHosts() {
    var page = send("GET", serverRoot() + "/", null, (String) null, "Authorization", ANONYMOUS);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("<script type=\"module\" src=\"app/main.js\"></script>").doesNotContain("<script>")
        .doesNotContain("style=");
    var policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(policy).isEqualTo(WorkspaceConfig.CONTENT_SECURITY_POLICY).doesNotContain("unsafe-inline")
        .doesNotContain("unsafe-eval").doesNotContain("http").contains("script-src 'self'").contains("frame-ancestors 'none'");
    assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");

    var module = send("GET", serverRoot() + "/app/main.js", null, (String) null, "Authorization", ANONYMOUS);
    assertThat(module.statusCode()).isEqualTo(200);
    assertThat(module.headers().firstValue("Content-Type").orElse("")).contains("javascript");
    assertThat(module.headers().firstValue("Content-Security-Policy")).contains(WorkspaceConfig.CONTENT_SECURITY_POLICY);
  }

  @Test
  void theChartLibraryComesFromItsWebJarInTheJar() {
    var vendor = send("GET", serverRoot() + "/app/vendor.js", null, (String) null, "Authorization", ANONYMOUS).body();
    var path = vendor.replaceAll("(?s).*from '([^']+)'.*", "$1");
    assertThat(path).startsWith("/webjars/uplot/");
    var library = send("GET", serverRoot() + path, null, (String) null, "Authorization", ANONYMOUS);
    assertThat(library.statusCode()).as("the version in vendor.js is the WebJar's (pom.xml uplot.version)").isEqualTo(200);
    assertThat(library.body()).contains("export { uPlot as default }");
  }

  @Test
  void theWorkspaceIsRegisteredAsAPublicAppRedirectingToItsOwnOrigin() {
    var authorize = "/oauth2/authorize?response_type=code&client_id=workspace&scope=openid%20user/*.rs&state=s1"
        + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&aud="
        + java.net.URLEncoder.encode(fhirBase(), java.nio.charset.StandardCharsets.UTF_8) + "&redirect_uri=";
    var own = send("GET", serverRoot() + authorize + java.net.URLEncoder.encode(serverRoot() + "/",
        java.nio.charset.StandardCharsets.UTF_8), null, (String) null, "Authorization", ANONYMOUS);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(302);
    assertThat(own.headers().firstValue("Location").orElseThrow()).endsWith("/auth/sign-in");

    var elsewhere = send("GET", serverRoot() + authorize + java.net.URLEncoder.encode("https://attacker.example/",
        java.nio.charset.StandardCharsets.UTF_8), null, (String) null, "Authorization", ANONYMOUS);
    assertThat(elsewhere.statusCode()).isEqualTo(400);
    assertThat(elsewhere.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void theWorkspaceAppliesTheGuidesSessionCodes() {
    var model = send("GET", serverRoot() + "/app/model.js", null, (String) null, "Authorization", ANONYMOUS).body();
    for (var code : org.infusionfhir.exchange.InfusionSessionRule.SESSION_CODES) {
      var parts = code.split("\\|");
      assertThat(model).contains("code: '" + parts[1] + "'")
          .contains(parts[0].replace("http://infusion-fhir.org/fhir", "c.GUIDE + '") + "'");
    }
  }

  @Test
  void theWorkspaceCannotRevokeATokenIssuedToAnotherApp() {
    var issued = send("POST", serverRoot() + "/oauth2/token", "application/x-www-form-urlencoded",
        "grant_type=client_credentials&scope=system/*.read", "Authorization", "Basic "
            + java.util.Base64.getEncoder().encodeToString("charting-app:charting-test-secret".getBytes()));
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    var token = issued.body().replaceAll("(?s).*\"access_token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    var revoke = send("POST", serverRoot() + "/oauth2/revoke", "application/x-www-form-urlencoded",
        "token=" + token + "&client_id=" + WorkspaceConfig.CLIENT_ID, "Authorization", ANONYMOUS);
    assertThat(revoke.statusCode()).isBetween(400, 401);
    assertThat(send("GET", "/metadata", null, (String) null, "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/Patient?_count=1", null, (String) null, "Authorization", "Bearer " + token).statusCode())
        .isEqualTo(200);
  }
}
