package dev.swarm.tracer;

/**
 * Counters of a tracer's exporter since it started.
 *
 * @param exported spans the pipeline accepted (2xx)
 * @param dropped spans discarded without a send: buffer full (oldest first), or still queued when close gave up
 * @param failed spans sent but refused (4xx other than 429) or given up on after the last retry
 * @param buffered spans waiting in the buffer now (never above the buffer capacity)
 * @param inFlight spans of the batch being sent or waiting to be retried now (at most one batch)
 */
public record ExportStats(long exported, long dropped, long failed, int buffered, int inFlight) {}
