package dev.swarm.pipeline.storage;

/** One bad query parameter: which, and what is wrong with it. */
public record QueryParameterError(String field, String message) {}
