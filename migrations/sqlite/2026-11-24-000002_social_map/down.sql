DROP TABLE assignments;
DROP TABLE service_contacts;
DROP TABLE service_networks;
DROP TABLE service_themes;
DROP TABLE services;
DROP TABLE partners;
DROP TABLE themes;
