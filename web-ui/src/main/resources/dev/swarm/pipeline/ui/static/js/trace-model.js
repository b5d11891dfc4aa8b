// The trace as arrays: the tree of GET /api/traces/{id} flattened ONCE into preorder, with everything the pages
// derive from it (depth, self time, critical path, roll-ups). No DOM here. Every walk is iterative (explicit
// stacks or index loops), so a chain 10,000+ spans deep costs no call stack.

/** The eleven Swarm ticket lifecycle stages, in order (docs/instrumentation.md). */
export const STAGES = ['http.request', 'ticket.claim', 'vm.spawn', 'agent.execute', 'git.clone', 'llm.generate',
  'file.write', 'git.commit', 'git.push', 'pr.create', 'ticket.complete'];

/** Milliseconds since the epoch of an API time ("2026-11-27T23:24:23.123Z"), NaN when absent or unreadable. */
export function parseTime(text) {
  return typeof text === 'string' ? Date.parse(text) : NaN;
}

/** The service a span names (attribute service.name, as the Zipkin reads use), or null. */
export function serviceOf(span) {
  const a = span.attributes;
  const s = a && typeof a === 'object' ? a['service.name'] : undefined;
  return typeof s === 'string' && s !== '' ? s : null;
}

/**
 * Builds the model of one trace document.
 *
 * nodes[i]: { span, depth, parent (node index or -1), children (node indexes, in the API's order), group,
 *             start, end, dur, end index of the subtree (exclusive) in `subtreeEnd` }
 * groups[g]: { first, end (node index range), marker: null for the root tree, else
 *             { kind: 'missing-parent' | 'extra-root' | 'cycle', parentId } }
 */
export function buildModel(trace) {
  const nodes = [];
  const groups = [];
  const tops = [];
  if (trace.root) tops.push({ span: trace.root, orphan: false });
  for (const o of Array.isArray(trace.orphans) ? trace.orphans : []) tops.push({ span: o, orphan: true });

  // Preorder, iteratively; children keep the API's order (start time, then id).
  for (const top of tops) {
    const first = nodes.length;
    const stack = [[top.span, 0, -1]];
    while (stack.length > 0) {
      const [span, depth, parent] = stack.pop();
      const index = nodes.length;
      const start = parseTime(span.start_time);
      let end = parseTime(span.end_time);
      if (Number.isNaN(end)) end = typeof span.duration_ms === 'number' ? start + span.duration_ms : start;
      const dur = typeof span.duration_ms === 'number' ? span.duration_ms : Math.max(0, end - start);
      nodes.push({ span, depth, parent, children: [], group: groups.length, start, end, dur, self: dur });
      if (parent >= 0) nodes[parent].children.push(index);
      const kids = Array.isArray(span.children) ? span.children : [];
      for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], depth + 1, index]);
    }
    groups.push({ first, end: nodes.length, orphan: top.orphan, marker: null });
  }

  const n = nodes.length;
  const subtreeEnd = new Int32Array(n);
  for (let i = 0; i < n; i++) subtreeEnd[i] = i + 1;
  for (let i = n - 1; i >= 0; i--) {
    const p = nodes[i].parent;
    if (p >= 0 && subtreeEnd[i] > subtreeEnd[p]) subtreeEnd[p] = subtreeEnd[i];
  }

  const byId = new Map();
  for (let i = 0; i < n; i++) if (!byId.has(nodes[i].span.id)) byId.set(nodes[i].span.id, i);

  for (const g of groups) {
    if (!g.orphan) continue;
    const span = nodes[g.first].span;
    const parentId = span.parent_span_id;
    if (parentId == null || parentId === '') g.marker = { kind: 'extra-root', parentId: null };
    else if (byId.has(parentId)) g.marker = { kind: 'cycle', parentId };
    else g.marker = { kind: 'missing-parent', parentId };
  }

  let traceStart = Infinity;
  let traceEnd = -Infinity;
  let maxDepth = 0;
  let errors = 0;
  const services = new Set();
  for (const node of nodes) {
    if (node.start < traceStart) traceStart = node.start;
    if (node.end > traceEnd) traceEnd = node.end;
    if (node.depth > maxDepth) maxDepth = node.depth;
    if (node.span.status === 'error') errors++;
    const s = serviceOf(node.span);
    if (s) services.add(s);
  }
  if (n === 0) {
    traceStart = parseTime(trace.start_time) || 0;
    traceEnd = parseTime(trace.end_time) || traceStart;
  }
  return {
    trace, nodes, groups, subtreeEnd, byId, traceStart, traceEnd, span: Math.max(1, traceEnd - traceStart),
    maxDepth: n === 0 ? 0 : maxDepth + 1, errors, services: [...services].sort(),
    critical: new Uint8Array(n),
  };
}

/**
 * Self time of every node: its duration minus the union of its children's intervals, clipped to its own.
 * Sets node.self; returns the table per span name, heaviest self time first.
 */
