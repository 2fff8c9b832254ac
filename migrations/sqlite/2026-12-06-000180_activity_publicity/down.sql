ALTER TABLE activities DROP COLUMN folders;
ALTER TABLE activities DROP COLUMN posters;
