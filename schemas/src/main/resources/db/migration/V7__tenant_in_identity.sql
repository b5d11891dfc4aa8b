-- The tenant is part of a stored span's and a trace's identity: a span is (trace_id, tenant_id, id), a trace is
-- (trace_id, tenant_id). Before, a span posted with another tenant's (trace_id, id) replaced that tenant's row and
-- its summary followed; now the two tenants each keep their own trace, and every read filters by the caller's tenant.
--
-- tenant_id becomes NOT NULL with '' for spans that name no tenant: a tenant id is never empty, and NULL in a key
-- column would make SQLite treat every such row as distinct (a replay would duplicate it). Readers show '' as no
-- tenant. The key keeps trace_id first, so reads by trace id (of one tenant or of all) stay keyed probes.
--
-- SQLite cannot change a primary key in place: the tables are rebuilt once, copying every row (a one-time cost at
-- the first start of this version, measured in storage-verticle/README.md). A trace stored before this version whose
-- spans named different tenants becomes one trace per tenant, each with its own summary.

CREATE TABLE agent_traces_v7 (
  id TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT '' REFERENCES tenants(id),
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
  PRIMARY KEY (trace_id, tenant_id, id)
);

INSERT INTO agent_traces_v7 (id, tenant_id, ticket_id, agent_id, trace_id, parent_span_id, span_name, span_kind,
    status, start_time, end_time, duration_ms, attributes, events, created_at)
  SELECT id, coalesce(tenant_id, ''), ticket_id, agent_id, trace_id, parent_span_id, span_name, span_kind, status,
    start_time, end_time, duration_ms, attributes, events, created_at
  FROM agent_traces ORDER BY rowid;

DROP TABLE agent_traces;

ALTER TABLE agent_traces_v7 RENAME TO agent_traces;

CREATE TABLE trace_summaries_v7 (
  trace_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT '',
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
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  first_span_count INTEGER,
  PRIMARY KEY (trace_id, tenant_id)
);

-- A trace whose spans were all of one tenant keeps its summary (counts, verdict, first_span_count) under that tenant.
INSERT INTO trace_summaries_v7 (trace_id, tenant_id, ticket_id, agent_id, root_span_id, root_span_name, start_time,
    end_time, duration_ms, span_count, error_count, orphan_count, root_count, cycle_count, complete, verdict,
    first_seen, emitted_at, updated_at, first_span_count)
  SELECT s.trace_id, coalesce(s.tenant_id, ''), s.ticket_id, s.agent_id, s.root_span_id, s.root_span_name,
    s.start_time, s.end_time, s.duration_ms, s.span_count, s.error_count, s.orphan_count, s.root_count,
    s.cycle_count, s.complete, s.verdict, s.first_seen, s.emitted_at, s.updated_at, s.first_span_count
  FROM trace_summaries s
  WHERE NOT EXISTS (SELECT 1 FROM agent_traces a WHERE a.trace_id = s.trace_id
    AND a.tenant_id <> coalesce(s.tenant_id, ''));

-- A trace whose spans named several tenants: one summary per tenant, from that tenant's spans. Shape counts need the
-- tree, which SQL cannot walk cheaply: such a part is stored as incomplete with the counts its spans give directly
-- (roots = spans without a parent); the next write of the trace recomputes it exactly.
INSERT INTO trace_summaries_v7 (trace_id, tenant_id, ticket_id, agent_id, root_span_id, root_span_name, start_time,
    end_time, duration_ms, span_count, error_count, orphan_count, root_count, cycle_count, complete, verdict,
    first_seen, emitted_at, updated_at, first_span_count)
  SELECT a.trace_id, a.tenant_id, max(a.ticket_id), max(a.agent_id),
    max(CASE WHEN a.parent_span_id IS NULL THEN a.id END), max(CASE WHEN a.parent_span_id IS NULL THEN a.span_name END),
    min(a.start_time), max(coalesce(a.end_time, a.start_time)),
    CAST(round((julianday(max(coalesce(a.end_time, a.start_time))) - julianday(min(a.start_time))) * 86400000) AS INTEGER),
    count(*), count(CASE WHEN a.status = 'error' THEN 1 END), 0, sum(a.parent_span_id IS NULL), 0, 0, 'incomplete',
    s.first_seen, s.emitted_at, s.updated_at, NULL
  FROM agent_traces a JOIN trace_summaries s ON s.trace_id = a.trace_id
  WHERE EXISTS (SELECT 1 FROM agent_traces b WHERE b.trace_id = s.trace_id AND b.tenant_id <> coalesce(s.tenant_id, ''))
  GROUP BY a.trace_id, a.tenant_id;

DROP TABLE trace_summaries;

ALTER TABLE trace_summaries_v7 RENAME TO trace_summaries;

-- The indexes of V2, V4 and V5, on the new table.
CREATE INDEX trace_summaries_by_start ON trace_summaries(start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_tenant ON trace_summaries(tenant_id, start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_ticket ON trace_summaries(ticket_id, start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_agent ON trace_summaries(agent_id, start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_updated ON trace_summaries(updated_at);
CREATE INDEX trace_summaries_with_errors ON trace_summaries(start_time, trace_id) WHERE error_count > 0;
CREATE INDEX trace_summaries_incomplete ON trace_summaries(start_time, trace_id) WHERE complete = 0;

-- The Zipkin read API's tables (V3) per tenant: a tenant lists only its own services and span names, and the cap on
-- span names per service counts each tenant's own, so one tenant's generated names cannot hide another's.
CREATE TABLE service_span_names_v7 (
  tenant_id TEXT NOT NULL,
  service_name TEXT NOT NULL,
  span_name TEXT NOT NULL,
  PRIMARY KEY (tenant_id, service_name, span_name)
) WITHOUT ROWID;

-- From the spans themselves: the old table did not say whose names they were.
INSERT OR IGNORE INTO service_span_names_v7 (tenant_id, service_name, span_name)
  SELECT DISTINCT a.tenant_id,
    coalesce(nullif(lower(json_extract(a.attributes, '$."service.name"')), ''), 'unknown'), lower(a.span_name)
  FROM agent_traces a;

DROP TABLE service_span_names;

ALTER TABLE service_span_names_v7 RENAME TO service_span_names;

-- The trace's tenant after the trace id: a service's traces stay in time order for searches of every tenant, and a
-- tenant's search filters the service's rows by the key's last column.
CREATE TABLE trace_services_v7 (
  service_name TEXT NOT NULL,
  start_time TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  PRIMARY KEY (service_name, start_time, trace_id, tenant_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO trace_services_v7 (service_name, start_time, trace_id, tenant_id)
  SELECT t.service_name, t.start_time, t.trace_id, a.tenant_id
  FROM trace_services t JOIN agent_traces a ON a.trace_id = t.trace_id
  GROUP BY t.service_name, t.start_time, t.trace_id, a.tenant_id;

DROP TABLE trace_services;

ALTER TABLE trace_services_v7 RENAME TO trace_services;
