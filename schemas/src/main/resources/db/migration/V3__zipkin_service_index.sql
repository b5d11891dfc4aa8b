-- What the Zipkin read API (Grafana's Zipkin data source) asks by service: GET /api/v2/services,
-- GET /api/v2/spans?serviceName=, GET /api/v2/traces?serviceName=…. Maintained by the writer in the same
-- transaction as the spans. A span's service is its `service.name` attribute (OTLP resource, Zipkin
-- localEndpoint), 'unknown' when it has none. Service and span names are lower-cased here, as Zipkin does,
-- so lookups ignore case; the spans themselves keep what was sent.

-- Distinct (service, span name) pairs; small. The writer stops adding span names to a service past a fixed
-- number (see ServiceIndex.MAX_SPAN_NAMES_PER_SERVICE), so generated names cannot grow it without bound.
CREATE TABLE service_span_names (
  service_name TEXT NOT NULL,
  span_name TEXT NOT NULL,
  PRIMARY KEY (service_name, span_name)
) WITHOUT ROWID;

-- The traces a service took part in, newest first: one row per (service, trace), keyed by the start of that
-- service's earliest span in the trace. One B-tree, and keys arrive roughly in time order within a service, so
-- rows append near the right edge instead of landing at random (a (service, trace_id) key plus a time index cost
-- about a quarter of the writer's rate; measured in docs/interop.md). A replay writes the same key again
-- (ignored); a late span that starts before the service's earlier ones adds a second row for the trace, which
-- the search collapses.
CREATE TABLE trace_services (
  service_name TEXT NOT NULL,
  start_time TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  PRIMARY KEY (service_name, start_time, trace_id)
) WITHOUT ROWID;
