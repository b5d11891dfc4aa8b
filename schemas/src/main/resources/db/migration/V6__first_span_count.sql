-- How many spans a trace had when storage first wrote it. The spans it gained later (late or evicted-then-completed
-- traces) are span_count - first_span_count: an honest count of late merges that replays cannot inflate, since a
-- replayed span replaces its row and the first write is never redone. NULL for traces written before V6.
ALTER TABLE trace_summaries ADD COLUMN first_span_count INTEGER;
