package dev.swarm.pipeline.aggregator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test spans: "id:parent" or "id" (a root), with a small normalised JSON body. */
final class Spans {
  private Spans() {}

  static BufferedSpan span(String traceId, String id, String parentId) {
    return span(traceId, id, parentId, "svc");
  }

  static BufferedSpan span(String traceId, String id, String parentId, String name) {
    StringBuilder json = new StringBuilder();
    json.append("{\"id\":\"").append(id).append("\",\"trace_id\":\"").append(traceId).append('"');
    if (parentId != null) {
      json.append(",\"parent_span_id\":\"").append(parentId).append('"');
    }
    json.append(",\"span_name\":\"").append(name).append("\",\"span_kind\":\"internal\",\"status\":\"ok\"")
        .append(",\"start_time\":\"2026-11-27T23:24:23.123Z\",\"tenant_id\":\"t1\",\"attributes\":{},\"events\":[]}");
    return new BufferedSpan(id, parentId, json.toString().getBytes(StandardCharsets.UTF_8));
  }

  static List<BufferedSpan> spans(String traceId, String... idColonParent) {
    List<BufferedSpan> out = new ArrayList<>();
    for (String s : idColonParent) {
      int colon = s.indexOf(':');
      out.add(colon < 0 ? span(traceId, s, null) : span(traceId, s.substring(0, colon), s.substring(colon + 1)));
    }
    return out;
  }
}
