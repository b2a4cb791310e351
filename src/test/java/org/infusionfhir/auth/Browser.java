package org.infusionfhir.auth;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a browser does in a launch, over real HTTP: keeps cookies, reads the forms it is shown (hidden
 * fields, the CSRF token included) and posts them back. It does not follow redirects, so that a test sees
 * each one.
 */
final class Browser {

  private static final Pattern HIDDEN = Pattern.compile("<input type=hidden name=\"([^\"]+)\" value=\"([^\"]*)\">");
  private static final Pattern RADIO = Pattern.compile("<input type=radio name=patient required value=\"([^\"]+)\">");

  private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
  private final String root;

  Browser(String root) {
    this.root = root;
  }

  HttpResponse<String> get(String pathOrUrl) {
    return send(HttpRequest.newBuilder(uri(pathOrUrl)).header("Accept", "text/html").GET());
  }

  HttpResponse<String> post(String pathOrUrl, List<String[]> fields) {
    return send(HttpRequest.newBuilder(uri(pathOrUrl)).header("Accept", "text/html")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(fields))));
  }

  /** The hidden fields of the page's form posting to {@code action} (the last such form). */
  static List<String[]> hiddenFields(String html, String action) {
    var start = html.lastIndexOf("action=\"" + action + "\"");
    var end = html.indexOf("</form>", start);
    var fields = new ArrayList<String[]>();
    var m = HIDDEN.matcher(html.substring(start, end));
    while (m.find()) {
      fields.add(new String[] {m.group(1), unescape(m.group(2))});
    }
    return fields;
  }

  static List<String> patientChoices(String html) {
    var ids = new ArrayList<String>();
    var m = RADIO.matcher(html);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return ids;
  }

  static Map<String, String> query(String location) {
    var map = new LinkedHashMap<String, String>();
    var q = URI.create(location).getRawQuery();
    if (q == null) {
      return map;
    }
    for (var pair : q.split("&")) {
      var kv = pair.split("=", 2);
      map.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
    }
    return map;
  }

  static String location(HttpResponse<?> response) {
    return response.headers().firstValue("Location").orElseThrow(() ->
        new AssertionError("no redirect: " + response.statusCode() + " " + response.body()));
  }

  static String form(List<String[]> fields) {
    var out = new StringBuilder();
    for (var f : fields) {
      out.append(out.isEmpty() ? "" : "&").append(URLEncoder.encode(f[0], StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(f[1], StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  private URI uri(String pathOrUrl) {
    return URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : root + pathOrUrl);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.timeout(Duration.ofSeconds(60)).build(), BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String unescape(String s) {
    return s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
        .replace("&amp;", "&");
  }
}
