package org.infusionfhir.server.hardening;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.hl7.fhir.instance.model.api.IBaseResource;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.springframework.stereotype.Component;
import org.infusionfhir.server.ServerInterceptor;

/**
 * Refuses request bodies that are dangerous to parse before HAPI parses them: XML with a DOCTYPE or
 * entity declaration (XXE: nothing may be read from disk or network), JSON nested deeper than
 * {@code infusion.limits.max-json-depth}, JSON numbers whose exponent is beyond ±{@value #MAX_EXPONENT}, empty
 * JSON property names, and, for {@code $validate}, a {@code meta} the validator cannot read.
 */
@Component
@Interceptor
public class PayloadSafetyInterceptor implements ServerInterceptor {

  /**
   * FHIR decimals carry at most 18 significant digits; an exponent past a thousand is no measurement. HAPI
   * writes a JSON number into a string element in plain notation: {@code 0.1e-999999999} in a 200-byte body
   * was a string of a billion digits, and the server ran out of heap (found by FhirRequestFuzzTest).
   */
  static final int MAX_EXPONENT = 1000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final int maxJsonDepth;

  public PayloadSafetyInterceptor(RequestLimitsProperties limits) {
    this.maxJsonDepth = limits.maxJsonDepth();
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean checkBody(RequestDetails request) {
    byte[] body = request.loadRequestContents();
    if (body == null || body.length == 0) {
      return true;
    }
    int first = firstNonWhitespace(body);
    if (first < 0) {
      return true;
    }
    if (contentTypeContains(request, "turtle")) {
      checkTurtleReadable(request, body, body[first]);
    } else if (body[first] == '<' || contentTypeContains(request, "xml")) {
      rejectDeclarations(body);
    } else if (body[first] == '{' || body[first] == '[') {
      checkJsonDepth(body, maxJsonDepth);
      if ("$validate".equals(request.getOperation())) {
        checkMetaForValidator(body);
      }
    }
    return true;
  }

  /**
   * HAPI's RDF parser returns no resource for a body it cannot read as Turtle, and HAPI then failed on the
   * missing resource with a NullPointerException: a 500 (found by FhirRequestFuzzTest: JSON sent as
   * {@code application/fhir+turtle}). Such a body is read once here, and refused if it yields nothing.
   */
  private static void checkTurtleReadable(RequestDetails request, byte[] body, byte first) {
    IBaseResource resource = null;
    // A JSON object is no Turtle document; refused unread, since Jena logs each parse error at ERROR.
    if (first != '{') {
      try {
        resource = request.getFhirContext().newRDFParser().parseResource(new String(body, StandardCharsets.UTF_8));
      } catch (RuntimeException unreadable) {
        resource = null;
      }
    }
    if (resource == null) {
      throw new InvalidRequestException("the body is not RDF Turtle that a FHIR resource can be read from");
    }
  }

  private static boolean contentTypeContains(RequestDetails request, String token) {
    var type = request.getHeader("Content-Type");
    return type != null && type.toLowerCase(Locale.ROOT).contains(token);
  }

  private static void rejectDeclarations(byte[] body) {
    var text = new String(body, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    if (text.contains("<!DOCTYPE") || text.contains("<!ENTITY")) {
      throw new InvalidRequestException(
          "XML with a DOCTYPE or ENTITY declaration is refused: FHIR XML has no DTD, and entities could"
              + " read files or URLs (XXE).");
    }
  }

  /**
   * Walks the structural characters and number exponents of the JSON text; bytes inside strings are
   * skipped.
   */
  static void checkJsonDepth(byte[] body, int maxDepth) {
    int depth = 0;
    boolean inString = false;
    int stringStart = -1;
    for (int i = 0; i < body.length; i++) {
      byte b = body[i];
      if (inString) {
        if (b == '\\') {
          i++;
        } else if (b == '"') {
          inString = false;
          if (i == stringStart + 1) {
            checkNotAnEmptyName(body, i + 1);
          }
        }
      } else if (b == '"') {
        inString = true;
        stringStart = i;
      } else if ((b == 'e' || b == 'E') && i > 0 && (Character.isDigit(body[i - 1]) || body[i - 1] == '.')) {
        checkExponent(body, i + 1);
      } else if (b == '{' || b == '[') {
        if (++depth > maxDepth) {
          throw new InvalidRequestException(
              "JSON is nested deeper than the limit of " + maxDepth + " levels (at byte offset " + i + ")");
        }
      } else if (b == '}' || b == ']') {
        depth--;
      }
    }
  }

  /**
   * An empty string followed by a colon is an empty property name. HAPI's JSON parser reads a name's first
   * character to tell {@code _element} from {@code element} and threw StringIndexOutOfBoundsException on
   * {@code "": 1}: a 500 (found by FhirRequestFuzzTest).
   */
  private static void checkNotAnEmptyName(byte[] body, int after) {
    int i = after;
    while (i < body.length && Character.isWhitespace(body[i])) {
      i++;
    }
    if (i < body.length && body[i] == ':') {
      throw new InvalidRequestException("a JSON property name is empty (at byte offset " + (after - 2) + ")");
    }
  }

  /**
   * {@code $validate} hands the body as it came to HAPI's validator, which reads {@code meta.profile} as an
   * object holding an array of strings before it validates anything: a {@code "meta": "x"} was a
   * ClassCastException and a 500 (found by FhirRequestFuzzTest). Anything else about the body is the
   * validator's to report. Jackson reads the shape only; the FHIR content is HAPI's.
   */
  static void checkMetaForValidator(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (java.io.IOException unreadable) {
      // Not JSON at all: HAPI answers that itself.
      return;
    }
    var meta = root == null ? null : root.get("meta");
    if (meta == null || meta.isNull()) {
      return;
    }
    var profile = meta.get("profile");
    boolean profilesAreStrings = profile == null || profile.isNull()
        || profile.isArray() && java.util.stream.StreamSupport.stream(profile.spliterator(), false).allMatch(JsonNode::isTextual);
    if (!meta.isObject() || !profilesAreStrings) {
      throw new InvalidRequestException("meta must be an object, and meta.profile an array of canonical URLs");
    }
  }

  /** The exponent of a JSON number starting at {@code start} (after the {@code e}) is within the bound. */
  private static void checkExponent(byte[] body, int start) {
    int i = start < body.length && (body[start] == '-' || body[start] == '+') ? start + 1 : start;
    long exponent = 0;
    for (; i < body.length && Character.isDigit(body[i]); i++) {
      exponent = exponent * 10 + (body[i] - '0');
      if (exponent > MAX_EXPONENT) {
        throw new InvalidRequestException("a JSON number's exponent is beyond ±" + MAX_EXPONENT + " (at byte offset "
            + start + ")");
      }
    }
  }

  private static int firstNonWhitespace(byte[] body) {
    int i = 0;
    // Skip a UTF-8 byte order mark.
    if (body.length >= 3 && (body[0] & 0xFF) == 0xEF && (body[1] & 0xFF) == 0xBB && (body[2] & 0xFF) == 0xBF) {
      i = 3;
    }
    for (; i < body.length; i++) {
      if (!Character.isWhitespace(body[i])) {
        return i;
      }
    }
    return -1;
  }
}
