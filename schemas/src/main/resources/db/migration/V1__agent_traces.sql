-- One row per span: the design's agent_traces columns, types, CHECKs, REFERENCES and defaults.
--
-- Deviation from the design: span ids are unique only within a trace (Zipkin B3 shares one id between
-- the client and the server span of a call; some clients number spans 1..n), so `id` keeps the span id
-- exactly as sent and the primary key is (trace_id, id). Two traces that use the same span id both keep
-- their rows; a replayed span of the same trace updates its row (INSERT ... ON CONFLICT(trace_id, id)).
--
-- Layout: an ordinary rowid table, so rows are appended in arrival order (the rows of one trace arrive
-- together and stay clustered), and the (trace_id, id) key lives in its own narrow index (~70 bytes a
-- span), the only structure written in random order. Measured on the 2-core dev machine with 1M realistic spans
-- (storage-verticle/README.md): ~1.45x the insert rate of a WITHOUT ROWID table keyed (trace_id, id), whose
-- random trace ids split wide row pages, and 8% smaller; ~1.7x the design's random single-column key.
-- No other index: trace search goes through trace_summaries (V2).
--
-- Foreign keys stay OFF on every connection (PRAGMA foreign_keys=OFF): spans name tenants, tickets and
-- agents this database may not know, and a span must never be rejected for that. The REFERENCES clauses
-- document the relation for the shared swarm.db, where those tables live; SQLite accepts them even
-- when the referenced tables do not exist.
CREATE TABLE agent_traces (
  id TEXT NOT NULL,
  tenant_id TEXT REFERENCES tenants(id),
  ticket_id TEXT REFERENCES tickets(id),
  agent_id TEXT REFERENCES agents(id),
  trace_id TEXT NOT NULL,
  parent_span_id TEXT,
  span_name TEXT NOT NULL,
  span_kind TEXT CHECK(span_kind IN ('internal', 'client', 'server')),
  status TEXT CHECK(status IN ('ok', 'error', 'unset')),
  start_time TEXT NOT NULL,
  end_time TEXT,
  duration_ms INTEGER,
  attributes JSON DEFAULT '{}',
  events JSON DEFAULT '[]',
  created_at TEXT DEFAULT (datetime('now')),
  PRIMARY KEY (trace_id, id)
);
