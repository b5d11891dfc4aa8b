package dev.swarm.tracer;

import java.util.Map;

/** Something that happened at one instant during a span. Attributes are immutable, in insertion order. */
public record SpanEvent(String name, long epochMillis, Map<String, Object> attributes) {}
