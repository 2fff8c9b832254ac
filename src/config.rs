//! Typed configuration. Every knob is an environment variable (and a `serve` flag), with the
//! default shown in the README's table.

use std::path::PathBuf;
use std::time::Duration;

use crate::db::DbOptions;

#[derive(clap::Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// `postgres://…` for PostgreSQL; anything else is the path of an SQLite file.
    #[arg(long, env = "DATABASE_URL", default_value = "kinderen-eerst.db")]
    pub database_url: String,
    /// Connections per instance (keep instances × pool size below PostgreSQL's max_connections).
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,
    /// How long to wait for a connection before answering 503.
    #[arg(long, env = "DB_CONNECT_TIMEOUT_SECONDS", default_value_t = 5)]
    pub db_connect_timeout_seconds: u64,
    /// PostgreSQL statement timeout in milliseconds (0: none).
    #[arg(long, env = "DB_STATEMENT_TIMEOUT_MS", default_value_t = 30_000)]
    pub db_statement_timeout_ms: u64,
    /// How long an SQLite writer waits for the write lock, in milliseconds.
    #[arg(long, env = "SQLITE_BUSY_TIMEOUT_MS", default_value_t = 30_000)]
    pub sqlite_busy_timeout_ms: u64,
    /// How long the group commit of audit events waits, at most, for the events of reads still
    /// running before it writes a batch, in microseconds. It waits only while other audited reads
    /// are running, so a lone read never waits (0: never).
    #[arg(long, env = "AUDIT_GROUP_COMMIT_DELAY_US", default_value_t = crate::db::audit_writer::DEFAULT_DELAY_US)]
    pub audit_group_commit_delay_us: u64,
}

impl DatabaseArgs {
    pub fn options(&self) -> DbOptions {
        DbOptions {
            url: self.database_url.clone(),
            pool_size: self.db_pool_size.max(1),
            connect_timeout: Duration::from_secs(self.db_connect_timeout_seconds.max(1)),
            statement_timeout_ms: self.db_statement_timeout_ms,
            sqlite_busy_timeout_ms: self.sqlite_busy_timeout_ms,
            audit_group_commit_delay: Duration::from_micros(self.audit_group_commit_delay_us),
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on (`host:port`; port 0 picks a free one and logs it).
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "WORKERS")]
    pub workers: Option<usize>,
    #[command(flatten)]
    pub settings: Settings,
}

