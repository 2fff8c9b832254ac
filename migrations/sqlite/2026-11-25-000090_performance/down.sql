DROP INDEX cases_school_status_opened;
DROP INDEX cases_opened_profile;
