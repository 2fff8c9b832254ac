-- PostgreSQL only (see its migration): SQLite keeps one `audit_event_cases` row per case a list
-- read names, as before, and neither compresses nor moves rows out of line.
SELECT 1;
