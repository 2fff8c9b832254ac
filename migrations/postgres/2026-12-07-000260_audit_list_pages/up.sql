-- A list read's cases are found by its page, not by a GIN entry per case. A worker opens the same
-- list many times a day and gets the same page back: the GIN index (migration 000240) took the
-- page's 50 cases as 50 entries for every one of those reads (measured with `pg_stat_statements`:
-- 90 µs of PostgreSQL's time and 5.5 kB of WAL per list event inserted with it, 26 µs and 2.8 kB
-- with the table's other indexes alone).
--
-- Now the first read of a page (the page's *representative*) gets one `audit_event_cases` row per
-- case, as every event did before 000240; every read of that page is found from the
-- representative through a B-tree index on the md5 of the page (`audit_events_listed_page`): one
-- small index entry per list read. The expression is `AuditRow::listed_cases`; the access log
-- (`db::audit::list`) and the sealer (`db::audit::new_pages`) use it word for word, so
-- the planner uses the index. The md5 only finds candidates: the access log also checks that the
-- page names the case, so no collision can put a read in another case's log.
CREATE INDEX audit_events_listed_page ON audit_events
    (md5(COALESCE(case_ids, CASE WHEN object_type = 'case' THEN object_ids END)))
    WHERE object_ids IS NOT NULL;

-- Every page read so far gets its representative: the earliest read of it.
INSERT INTO audit_event_cases (case_id, seq)
    SELECT DISTINCT listed.case_id, first.seq
    FROM (
        SELECT DISTINCT ON (page) seq, page
        FROM (
            SELECT seq, COALESCE(case_ids, CASE WHEN object_type = 'case' THEN object_ids END) AS page
            FROM audit_events
            WHERE object_ids IS NOT NULL
        ) pages
        WHERE page IS NOT NULL
        ORDER BY page, seq
    ) first,
    unnest(string_to_array(first.page, ' ')) AS listed(case_id)
    WHERE listed.case_id <> ''
ON CONFLICT DO NOTHING;

DROP INDEX audit_events_listed;

-- Statistics for the new expression, which the planner has none of until the table is analysed
-- (autovacuum may be off, or come late).
ANALYZE audit_events;
