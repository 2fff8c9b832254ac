DROP TABLE case_consents;
DROP TABLE case_contacts;
DROP TABLE case_needs;
DROP TABLE case_themes;
DROP TABLE cases;
DROP TABLE case_counters;
