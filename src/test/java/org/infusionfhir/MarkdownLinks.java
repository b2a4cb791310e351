package org.infusionfhir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the relative links of Markdown files and says which of them lead nowhere: a file that does not
 * exist, a path that leaves the repository, or an anchor that no heading of the target produces.
 * Links with a scheme (https:, mailto:) are not followed: the check runs without a network.
 */
final class MarkdownLinks {

  /** One link that does not resolve, with where it is and why. */
  record BrokenLink(Path file, int line, String target, String reason) {
    @Override
    public String toString() {
      return file + ":" + line + ": (" + target + ") " + reason;
    }
  }

  // Inline links and images: [text](target) or [text](target "title"); the text may hold `code`.
  private static final Pattern INLINE = Pattern.compile("!?\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  // Reference definitions: [label]: target
  private static final Pattern DEFINITION = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");
  private static final Pattern HEADING = Pattern.compile("^\\s{0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");
  private static final Pattern FENCE = Pattern.compile("^\\s{0,3}(```|~~~)");
  private static final Pattern INLINE_CODE = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");

  private final Path root;
  private final Map<Path, Set<String>> anchorsByFile = new HashMap<>();

  MarkdownLinks(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  List<BrokenLink> brokenLinks(Path markdownFile) {
    var file = markdownFile.toAbsolutePath().normalize();
    var broken = new ArrayList<BrokenLink>();
    var lines = proseLines(file);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i) == null) {
        continue;
      }
      var line = INLINE_CODE.matcher(lines.get(i)).replaceAll(m -> " ".repeat(m.group().length()));
      var definition = DEFINITION.matcher(line);
      if (definition.matches()) {
        check(file, i + 1, definition.group(1), broken);
        continue;
      }
      Matcher link = INLINE.matcher(line);
      while (link.find()) {
        check(file, i + 1, link.group(1), broken);
      }
    }
    return broken;
  }

  /**
   * GitHub's rule for the id of a heading: lower case, punctuation other than '-' and '_' dropped,
   * each space a '-'. Links and inline code render as their text, so only that text counts.
   */
  static String anchorOf(String headingText) {
    var text = headingText.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
    var anchor = new StringBuilder();
    text.toLowerCase(java.util.Locale.ROOT).codePoints().forEach(c -> {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        anchor.appendCodePoint(c);
      } else if (c == ' ') {
        anchor.append('-');
      }
    });
    return anchor.toString();
  }

  /** The anchors a file's headings produce, with GitHub's "-1", "-2" suffixes for repeated ones. */
  Set<String> anchorsOf(Path markdownFile) {
    return anchorsByFile.computeIfAbsent(markdownFile.toAbsolutePath().normalize(), file -> {
      var anchors = new LinkedHashSet<String>();
      var seen = new HashMap<String, Integer>();
      for (var line : proseLines(file)) {
        if (line == null) {
          continue;
        }
        var heading = HEADING.matcher(line);
        if (heading.matches()) {
          var anchor = anchorOf(heading.group(2));
          int count = seen.merge(anchor, 1, Integer::sum);
          anchors.add(count == 1 ? anchor : anchor + "-" + (count - 1));
        }
      }
      return anchors;
    });
  }

  private void check(Path file, int line, String rawTarget, List<BrokenLink> broken) {
    if (rawTarget.isEmpty() || SCHEME.matcher(rawTarget).find()) {
      return;
    }
    int hash = rawTarget.indexOf('#');
    var pathPart = decode(hash < 0 ? rawTarget : rawTarget.substring(0, hash));
    var anchor = hash < 0 ? null : decode(rawTarget.substring(hash + 1));
    var target = pathPart.isEmpty() ? file : file.getParent().resolve(pathPart).normalize();
    if (!target.startsWith(root)) {
      broken.add(new BrokenLink(root.relativize(file), line, rawTarget, "leaves the repository"));
      return;
    }
    if (!Files.exists(target)) {
      broken.add(new BrokenLink(root.relativize(file), line, rawTarget, "no such file"));
      return;
    }
    if (anchor == null) {
      return;
    }
    if (!target.getFileName().toString().endsWith(".md")) {
      broken.add(new BrokenLink(root.relativize(file), line, rawTarget, "an anchor into a file that is not Markdown"));
    } else if (!anchorsOf(target).contains(anchor)) {
      broken.add(new BrokenLink(root.relativize(file), line, rawTarget,
          "no heading of " + root.relativize(target) + " has the anchor #" + anchor));
    }
  }

  /** The file's lines with those of fenced code blocks as null: a `# comment` in bash is no heading. */
  private static List<String> proseLines(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
    var prose = new ArrayList<String>(lines.size());
    String fence = null;
    for (var line : lines) {
      var opening = FENCE.matcher(line);
      if (fence == null && opening.find()) {
        fence = opening.group(1);
        prose.add(null);
      } else if (fence != null) {
        if (line.strip().startsWith(fence)) {
          fence = null;
        }
        prose.add(null);
      } else {
        prose.add(line);
      }
    }
    return prose;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
