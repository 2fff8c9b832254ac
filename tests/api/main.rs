//! The one integration-test binary: the real HTTP API against a real database (SQLite files by
//! default, PostgreSQL when `TEST_DATABASE_URL` is set).

mod helpers;

mod allocation;
mod audit;
mod auth;
mod cases;
mod cli;
mod consults;
mod errors;
mod health;
mod meetings;
mod openapi;
mod presence;
mod social_map;
mod tokens;
