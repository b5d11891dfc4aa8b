-- Searches by status=error and complete=false: without these they read every summary newest first until a page
-- fills, which takes the whole table when such traces are rare (1.5 s and 0.5 s on 2.9M spans). Partial indexes
-- hold only those traces, in the search's order; the query names the literal condition so SQLite can use them.
CREATE INDEX trace_summaries_with_errors ON trace_summaries(start_time, trace_id) WHERE error_count > 0;
CREATE INDEX trace_summaries_incomplete ON trace_summaries(start_time, trace_id) WHERE complete = 0;
