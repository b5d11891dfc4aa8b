-- The trace store on PostgreSQL: the tables of the SQLite schema as it stands after its V7 (schemas module,
-- db/migration), with the same meaning, in PostgreSQL's terms. Applied by Flyway (PostgresSchema), in one transaction.
--
-- Time columns are timestamptz (UTC instants; the contract's millisecond precision is kept exactly, as microseconds).
-- The large tables are partitioned BY RANGE on the start time, one partition per UTC day, so retention drops whole
-- days (DROP TABLE of a partition: no row-by-row DELETE, no bloat, no VACUUM debt) and a search bounded in time reads
-- only its days. This script makes only the partitioned parents and a DEFAULT partition for each; the day partitions
-- are made ahead of time, and dropped after the retention, by PostgresPartitions (dates are not part of a versioned
-- script). The DEFAULT partition takes rows of days that have no partition (a client clock off by a year, spans of a
-- day before the first one made), so a write never fails for want of a partition.
--
-- Every primary key and unique index of a partitioned table must contain the partition key: the identity of a span is
-- (trace_id, tenant_id, id) as in SQLite, and its key here is (trace_id, tenant_id, id, start_time). ON CONFLICT
-- therefore only sees a replay with the same start time (a Kafka replay: the same normalised record). A span sent
-- again with another start_time would be a second row: PostgresTraceWriter deletes the span's row under any other
-- start time in the same transaction before it upserts, so a span stays one row, as in SQLite.
--
-- Keys lead with trace_id: the writer and reads without a tenant (authentication off) look traces up by id alone,
-- as in SQLite. Every search index (lists, newest first) leads with tenant_id, so a tenant's search reads only its
-- own entries.
--
-- tenant_id is NOT NULL with '' for spans that name no tenant (ReadScope.NO_TENANT), as in SQLite: NULL in a key
-- column would not conflict and a replay would duplicate the row.
--
-- Columns are ordered fixed-width first (8-byte, then 4-byte, then variable), which avoids alignment padding.
--
-- A text value cannot hold U+0000, which the contract accepts in a span name: the writer stores it as U+FFFD there (and
-- in root_span_name and the service index), where SQLite keeps it.
--
-- Attributes and events are json, not jsonb: json keeps the text exactly as sent (key order, number text such as
-- 1e400), which the API returns byte for byte, and accepts everything the span contract does, where jsonb refuses
-- an escaped NUL (\u0000), an unpaired surrogate (\uD800) and numbers beyond numeric (1e200000), which would fail a
-- batch for ever. Every JSON function of PostgreSQL (->, ->>, json_array_elements, ::jsonb) decodes the whole
-- document's escapes first and fails on those same two escapes anywhere in it, so a query (or an expression index)
-- must read coalesce(attributes_query, attributes) and coalesce(events_query, events): the writer fills the
-- *_query column only for such a span, with those escapes replaced by \uFFFD (PostgresText.queryableJson).

-- One row per span.
CREATE TABLE agent_traces (
  start_time timestamptz NOT NULL,
  end_time timestamptz,
  duration_ms bigint,
  -- When the row was last written (SQLite's INSERT OR REPLACE gives the same meaning).
  created_at timestamptz NOT NULL DEFAULT now(),
  trace_id text NOT NULL,
  tenant_id text NOT NULL DEFAULT '',
  id text NOT NULL,
  parent_span_id text,
  span_name text NOT NULL,
  span_kind text CHECK (span_kind IN ('internal', 'client', 'server')),
  status text CHECK (status IN ('ok', 'error', 'unset')),
  ticket_id text,
  agent_id text,
  -- Exactly as the span carried them (compact JSON text).
  attributes json NOT NULL DEFAULT '{}',
  events json NOT NULL DEFAULT '[]',
  -- NULL unless attributes (events) hold an escape PostgreSQL's JSON functions refuse to decode (\u0000, an unpaired
  -- surrogate): then the same text with those escapes as \uFFFD. Queries read coalesce(attributes_query, attributes).
  attributes_query json,
  events_query json,
  CONSTRAINT agent_traces_pkey PRIMARY KEY (trace_id, tenant_id, id, start_time)
) PARTITION BY RANGE (start_time);

CREATE TABLE agent_traces_default PARTITION OF agent_traces DEFAULT;

-- One row per trace of one tenant, written in the same transaction as its spans; trace search reads this table.
-- Partitioned by the trace's start time. A late span that starts before the trace moves its start: the writer
-- updates the summary with a plain UPDATE, which moves the row to the other day's partition (INSERT … ON CONFLICT DO
-- UPDATE cannot: its conflict key holds the old start_time, and PostgreSQL refuses an ON CONFLICT update that would
-- move a row to another partition).
CREATE TABLE trace_summaries (
  start_time timestamptz NOT NULL,
  end_time timestamptz,
  duration_ms bigint,
  first_seen timestamptz,
  emitted_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  span_count integer NOT NULL,
  error_count integer NOT NULL DEFAULT 0,
  orphan_count integer NOT NULL DEFAULT 0,
  root_count integer NOT NULL DEFAULT 0,
  cycle_count integer NOT NULL DEFAULT 0,
  -- How many spans the trace had when storage first wrote it (SQLite V6): never updated.
  first_span_count integer,
  complete boolean NOT NULL,
  trace_id text NOT NULL,
  tenant_id text NOT NULL DEFAULT '',
  ticket_id text,
  agent_id text,
  root_span_id text,
  root_span_name text,
  -- Never 'late': late spans are merged and the verdict recomputed.
  verdict text NOT NULL CHECK (verdict IN ('complete', 'incomplete', 'evicted')),
  CONSTRAINT trace_summaries_pkey PRIMARY KEY (trace_id, tenant_id, start_time)
) PARTITION BY RANGE (start_time);

