package org.infusionfhir.exchange;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseBinary;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The finished export's manifest as the Bulk Data spec has it: {@code application/json} in UTF-8 (HAPI
 * sets {@code application/json} without a charset, so the servlet container writes ISO-8859-1), and each
 * {@code output[]} with its {@code count} of resources, which HAPI's manifest type has no field for.
 * See docs/decisions/bulk-export-output-count.md.
 */
@Component
public class BulkExportManifest extends OncePerRequestFilter {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** A finished job's files do not change: counted once, for the polls that follow. */
  private final Map<String, Long> countsByUrl = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > 1_000;
    }
  });
  private final DaoRegistry daos;

  public BulkExportManifest(DaoRegistry daos) {
    this.daos = daos;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !"GET".equals(request.getMethod()) || !request.getRequestURI().endsWith("/$export-poll-status");
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    var captured = new ManifestCapture(response);
    chain.doFilter(request, captured);
    if (captured.manifest == null) {
      return;
    }
    var manifest = JSON.readTree(captured.manifest.toString());
    if (manifest instanceof ObjectNode && manifest.has("output")) {
      for (var output : manifest.get("output")) {
        if (output instanceof ObjectNode file && file.hasNonNull("url")) {
          file.put("count", countsByUrl.computeIfAbsent(file.get("url").asText(), this::countResources));
        }
      }
    }
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setContentType(Constants.CT_JSON + ";charset=UTF-8");
    var body = JSON.writeValueAsBytes(manifest);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /** Resources in one NDJSON file: one a line. */
  private long countResources(String url) {
    var id = new IdType(url.substring(url.lastIndexOf("Binary/")));
    var binary = (IBaseBinary) daos.getResourceDao("Binary").read(id, new SystemRequestDetails());
    var content = binary.getContent();
    long lines = 0;
    for (int i = 0; i < content.length; i++) {
      if (content[i] == '\n') {
        lines++;
      }
    }
    if (content.length > 0 && content[content.length - 1] != '\n') {
      lines++;
    }
    return lines;
  }

  /** Keeps what HAPI writes as {@code application/json} (the manifest) to rewrite it. */
  private static final class ManifestCapture extends HttpServletResponseWrapper {
    private StringWriter manifest;
    private PrintWriter writer;
    private boolean json;

    ManifestCapture(HttpServletResponse response) {
      super(response);
    }

    @Override
    public void setContentType(String type) {
      json = type != null && type.startsWith(Constants.CT_JSON) && getStatus() == 200;
      if (!json) {
        super.setContentType(type);
      }
    }

    @Override
    public PrintWriter getWriter() throws IOException {
      if (!json) {
        return super.getWriter();
      }
      if (manifest == null) {
        manifest = new StringWriter();
        writer = new PrintWriter(manifest);
      }
      return writer;
    }
  }
}