export function selfTimes(model) {
  const table = new Map();
  for (const node of model.nodes) {
    let covered = 0;
    if (node.children.length > 0) {
      const iv = [];
      for (const c of node.children) {
        const child = model.nodes[c];
        const s = Math.max(child.start, node.start);
        const e = Math.min(child.end, node.end);
        if (e > s) iv.push([s, e]);
      }
      iv.sort((a, b) => a[0] - b[0]);
      let cs = -Infinity;
      let ce = -Infinity;
      for (const [s, e] of iv) {
        if (s > ce) {
          if (ce > cs) covered += ce - cs;
          cs = s;
          ce = e;
        } else if (e > ce) {
          ce = e;
        }
      }
      if (ce > cs) covered += ce - cs;
    }
    node.self = Math.max(0, node.dur - covered);
    const name = node.span.span_name;
    let row = table.get(name);
    if (!row) table.set(name, row = { name, count: 0, total: 0, self: 0, max: 0, errors: 0 });
    row.count++;
    row.total += node.dur;
    row.self += node.self;
    if (node.dur > row.max) row.max = node.dur;
    if (node.span.status === 'error') row.errors++;
  }
  return [...table.values()].sort((a, b) => b.self - a.self || a.name.localeCompare(b.name));
}

/**
 * Marks model.critical[i] = 1 for the spans on the critical path of every tree (root and orphan subtrees). A span's
 * work lasts until its subtree's last end (Swarm children may outlive their parents: agent.execute runs on after
 * vm.spawn has ended). From a span: the child whose subtree finished last, then the child that finished last
 * before that one started, and so on, each followed down the same way. Explicit stack.
 */
export function criticalPath(model) {
  const nodes = model.nodes;
  const n = nodes.length;
  const reach = new Float64Array(n);
  for (let i = 0; i < n; i++) reach[i] = nodes[i].end;
  for (let i = n - 1; i >= 0; i--) {
    const p = nodes[i].parent;
    if (p >= 0 && reach[i] > reach[p]) reach[p] = reach[i];
  }
  const crit = model.critical;
  crit.fill(0);
  const stack = [];
  for (const g of model.groups) {
    if (g.end > g.first) stack.push([g.first, reach[g.first]]);
  }
  while (stack.length > 0) {
    const [i, bound] = stack.pop();
    crit[i] = 1;
    const node = nodes[i];
    if (node.children.length === 0) continue;
    const kids = node.children.slice().sort((a, b) => reach[b] - reach[a] || nodes[b].start - nodes[a].start);
    let t = bound;
    for (const c of kids) {
      if (nodes[c].start < t) {
        stack.push([c, Math.min(reach[c], t)]);
        t = nodes[c].start;
      }
    }
  }
  return crit;
}

/** LLM calls and tokens by model (llm.generate spans, attributes model and tokens). */
export function llmByModel(model) {
  const rows = new Map();
  let calls = 0;
  let tokens = 0;
  for (const node of model.nodes) {
    if (node.span.span_name !== 'llm.generate') continue;
    const a = node.span.attributes || {};
    const name = typeof a.model === 'string' && a.model !== '' ? a.model : '(no model attribute)';
    const t = Number(a.tokens);
    let row = rows.get(name);
    if (!row) rows.set(name, row = { model: name, calls: 0, tokens: 0, errors: 0 });
    row.calls++;
    calls++;
    if (Number.isFinite(t)) {
      row.tokens += t;
      tokens += t;
    }
    if (node.span.status === 'error') row.errors++;
  }
  return { rows: [...rows.values()].sort((a, b) => b.tokens - a.tokens || a.model.localeCompare(b.model)), calls, tokens };
}

/** For each of the eleven stages: present, missing or failed (a span of it has status error), with counts. */
export function lifecycle(model) {
  const counts = new Map(STAGES.map((s) => [s, { stage: s, count: 0, errors: 0 }]));
  for (const node of model.nodes) {
    const row = counts.get(node.span.span_name);
    if (row) {
      row.count++;
      if (node.span.status === 'error') row.errors++;
    }
  }
  return STAGES.map((s) => {
    const r = counts.get(s);
    return { ...r, state: r.errors > 0 ? 'failed' : r.count > 0 ? 'present' : 'missing' };
  });
}

/** Spans that start before their parent: clock skew between hosts. Raw times, never adjusted. */
export function clockSkew(model) {
  const out = [];
  for (let i = 0; i < model.nodes.length; i++) {
    const node = model.nodes[i];
    if (node.parent < 0) continue;
    const parent = model.nodes[node.parent];
    if (node.start < parent.start) out.push({ node: i, parent: node.parent, by: parent.start - node.start });
  }
  return out;
}

/** Per span name: count, total duration, errors; plus LLM figures and outcome. For comparing attempts. */
export function stageSummary(model) {
  const stages = new Map();
  for (const node of model.nodes) {
    const name = node.span.span_name;
    let row = stages.get(name);
    if (!row) stages.set(name, row = { name, count: 0, total: 0, errors: 0 });
    row.count++;
    row.total += node.dur;
    if (node.span.status === 'error') row.errors++;
  }
  let outcome = null;
  for (const node of model.nodes) {
    if (node.span.span_name === 'ticket.complete' && node.span.attributes && node.span.attributes.outcome != null) {
      outcome = String(node.span.attributes.outcome);
    }
  }
  return { stages, llm: llmByModel(model), outcome };
}

/** Lower-case text a find query is matched against: name, ids, status, kind, attributes, events. */
export function searchText(span) {
  const parts = [span.span_name, span.id, span.status || '', span.span_kind || ''];
  const a = span.attributes;
  if (a && typeof a === 'object') {
    for (const [k, v] of Object.entries(a)) parts.push(k + '=' + (typeof v === 'string' ? v : JSON.stringify(v)));
  }
  for (const e of Array.isArray(span.events) ? span.events : []) parts.push(e.name);
  return parts.join('\n').toLowerCase();
}

/** The span without its children, as the detail view shows it raw. */
export function spanOnly(span) {
  const copy = {};
  for (const [k, v] of Object.entries(span)) if (k !== 'children') copy[k] = v;
  return copy;
}