CREATE TABLE trace_summaries_default PARTITION OF trace_summaries DEFAULT;

-- The search indexes (SQLite V2 and V5), each led by the tenant, in the search's order: newest first, trace_id as the
-- tie-breaker the paging cursor uses. An index on the partitioned parent is made on every partition, present and
-- future. No updated_at index (SQLite V4): retention here drops day partitions instead of deleting by write time.
CREATE INDEX trace_summaries_by_tenant ON trace_summaries (tenant_id, start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_ticket ON trace_summaries (tenant_id, ticket_id, start_time DESC, trace_id DESC);
CREATE INDEX trace_summaries_by_agent ON trace_summaries (tenant_id, agent_id, start_time DESC, trace_id DESC);
-- status=error and complete=false: only those traces, so rare ones are found without reading the others.
CREATE INDEX trace_summaries_with_errors ON trace_summaries (tenant_id, start_time DESC, trace_id DESC)
  WHERE error_count > 0;
CREATE INDEX trace_summaries_incomplete ON trace_summaries (tenant_id, start_time DESC, trace_id DESC)
  WHERE NOT complete;

-- The Zipkin read API's service index (SQLite V3, per tenant since V7). Service and span names lower-cased; a span's
-- service is its service.name attribute, 'unknown' without one. The writer caps span names per service
-- (ServiceIndex.MAX_SPAN_NAMES_PER_SERVICE). Small: not partitioned. A B-tree entry may not exceed 2,704 bytes and a
-- service.name attribute may be 64 KiB long: the writer cuts service and span names to 1,024 UTF-8 bytes here and
-- in trace_services (PostgresText.key), where SQLite keeps them whole.
CREATE TABLE service_span_names (
  tenant_id text NOT NULL,
  service_name text NOT NULL,
  span_name text NOT NULL,
  CONSTRAINT service_span_names_pkey PRIMARY KEY (tenant_id, service_name, span_name)
);

-- The traces a service took part in, newest first: one row per (tenant, service, trace), at the start of that
-- service's earliest span in the trace. It grows with the traces, so it is partitioned by day like them and dropped
-- with them; its key is its search index and already holds the partition key.
CREATE TABLE trace_services (
  start_time timestamptz NOT NULL,
  tenant_id text NOT NULL,
  service_name text NOT NULL,
  trace_id text NOT NULL,
  CONSTRAINT trace_services_pkey PRIMARY KEY (tenant_id, service_name, start_time, trace_id)
) PARTITION BY RANGE (start_time);

CREATE TABLE trace_services_default PARTITION OF trace_services DEFAULT;
