DROP INDEX cases_opened_profile;
