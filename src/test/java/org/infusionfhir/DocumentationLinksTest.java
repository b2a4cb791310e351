package org.infusionfhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README and docs/ are read from the repository checkout; no Spring context, no network. */
class DocumentationLinksTest {

  private static final Path ROOT = Path.of("").toAbsolutePath();

  @Test
  void theReadmeHasAtMost250Lines() throws IOException {
    assertThat(Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(250);
  }

  @Test
  void everyRelativeLinkInTheReadmeAndDocsLeadsToAnExistingFileAndHeading() throws IOException {
    var files = markdownFiles();
    assertThat(files).as("README.md and the files under docs/")
        .contains(ROOT.resolve("README.md"), ROOT.resolve("docs/performance.md"));

    var links = new MarkdownLinks(ROOT);
    var broken = files.stream().flatMap(file -> links.brokenLinks(file).stream()).map(Object::toString).toList();

    assertThat(broken).as("links that lead nowhere").isEmpty();
  }

  @Test
  void headingsBecomeAnchorsByGitHubsRule() {
    assertThat(MarkdownLinks.anchorOf("Where it differs from a stock HAPI JPA starter"))
        .isEqualTo("where-it-differs-from-a-stock-hapi-jpa-starter");
    assertThat(MarkdownLinks.anchorOf("The switches, what each measured and what it costs"))
        .isEqualTo("the-switches-what-each-measured-and-what-it-costs");
    assertThat(MarkdownLinks.anchorOf("HL7 v2 from bedside monitors: `ORU^R01` over MLLP"))
        .isEqualTo("hl7-v2-from-bedside-monitors-orur01-over-mllp");
    assertThat(MarkdownLinks.anchorOf("The org.hl7.fhir core 6.7.9 advisories"))
        .isEqualTo("the-orghl7fhir-core-679-advisories");
    assertThat(MarkdownLinks.anchorOf("infusion.batch.stalled_after and [the link](x.md)"))
        .isEqualTo("infusionbatchstalled_after-and-the-link");
  }

  @Test
  void aLinkToAMissingFileOrHeadingOrOutsideTheRepositoryIsReported(@TempDir Path repo) throws IOException {
    Files.createDirectories(repo.resolve("docs"));
    Files.writeString(repo.resolve("docs/a.md"), """
        # Title

        ## Same
        ## Same

        ```bash
        # not a heading: [nor a link](missing.md)
        ```
        """);
    Files.writeString(repo.resolve("README.md"), """
        # Readme
        [fine](docs/a.md) [fine](docs/a.md#title) [fine](#readme) [second Same](docs/a.md#same-1)
        [web](https://example.org/nowhere.md) `[in code](nowhere.md)`
        [gone](docs/b.md)
        [no heading](docs/a.md#nothing)
        [no own heading](#nothing-here)
        [outside](../elsewhere/DESIGN.md)
        [ref]: docs/c.md
        """);

    var broken = new MarkdownLinks(repo).brokenLinks(repo.resolve("README.md"));

    assertThat(broken).extracting(MarkdownLinks.BrokenLink::target).containsExactly(
        "docs/b.md", "docs/a.md#nothing", "#nothing-here", "../elsewhere/DESIGN.md", "docs/c.md");
    assertThat(broken).extracting(MarkdownLinks.BrokenLink::line).containsExactly(4, 5, 6, 7, 8);
    assertThat(new MarkdownLinks(repo).brokenLinks(repo.resolve("docs/a.md"))).isEmpty();
  }

  private static List<Path> markdownFiles() throws IOException {
    try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
      return Stream.concat(Stream.of(ROOT.resolve("README.md")),
          docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted()).toList();
    }
  }
}
