//! The one integration-test binary: the real HTTP API against a real database (SQLite files by
//! default, PostgreSQL when `TEST_DATABASE_URL` is set).

mod helpers;

mod allocation;
mod audit;
mod auth;
mod cases;
mod checklists;
mod cli;
mod consults;
mod copy;
mod errors;
mod events;
mod faults;
mod hardening;
mod hardening_control_chars;
mod hardening_net;
mod hardening_ssrf;
mod health;
mod hsds;
mod idempotency;
mod instances;
mod layering;
mod meetings;
mod migration_parity;
mod openapi;
mod owasp_api1_bola;
mod owasp_api2_broken_authentication;
mod owasp_api3_bopla;
mod owasp_api4_resource_consumption;
mod owasp_api5_bfla;
mod owasp_api8_misconfiguration;
mod partners;
mod presence;
mod process;
mod referrals;
mod retention;
mod screening;
mod secrets_in_logs;
mod services;
mod social_map;
mod social_map_matrix;
mod stats;
mod themes;
mod tokens;
mod webhooks;
