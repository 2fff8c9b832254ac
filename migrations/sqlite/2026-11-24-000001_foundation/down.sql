DROP TABLE users;
DROP TABLE schools;
DROP TABLE networks;
DROP TABLE settings;
