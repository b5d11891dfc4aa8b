package dev.swarm.pipeline.schema;

/**
 * Attribute names and markers that carry what the OpenTelemetry and Zipkin formats say outside the contract's own
 * fields: ingest writes them when translating an OTLP or Zipkin span, storage reads them back for the Zipkin and Tempo
 * reads. Spelled once here so the two sides cannot drift apart.
 */
public final class InteropAttributes {
  private InteropAttributes() {}

  /** The span's service: the OTLP resource's {@code service.name}, Zipkin's {@code localEndpoint.serviceName}. */
  public static final String SERVICE_NAME = "service.name";

  /** A kind the contract has no value for ({@code producer}, {@code consumer}), kept as sent. */
  public static final String SPAN_KIND = "otel.span_kind";

  /** Appended to the id of the server half of a Zipkin span shared between client and server. */
  public static final String SHARED_SPAN_SUFFIX = ":server";

  /** The service of spans that name none, as Zipkin and Grafana list them. */
  public static final String UNKNOWN_SERVICE = "unknown";
}
