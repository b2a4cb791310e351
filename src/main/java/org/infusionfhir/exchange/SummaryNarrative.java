package org.infusionfhir.exchange;

import java.util.List;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Narrative.NarrativeStatus;
import org.hl7.fhir.utilities.xhtml.NodeType;
import org.hl7.fhir.utilities.xhtml.XhtmlNode;

/**
 * A generated narrative built as an XHTML tree, so that every piece of text from the record is escaped
 * when it is written out. Uses only the elements FHIR narrative allows (R4 Narrative.div, txt-1, txt-2).
 */
final class SummaryNarrative {

  static final String NONE_RECORDED = "None recorded.";

  private final XhtmlNode div = new XhtmlNode(NodeType.Element, "div");

  SummaryNarrative() {
    div.setAttribute("xmlns", "http://www.w3.org/1999/xhtml");
  }

  static Narrative noneRecorded() {
    return new SummaryNarrative().paragraph(NONE_RECORDED).build();
  }

  SummaryNarrative paragraph(String text) {
    div.addTag("p").addText(text);
    return this;
  }

  SummaryNarrative list(List<String> items) {
    var list = div.addTag("ul");
    items.forEach(item -> list.addTag("li").addText(item));
    return this;
  }

  SummaryNarrative table(List<String> headings, List<List<String>> rows) {
    var table = div.addTag("table");
    var head = table.addTag("thead").addTag("tr");
    headings.forEach(heading -> head.addTag("th").addText(heading));
    var body = table.addTag("tbody");
    for (var row : rows) {
      var tr = body.addTag("tr");
      row.forEach(cell -> tr.addTag("td").addText(cell));
    }
    return this;
  }

  Narrative build() {
    var narrative = new Narrative();
    narrative.setStatus(NarrativeStatus.GENERATED);
    narrative.setDiv(div);
    return narrative;
  }
}
