package org.infusionfhir.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Edits of a valid JSON document for the fuzz properties (docs/fuzzing.md): a node removed, replaced by a
 * value of the wrong type, size or form, a field added, an array entry repeated. Odd values are kept as raw
 * JSON text, so that numbers beyond a double and nesting beyond a parser's limit reach the server as written.
 */
public final class JsonMutations {

  public static final ObjectMapper JSON_MAPPER = new ObjectMapper();
  /** How large repeated entries may make a document: past the server's body limit, with room to spare. */
  private static final int MAX_REPEATED_CHARACTERS = 1_000_000;

  private JsonMutations() {}

  public enum Kind { REMOVE, REPLACE, ADD_FIELD, REPEAT_ENTRY }

  /** One edit; {@code at} picks the node (in document order), {@code name} a field to add. */
  public record Mutation(Kind kind, int at, String name, Odd value, int times) {
    @Override
    public String toString() {
      return kind + "(" + at + (kind == Kind.ADD_FIELD ? ", " + FuzzTestBase.visible(name) : "") + (kind == Kind.REPEAT_ENTRY ? ", x" + times
          : kind == Kind.REMOVE ? "" : ", " + value) + ")";
    }
  }

  /** A JSON value, as raw text. */
  public record Odd(String json) {
    JsonNode node() {
      return JsonNodeFactory.instance.rawValueNode(new RawValue(json));
    }

    @Override
    public String toString() {
      return FuzzTestBase.visible(json.length() > 80 ? json.substring(0, 40) + "...(" + json.length() + " chars)" : json);
    }
  }

  /** Applies {@code mutations} to {@code root} in place. */
  public static void apply(ObjectNode root, List<Mutation> mutations) {
    for (var m : mutations) {
      var places = new ArrayList<Place>();
      collect(root, places);
      if (places.isEmpty()) {
        root.set(m.name(), m.value().node());
        continue;
      }
      var place = places.get(m.at() % places.size());
      switch (m.kind()) {
        case REMOVE -> place.remove();
        case REPLACE -> place.replace(m.value().node());
        case ADD_FIELD -> {
          if (place.value() instanceof ObjectNode object) {
            object.set(m.name(), m.value().node());
          } else if (place.parent() instanceof ObjectNode parent) {
            parent.set(m.name(), m.value().node());
          }
        }
        case REPEAT_ENTRY -> {
          if (place.parent() instanceof ArrayNode array) {
            // Repeats of repeats grow a document exponentially: one of 30^4 entries ran the test JVM out of heap.
            int size = Math.max(1, place.value().toString().length());
            long total = root.toString().length();
            for (int i = 0; i < m.times() && total + size <= MAX_REPEATED_CHARACTERS; i++) {
              array.add(place.value().deepCopy());
              total += size;
            }
          }
        }
      }
    }
  }

  /** Edits whose added fields take names from {@code names} (the format's own, mostly) or random ones. */
  public static Arbitrary<Mutation> mutations(List<String> names, int maxRepeats) {
    var name = Arbitraries.oneOf(Arbitraries.of(names), Arbitraries.strings().all().ofMaxLength(20));
    return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 10_000), name,
        oddValues(), Arbitraries.integers().between(1, maxRepeats)).as(Mutation::new);
  }

  /** Values of the wrong type, size or form: numbers beyond double, dates that are not, huge and odd text. */
  public static Arbitrary<Odd> oddValues() {
    var numbers = Arbitraries.of("0", "-1", "-0.0", "0.0000001", "1e308", "1e400", "-1e400", "1e-400", "1E+2",
        "12345678901234567890123456789", "2147483648", "-2147483649", "9223372036854775808", "1.5", "100.0001", "7",
        "1e-1000000", "1e1000000", "0.1e-999999999");
    var texts = Arbitraries.of("", " ", "ketamine", "KETAMINE", "esketamine", "ptsd", "PHQ-9", "PHQ-9 item 9", "GAD-7",
        "MOAA/S", "CADSS", "nausea", "mild", "severe", "resolved", "female", "male", "x", "baseline", "recovery",
        "during-infusion", "mg/min", "mL/h", "CLINIC", "NOWHERE", "final", "amended", "Patient/1", "#contained",
        "urn:uuid:00000000-0000-0000-0000-000000000000", "http://loinc.org", "8867-4", "mm[Hg]",
        "2026-05-04T09:30:00+02:00", "2026-05-04T09:30:00", "2026-05-04T09:30:00Z", "2026-13-45T99:99:99+99:00",
        "+999999999-12-31T23:59:59+18:00", "-999999999-01-01T00:00:00-18:00", "2026-05-04", "1984-06-17",
        "1984-02-30", "0000-00-00", "NaN", "\u0000", "😀", "\u202Eevil", "é", "\uFEFF", "<script>",
        "'; drop table x; --", "../../etc/passwd", "${jndi:ldap://x}", "<div xmlns=\"http://www.w3.org/1999/xhtml\">"
        + "<script>x</script></div>").map(JsonMutations::quote);
    var huge = Combinators.combine(Arbitraries.of("x", "9", "é", " ", "😀"), Arbitraries.integers().between(100, 300_000))
        .as((unit, times) -> quote(unit.repeat(times / unit.length())));
    var random = Arbitraries.strings().all().ofMaxLength(30).map(JsonMutations::quote);
    var shapes = Arbitraries.of("null", "true", "false", "[]", "{}", "[null]", "[1,2]", "{\"value\":1}", "[[]]", "[{}]",
        "{\"mrn\":{}}", "{\"time\":null}", "{\"reference\":\"Patient/1\"}", "{\"resourceType\":\"Patient\"}",
        "[{\"url\":\"x\"}]");
    var nested = Combinators.combine(Arbitraries.of("[", "{\"a\":", "{\"extension\":[{\"url\":\"x\",\"extension\":"),
        Arbitraries.integers().between(10, 3000)).as(JsonMutations::nested);
    return Arbitraries.frequencyOf(Tuple.of(3, numbers), Tuple.of(4, texts), Tuple.of(1, huge), Tuple.of(2, random),
        Tuple.of(2, shapes), Tuple.of(1, nested)).map(Odd::new);
  }

  private static String nested(String open, int depth) {
    var close = switch (open) {
      case "[" -> "]";
      case "{\"a\":" -> "}";
      default -> "}]";
    };
    return open.repeat(depth) + (open.startsWith("{\"ext") ? "[]" : "1") + close.repeat(depth);
  }

  public static String quote(String text) {
    try {
      return JSON_MAPPER.writeValueAsString(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A node in the document: its value and where it hangs, so that it can be removed or replaced. */
  private record Place(JsonNode parent, String field, int index, JsonNode value) {
    void remove() {
      if (parent instanceof ObjectNode o) {
        o.remove(field);
      } else if (parent instanceof ArrayNode a) {
        a.remove(index);
      }
    }

    void replace(JsonNode node) {
      if (parent instanceof ObjectNode o) {
        o.set(field, node);
      } else if (parent instanceof ArrayNode a) {
        a.set(index, node);
      }
    }
  }

  private static void collect(JsonNode node, List<Place> places) {
    if (node instanceof ObjectNode object) {
      var fields = new ArrayList<java.util.Map.Entry<String, JsonNode>>();
      object.fields().forEachRemaining(fields::add);
      for (var field : fields) {
        places.add(new Place(object, field.getKey(), -1, field.getValue()));
        collect(field.getValue(), places);
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        places.add(new Place(array, null, i, array.get(i)));
        collect(array.get(i), places);
      }
    }
  }
}
