-- PostgreSQL only (see its migration): SQLite keeps one `audit_event_cases` row per case a list
-- read names, as before.
SELECT 1;