/// What the running application needs to know (shared with handlers).
#[derive(clap::Args, Debug, Clone)]
pub struct Settings {
    /// HS256 signing secret (at least 32 bytes). Required on PostgreSQL; on SQLite one is
    /// generated and kept in the database when unset.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// `iss` of the tokens we issue and accept.
    #[arg(long, env = "JWT_ISSUER", default_value = "kinderen-eerst")]
    pub jwt_issuer: String,
    /// `aud` of the tokens we issue and accept.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "kinderen-eerst-api")]
    pub jwt_audience: String,
    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "JWT_TTL_SECONDS", default_value_t = 3600)]
    pub jwt_ttl_seconds: i64,
    /// PEM public key of the city's identity provider; when set, its RS256 tokens are accepted
    /// and mapped to local users by their `email` claim.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// `iss` the identity provider's tokens must carry.
    #[arg(long, env = "JWT_PUBLIC_KEY_ISSUER", default_value = "city-idp")]
    pub jwt_public_key_issuer: String,
    /// OpenID Connect issuer of the city's identity provider (e.g.
    /// `https://login.stad.example/realms/ocmw`): its tokens must carry exactly this `iss`, and
    /// its signing keys are found by discovery below it (unless `OIDC_JWKS_URL` is set). https
    /// only (http:// on a loopback address).
    #[arg(long, env = "OIDC_ISSUER_URL")]
    pub oidc_issuer_url: Option<String>,
    /// The provider's JWKS, fetched directly instead of through discovery (needs
    /// `OIDC_ISSUER_URL` too: the `iss` its tokens carry).
    #[arg(long, env = "OIDC_JWKS_URL")]
    pub oidc_jwks_url: Option<String>,
    /// `aud` the provider's tokens must carry (default: `JWT_AUDIENCE`).
    #[arg(long, env = "OIDC_AUDIENCE")]
    pub oidc_audience: Option<String>,
    /// The claim of the provider's tokens that holds the e-mail address of our user.
    #[arg(long, env = "OIDC_EMAIL_CLAIM", default_value = "email")]
    pub oidc_email_claim: String,
    /// How often the provider's keys are fetched again, in seconds.
    #[arg(long, env = "OIDC_JWKS_REFRESH_SECONDS", default_value_t = 900)]
    pub oidc_jwks_refresh_seconds: u64,
    /// The shortest time between two fetches caused by tokens naming an unknown key, in seconds.
    #[arg(long, env = "OIDC_JWKS_MIN_REFRESH_SECONDS", default_value_t = 30)]
    pub oidc_jwks_min_refresh_seconds: u64,
    /// Time one request to the provider may take (discovery, JWKS), in milliseconds.
    #[arg(long, env = "OIDC_HTTP_TIMEOUT_MS", default_value_t = 5_000)]
    pub oidc_http_timeout_ms: u64,
    /// Bearer token a scraper must send to read `/metrics`. Unset: `/metrics` answers anyone
    /// who reaches the port, like `/healthz` (it holds no personal data and no ids).
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// Seconds to let in-flight requests finish after SIGTERM.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30)]
    pub shutdown_timeout_seconds: u64,
    /// Failed logins allowed per account (the e-mail as typed) from one client address within
    /// the window; the next attempt from that client gets 429 until the window ends (0: no
    /// limit). Other clients are not affected, so nobody can lock a user out.
    #[arg(long, env = "LOGIN_MAX_FAILURES_PER_ACCOUNT", default_value_t = 5)]
    pub login_max_failures_per_account: u32,
    /// Failed logins allowed per account from all clients together within the window; past it,
    /// a client that has failed on this account once is refused (429), while a client that has
    /// not failed on it may still log in with the right password (0: no limit).
    #[arg(
        long,
        env = "LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_CLIENTS",
        default_value_t = 20
    )]
    pub login_max_failures_per_account_all_clients: u32,
    /// Failed logins allowed per client address within the window, over all accounts (0: no
    /// limit).
    #[arg(long, env = "LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 50)]
    pub login_max_failures_per_address: u32,
    /// Length of the window failed logins are counted in, in seconds.
    #[arg(long, env = "LOGIN_WINDOW_SECONDS", default_value_t = 900)]
    pub login_window_seconds: u64,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` / `X-Forwarded-Proto` headers are
    /// believed (comma-separated addresses or CIDR ranges, e.g. `172.28.0.10,10.0.0.0/8`): the
    /// client address of throttling, the audit trail and the access log, and HSTS. Empty: no
    /// forwarding header is believed.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// Origins of browser frontends allowed to call the API (comma-separated, e.g.
    /// `https://app.example.be`); empty: no cross-origin calls at all.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,
    /// Time a client gets to send a request's head, and then its body, in seconds (408 after).
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,
    /// Seconds after which an `Idempotency-Key` whose first request never finished (a crash,
    /// a lost database) and wrote nothing may be taken over by a retry. Keep it above the
    /// longest a request can take.
    #[arg(long, env = "IDEMPOTENCY_STALE_SECONDS", default_value_t = 120)]
    pub idempotency_stale_seconds: u64,
    /// E-mail of the coordinator created on the first start of an empty database.
    #[arg(
        long,
        env = "INITIAL_COORDINATOR_EMAIL",
        default_value = "coordinator@kinderen-eerst.local"
    )]
    pub initial_coordinator_email: String,
    /// Months after closing a case before its personal data is erased.
    #[arg(long, env = "RETENTION_MONTHS", default_value_t = 24)]
    pub retention_months: u32,
    /// Whether the service runs the retention pass daily itself (once per day across all
    /// instances on one database).
    #[arg(long, env = "RETENTION_JOB", default_value_t = true, action = clap::ArgAction::Set)]
    pub retention_job: bool,
    /// On PostgreSQL, whether a retention run that erased something rewrites the erased tables
    /// (`VACUUM FULL`: no copy stays in their files, but each is locked while rewritten) or only
    /// vacuums them (no lock; freed space keeps the bytes until reused).
    #[arg(long, env = "RETENTION_REWRITE_TABLES", default_value_t = true, action = clap::ArgAction::Set)]
    pub retention_rewrite_tables: bool,
    /// Statistics withhold counts under this number for every role but the coordinator (who
    /// chooses with `suppress_below`).
    #[arg(long, env = "STATS_SUPPRESS_BELOW", default_value_t = 5)]
    pub stats_suppress_below: i64,
    /// Statistics are computed once per scope and question and shared for this many seconds
    /// (answers carry an `Age` header); 0 computes every request afresh.
    #[arg(long, env = "STATS_CACHE_SECONDS", default_value_t = 30)]
    pub stats_cache_seconds: u64,
    /// Run the webhook delivery worker in this instance (several instances share the work).
    #[arg(long, env = "WEBHOOK_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhook_worker: bool,
    /// How often the delivery worker looks for due deliveries, in milliseconds.
    #[arg(long, env = "WEBHOOK_POLL_INTERVAL_MS", default_value_t = 1000)]
    pub webhook_poll_interval_ms: u64,
    /// How long one delivery attempt may take (connect, send, answer), in milliseconds.
    #[arg(long, env = "WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,
    /// Wait before the first retry, in milliseconds; doubled after each failed attempt.
    #[arg(long, env = "WEBHOOK_RETRY_BASE_MS", default_value_t = 5_000)]
    pub webhook_retry_base_ms: u64,
    /// The longest wait between two attempts, in milliseconds.
    #[arg(long, env = "WEBHOOK_RETRY_MAX_MS", default_value_t = 3_600_000)]
    pub webhook_retry_max_ms: u64,
    /// Let webhooks reach loopback, private, link-local and other non-public addresses. Off,
    /// a subscriber URL must point to the public internet, at registration and at every
    /// delivery (SSRF); turn on only for a receiver on the service's own network.
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE_NETWORKS", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private_networks: bool,
    /// Attempts before a delivery is given up as `failed`.
    #[arg(long, env = "WEBHOOK_MAX_ATTEMPTS", default_value_t = 12)]
    pub webhook_max_attempts: u32,
    /// The Ed25519 key (PKCS#8 PEM, e.g. `openssl genpkey -algorithm ed25519 -out audit-key.pem`)
    /// that signs audit checkpoints; keep it outside the database and back it up apart. Required
    /// on PostgreSQL (all instances share it); on SQLite, when unset, `<database file>.audit-key.pem`
    /// is used, and generated on first start.
    #[arg(long, env = "AUDIT_SIGNING_KEY_FILE")]
    pub audit_signing_key_file: Option<PathBuf>,
    /// How often a signed checkpoint of the audit chain is taken, in seconds (0: only on demand).
    #[arg(long, env = "AUDIT_CHECKPOINT_SECONDS", default_value_t = 3600)]
    pub audit_checkpoint_seconds: u64,
    /// How often each instance links waiting audit events into the chain, in milliseconds
    /// (anything that reads the trail links them first anyway).
    #[arg(long, env = "AUDIT_SEAL_INTERVAL_MS", default_value_t = 250)]
    pub audit_seal_interval_ms: u64,
    /// After how many events it sealed each instance's sealer vacuums the queue of waiting
    /// events (`audit_pending`, PostgreSQL), whose rows it deletes as it links them (0: never;
    /// then autovacuum must keep that table small).
    #[arg(long, env = "AUDIT_PENDING_VACUUM_EVENTS", default_value_t = 10_000)]
    pub audit_pending_vacuum_events: u64,
    /// Longest date range `GET /api/v1/office-hours` expands, in days (422 above).
    #[arg(long, env = "OFFICE_HOURS_MAX_RANGE_DAYS", default_value_t = 366)]
    pub office_hours_max_range_days: i64,
    /// How many days an answered referral or written feedback stays in the inbox.
    #[arg(long, env = "INBOX_RECENT_DAYS", default_value_t = 14)]
    pub inbox_recent_days: i64,
    /// After how many days a checklist submission not yet triaged shows in the coordinator's
    /// inbox.
    #[arg(long, env = "INBOX_SUBMISSION_WAIT_DAYS", default_value_t = 5)]
    pub inbox_submission_wait_days: i64,
    /// How many weeks of past sessions a calendar feed carries.
    #[arg(long, env = "CALENDAR_WEEKS_BACK", default_value_t = 4)]
    pub calendar_weeks_back: i64,
    /// How many weeks of coming sessions a calendar feed carries.
    #[arg(long, env = "CALENDAR_WEEKS_AHEAD", default_value_t = 26)]
    pub calendar_weeks_ahead: i64,
    /// Office-hour slots every school gets before the rest is shared by weight, when an
    /// allocation proposal does not say.
    #[arg(long, env = "ALLOCATION_MIN_SLOTS_PER_SCHOOL", default_value_t = 0)]
    pub allocation_min_slots_per_school: u32,
    /// In an allocation weight, how many pupils with an SES indicator one help request counts as.
    #[arg(long, env = "ALLOCATION_HELP_REQUEST_WEIGHT", default_value_t = 10.0)]
    pub allocation_help_request_weight: f64,
    /// Minutes a worker needs between two schools: two office hours of one worker on one day
    /// at different schools must be at least this far apart (a plan keeps to it; a hand-made
    /// assignment that does not is 409).
    #[arg(long, env = "ALLOCATION_TRAVEL_GAP_MINUTES", default_value_t = 30)]
    pub allocation_travel_gap_minutes: i64,
    /// Length of one office-hours session an allocation plan proposes, in minutes.
    #[arg(long, env = "ALLOCATION_SESSION_MINUTES", default_value_t = 120)]
    pub allocation_session_minutes: i64,
    /// Hours a week a SPOC or consult line takes of a worker's capacity in an allocation plan.
    #[arg(long, env = "ALLOCATION_CONTACT_HOURS", default_value_t = 1.0)]
    pub allocation_contact_hours: f64,
}

