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

-- One row per (service, trace): the traces a service took part in, newest first by the start of that service's
-- earliest span in the trace. A few rows per trace (one per service), so the trace search by service reads
-- only the traces of that service instead of every summary in the time window.
CREATE TABLE trace_services (
  service_name TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  start_time TEXT NOT NULL,
  PRIMARY KEY (service_name, trace_id)
) WITHOUT ROWID;

CREATE INDEX trace_services_by_start ON trace_services(service_name, start_time DESC, trace_id DESC);
