-- One row per trace, written in the same transaction as its spans. Trace search reads only this table
-- (plus a keyed probe into agent_traces for span_name), so agent_traces needs no secondary index.
--
-- Times are the contract's ISO-8601 text (UTC, exactly 3 fractional digits), which sorts like the
-- instant it names. verdict is never 'late': late spans are merged and the verdict recomputed.
-- tenant_id / ticket_id / agent_id come from the root span, else from the first span that has them.
CREATE TABLE trace_summaries (
  trace_id TEXT PRIMARY KEY,
  tenant_id TEXT,
  ticket_id TEXT,
  agent_id TEXT,
  root_span_id TEXT,
  root_span_name TEXT,
  start_time TEXT NOT NULL,
  end_time TEXT,
  duration_ms INTEGER,
  span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL DEFAULT 0,
  orphan_count INTEGER NOT NULL DEFAULT 0,
  root_count INTEGER NOT NULL DEFAULT 0,
  cycle_count INTEGER NOT NULL DEFAULT 0,
  complete INTEGER NOT NULL CHECK(complete IN (0, 1)),
  verdict TEXT NOT NULL CHECK(verdict IN ('complete', 'incomplete', 'evicted')),
  first_seen TEXT,
  emitted_at TEXT,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Newest first, with trace_id as the tie-breaker that the paging cursor also uses.
CREATE INDEX trace_summaries_by_start ON trace_summaries(start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_tenant ON trace_summaries(tenant_id, start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_ticket ON trace_summaries(ticket_id, start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_agent ON trace_summaries(agent_id, start_time DESC, trace_id DESC);
