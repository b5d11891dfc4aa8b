package dev.swarm.pipeline.storage;

/**
 * What one committed batch wrote.
 *
 * @param traces distinct traces in the batch (each got its summary written)
 * @param spans span rows upserted (a replayed span counts again)
 * @param recomputedTraces traces whose summary was recomputed from all their stored spans
 */
public record WriteResult(int traces, int spans, int recomputedTraces) {}
