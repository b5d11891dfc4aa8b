package dev.swarm.tracer;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed helpers for the eleven Swarm span types, so instrumentation reads like the design's table. Each helper
 * starts a span as a child of the current span (make the parent current first), with the type's key
 * attributes; the caller ends it.
 *
 * <pre>
 * http.request                      method, path, status_code        (TracingHandler does this one)
 * ├── ticket.claim                  ticket_id, agent_id (fields), queue_depth
 * │   └── vm.spawn                  vm_id, method
 * │       └── agent.execute         agent_type
 * │           ├── git.clone         repo_url, branch
 * │           ├── llm.generate      model, tokens            (one per model call)
 * │           ├── file.write        file_count, bytes
 * │           ├── git.commit        commit_sha
 * │           ├── git.push          branch
 * │           └── pr.create         pr_number, pr_url
 * └── ticket.complete               duration_ms
 * </pre>
 *
 * <p>{@code tenant_id}, {@code ticket_id} and {@code agent_id} are span fields, not attributes: set once per
 * ticket (tenant on the request, ticket and agent by {@link #ticketClaim}) and inherited by every span started
 * below. URLs are stripped of user info and query strings, which may hold credentials.
 */
public final class SwarmSpans {
  public static final String HTTP_REQUEST = "http.request";
  public static final String TICKET_CLAIM = "ticket.claim";
  public static final String VM_SPAWN = "vm.spawn";
  public static final String AGENT_EXECUTE = "agent.execute";
  public static final String GIT_CLONE = "git.clone";
  public static final String LLM_GENERATE = "llm.generate";
  public static final String FILE_WRITE = "file.write";
  public static final String GIT_COMMIT = "git.commit";
  public static final String GIT_PUSH = "git.push";
  public static final String PR_CREATE = "pr.create";
  public static final String TICKET_COMPLETE = "ticket.complete";

  /** The eleven span types, in the order a ticket produces them. */
  public static final List<String> SPAN_TYPES =
      List.of(
          HTTP_REQUEST,
          TICKET_CLAIM,
          VM_SPAWN,
          AGENT_EXECUTE,
          GIT_CLONE,
          LLM_GENERATE,
          FILE_WRITE,
          GIT_COMMIT,
          GIT_PUSH,
          PR_CREATE,
          TICKET_COMPLETE);

  /** Each span type's parent type (http.request, the root, is absent). */
  public static final Map<String, String> PARENT_TYPE = parentTypes();

  // Attribute names: the operations dashboards read these; see docs/instrumentation.md.
  /** The service a span belongs to (OpenTelemetry's resource attribute, sent per span). */
  public static final String SERVICE_NAME = "service.name";
  public static final String METHOD = "method";
  public static final String PATH = "path";
  public static final String STATUS_CODE = "status_code";
  public static final String QUEUE_DEPTH = "queue_depth";
  public static final String VM_ID = "vm_id";
  public static final String AGENT_TYPE = "agent_type";
  public static final String REPO_URL = "repo_url";
  public static final String BRANCH = "branch";
  public static final String MODEL = "model";
  public static final String TOKENS = "tokens";
  public static final String FILE_COUNT = "file_count";
  public static final String BYTES = "bytes";
  public static final String COMMIT_SHA = "commit_sha";
  public static final String PR_NUMBER = "pr_number";
  public static final String PR_URL = "pr_url";
  public static final String DURATION_MS = "duration_ms";

  private final Tracer tracer;

  SwarmSpans(Tracer tracer) {
    this.tracer = tracer;
  }

  private static Map<String, String> parentTypes() {
    Map<String, String> parents = new LinkedHashMap<>();
    parents.put(TICKET_CLAIM, HTTP_REQUEST);
    parents.put(VM_SPAWN, TICKET_CLAIM);
    parents.put(AGENT_EXECUTE, VM_SPAWN);
    for (String step : List.of(GIT_CLONE, LLM_GENERATE, FILE_WRITE, GIT_COMMIT, GIT_PUSH, PR_CREATE)) {
      parents.put(step, AGENT_EXECUTE);
    }
    parents.put(TICKET_COMPLETE, HTTP_REQUEST);
    return Map.copyOf(parents);
  }

  /**
   * A root {@code http.request} server span, for code that does not go through {@link TracingHandler} (jobs,
   * simulators). Set {@code status_code} with {@link #httpResponse} before ending it.
   */
  public Span httpRequest(String method, String pathTemplate) {
    return tracer
        .spanBuilder(HTTP_REQUEST)
        .setKind(SpanKind.SERVER)
        .setNoParent()
        .setAttribute(METHOD, method)
        .setAttribute(PATH, pathTemplate)
        .startSpan();
  }

  /** Records the answer on an {@code http.request} span: {@code status_code}, and status error for 5xx. */
  public static Span httpResponse(Span request, int statusCode) {
    request.setAttribute(STATUS_CODE, statusCode);
    return request.setStatus(statusCode >= 500 ? SpanStatus.ERROR : SpanStatus.OK);
  }

  /**
   * {@code ticket.claim}: sets {@code ticket_id} and {@code agent_id} on this span and, where still unset, on
   * the current (request) span, so {@code ticket.complete}, a sibling, inherits them too.
   */
  public Span ticketClaim(String ticketId, String agentId) {
    Span parent = tracer.currentSpan();
    if (parent != null && !parent.isEnded()) {
      if (parent.ticketId() == null) {
        parent.setTicketId(ticketId);
      }
      if (parent.agentId() == null) {
        parent.setAgentId(agentId);
      }
    }
    return tracer.spanBuilder(TICKET_CLAIM).setTicketId(ticketId).setAgentId(agentId).startSpan();
  }

  /** {@code ticket.claim} with the depth of the ticket queue at claim time (read by the dashboards). */
  public Span ticketClaim(String ticketId, String agentId, long queueDepth) {
    return ticketClaim(ticketId, agentId).setAttribute(QUEUE_DEPTH, queueDepth);
  }

  /** {@code vm.spawn}: {@code method} is how the VM is obtained, e.g. cold, warm_pool, snapshot. */
  public Span vmSpawn(String vmId, String method) {
    return start(VM_SPAWN, SpanKind.CLIENT).setAttribute(VM_ID, vmId).setAttribute(METHOD, method);
  }

  public Span agentExecute(String agentType) {
    return start(AGENT_EXECUTE, SpanKind.INTERNAL).setAttribute(AGENT_TYPE, agentType);
  }

  /**
   * {@code agent.execute} inside the VM, under the platform's {@code vm.spawn} span handed over in the VM's
   * environment: {@code agentExecute(TraceHeaders.fromEnvironment(System.getenv()), type)}. A null parent
   * (variables missing) starts a new trace rather than failing the agent.
   */
  public Span agentExecute(SpanContext vmSpawn, String agentType) {
    return tracer
        .spanBuilder(AGENT_EXECUTE)
        .setParent(vmSpawn)
        .setAttribute(AGENT_TYPE, agentType)
        .startSpan();
  }

  public Span gitClone(String repoUrl, String branch) {
    return start(GIT_CLONE, SpanKind.CLIENT).setAttribute(REPO_URL, redactUrl(repoUrl)).setAttribute(BRANCH, branch);
  }

  /** {@code llm.generate} when the token count is known up front; else see {@link #llmGenerate(String)}. */
  public Span llmGenerate(String model, long tokens) {
    return llmGenerate(model).setAttribute(TOKENS, tokens);
  }

  /** {@code llm.generate}; set {@link #TOKENS} on the span when the answer arrives. Never record prompts. */
  public Span llmGenerate(String model) {
    return start(LLM_GENERATE, SpanKind.CLIENT).setAttribute(MODEL, model);
  }

  public Span fileWrite(long fileCount, long bytes) {
    return start(FILE_WRITE, SpanKind.INTERNAL).setAttribute(FILE_COUNT, fileCount).setAttribute(BYTES, bytes);
  }

  public Span gitCommit(String commitSha) {
    return start(GIT_COMMIT, SpanKind.INTERNAL).setAttribute(COMMIT_SHA, commitSha);
  }

  public Span gitPush(String branch) {
    return start(GIT_PUSH, SpanKind.CLIENT).setAttribute(BRANCH, branch);
  }

  public Span prCreate(long prNumber, String prUrl) {
    return start(PR_CREATE, SpanKind.CLIENT).setAttribute(PR_NUMBER, prNumber).setAttribute(PR_URL, redactUrl(prUrl));
  }

  /** {@code ticket.complete}: {@code durationMs} is the ticket's whole duration, claim to completion. */
  public Span ticketComplete(long durationMs) {
    return start(TICKET_COMPLETE, SpanKind.INTERNAL).setAttribute(DURATION_MS, durationMs);
  }

  private Span start(String name, SpanKind kind) {
    return tracer.spanBuilder(name).setKind(kind).startSpan();
  }

  /**
   * The URL without user info, query or fragment ({@code https://x-access-token:ghp_…@github.com/o/r.git} becomes
   * {@code https://github.com/o/r.git}); scp-style git addresses ({@code git@host:o/r.git}) pass unchanged.
   */
  public static String redactUrl(String url) {
    if (url == null) {
      return null;
    }
    try {
      URI uri = new URI(url);
      if (uri.getScheme() == null || uri.getHost() == null) {
        return stripQuery(url);
      }
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
    } catch (URISyntaxException e) {
      // Unparseable: drop anything up to an '@' after the scheme, and the query.
      String s = stripQuery(url);
      int scheme = s.indexOf("://");
      int at = s.lastIndexOf('@');
      return scheme >= 0 && at > scheme ? s.substring(0, scheme + 3) + s.substring(at + 1) : s;
    }
  }

  private static String stripQuery(String url) {
    int cut = url.length();
    for (char c : new char[] {'?', '#'}) {
      int i = url.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    return url.substring(0, cut);
  }
}