impl Settings {
    /// The CORS allow-list, trimmed, without empty entries or a trailing slash. Each must be an
    /// exact origin (`https://host[:port]`): no wildcard, no path.
    pub fn cors_origins(&self) -> Result<Vec<String>, String> {
        self.cors_allowed_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .map(|o| {
                let authority = o
                    .strip_prefix("https://")
                    .or_else(|| o.strip_prefix("http://"))
                    .ok_or_else(|| format!("CORS_ALLOWED_ORIGINS: `{o}` must start with https:// or http://"))?;
                if authority.is_empty()
                    || authority.contains(['/', '*', '?', '#', ' ', '@'])
                    || o.parse::<actix_web::http::Uri>().is_err()
                {
                    return Err(format!(
                        "CORS_ALLOWED_ORIGINS: `{o}` is not an origin (scheme://host[:port], no wildcard or path)"
                    ));
                }
                Ok(o)
            })
            .collect()
    }

    /// The OpenID Connect provider's settings, when `OIDC_ISSUER_URL` (or `OIDC_JWKS_URL`) is set.
    pub fn oidc(&self) -> Result<Option<crate::auth::oidc::OidcConfig>, String> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        let (issuer, jwks_url) = (given(&self.oidc_issuer_url), given(&self.oidc_jwks_url));
        let issuer = match (issuer, &jwks_url) {
            (None, None) => return Ok(None),
            (None, Some(_)) => {
                return Err("OIDC_JWKS_URL needs OIDC_ISSUER_URL too: the `iss` the identity provider's tokens carry".into());
            }
            (Some(i), _) => i,
        };
        Ok(Some(crate::auth::oidc::OidcConfig {
            issuer,
            jwks_url,
            audience: given(&self.oidc_audience).unwrap_or_else(|| self.jwt_audience.clone()),
            email_claim: self.oidc_email_claim.trim().to_string(),
            refresh_every: Duration::from_secs(self.oidc_jwks_refresh_seconds.max(1)),
            min_refresh: Duration::from_secs(self.oidc_jwks_min_refresh_seconds),
            timeout: Duration::from_millis(self.oidc_http_timeout_ms.max(1)),
        }))
    }

    /// The wait after the `attempts`-th failed attempt: base × 2^(attempts−1), capped.
    pub fn webhook_backoff(&self, attempts: u32) -> Duration {
        let exp = attempts.saturating_sub(1).min(32);
        let ms = self
            .webhook_retry_base_ms
            .saturating_mul(1u64 << exp)
            .min(self.webhook_retry_max_ms);
        Duration::from_millis(ms)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            jwt_secret: None,
            jwt_issuer: "kinderen-eerst".into(),
            jwt_audience: "kinderen-eerst-api".into(),
            jwt_ttl_seconds: 3600,
            jwt_public_key_file: None,
            jwt_public_key_issuer: "city-idp".into(),
            oidc_issuer_url: None,
            oidc_jwks_url: None,
            oidc_audience: None,
            oidc_email_claim: "email".into(),
            oidc_jwks_refresh_seconds: 900,
            oidc_jwks_min_refresh_seconds: 30,
            oidc_http_timeout_ms: 5_000,
            metrics_token: None,
            max_body_bytes: 1_048_576,
            shutdown_timeout_seconds: 30,
            login_max_failures_per_account: 5,
            login_max_failures_per_account_all_clients: 20,
            login_max_failures_per_address: 50,
            login_window_seconds: 900,
            trusted_proxies: Vec::new(),
            cors_allowed_origins: Vec::new(),
            request_timeout_seconds: 30,
            idempotency_stale_seconds: 120,
            initial_coordinator_email: "coordinator@kinderen-eerst.local".into(),
            retention_months: 24,
            retention_job: true,
            retention_rewrite_tables: true,
            stats_suppress_below: 5,
            stats_cache_seconds: 30,
            webhook_worker: true,
            webhook_poll_interval_ms: 1000,
            webhook_timeout_ms: 10_000,
            webhook_retry_base_ms: 5_000,
            webhook_retry_max_ms: 3_600_000,
            webhook_max_attempts: 12,
            webhook_allow_private_networks: false,
            audit_signing_key_file: None,
            audit_checkpoint_seconds: 3600,
            audit_seal_interval_ms: 250,
            audit_pending_vacuum_events: 10_000,
            office_hours_max_range_days: 366,
            inbox_recent_days: 14,
            inbox_submission_wait_days: 5,
            calendar_weeks_back: 4,
            calendar_weeks_ahead: 26,
            allocation_min_slots_per_school: 0,
            allocation_help_request_weight: 10.0,
            allocation_travel_gap_minutes: 30,
            allocation_session_minutes: 120,
            allocation_contact_hours: 1.0,
        }
    }
}
