-- Retention deletes the traces storage wrote least recently (trace_summaries.updated_at is set by every write of
-- a trace): this index finds them, and the oldest write time, without scanning. updated_at only grows, so new
-- entries land at the right edge of the index.
CREATE INDEX trace_summaries_by_updated ON trace_summaries(updated_at);
