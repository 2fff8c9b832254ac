//! What every request can reach: the database, the token keys, the settings, shared figures.
//! Below `api` and `startup`, so handlers and the server both depend on it, never the reverse.

pub mod client;
pub mod figure_cache;
pub mod runner;

use crate::auth::jwt::Jwt;
use crate::config::Settings;
use crate::db::Db;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub jwt: Jwt,
    pub settings: Settings,
    /// Statistics shared for `STATS_CACHE_SECONDS` (see `figure_cache`).
    pub figures: figure_cache::FigureCache,
    /// Signs audit checkpoints (`AUDIT_SIGNING_KEY_FILE`).
    pub audit_key: crate::auth::audit_key::AuditKey,
    /// The peers whose forwarding headers are believed (`TRUSTED_PROXIES`).
    pub proxies: client::TrustedProxies,
}

/// The request id of the current request (taken from `X-Request-Id` or generated).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);
