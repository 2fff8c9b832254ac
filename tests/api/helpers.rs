//! One way to start the real service for a test: `TestApp::spawn()` gives a server on a free
//! loopback port with its own database (a fresh SQLite file, or a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` is set), and a client that speaks HTTP to it.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use kinderen_eerst::config::Settings;
use kinderen_eerst::db::{self, DbConn, DbOptions};
use kinderen_eerst::domain::Role;
use kinderen_eerst::startup;
use kinderen_eerst::state::AppState;
use kinderen_eerst::usecases::users::{CreateUser, create};
use serde_json::Value;

/// A fixed secret for tests (random, so the service's entropy check accepts it).
pub const TEST_SECRET: &str = "86f3ced48535648f36d843734916c87e34366cd49e207a295f19363744e4bacd";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub addr: String,
    pub db_url: String,
    #[allow(dead_code)]
    pub state: web::Data<AppState>,
    agent: ureq::Agent,
    handle: Option<ServerHandle>,
    thread: Option<JoinHandle<()>>,
    pg_drop: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// Asserts a problem+json answer with this status, and returns the problem.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        let p = self.json();
        for key in ["type", "code", "title", "status", "detail"] {
            assert!(p.get(key).is_some(), "problem lacks `{key}`: {p}");
        }
        assert_eq!(p["status"], status);
        // Every field error has its machine code beside its message.
        for e in p["errors"].as_array().into_iter().flatten() {
            assert!(
                e["code"].as_str().is_some_and(|c| !c.is_empty()) && e["message"].is_string(),
                "field error without code or message: {p}"
            );
        }
        // The texts are in a language the answer names, and caches keep the languages apart.
        assert!(
            matches!(self.header("content-language"), Some("nl" | "en")),
            "Content-Language: {:?}: {p}",
            self.header("content-language")
        );
        assert!(
            self.header("vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-language")),
            "Vary: {:?}",
            self.header("vary")
        );
        p
    }
}

/// A user created for a test, with a token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub token: String,
}

pub fn test_backend_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A fresh, empty database: a new PostgreSQL database next to `TEST_DATABASE_URL`'s, or an
/// SQLite file in `dir`.
fn fresh_database(dir: &std::path::Path) -> (String, Option<(String, String)>) {
    match test_backend_url() {
        Some(base) => {
            let name = format!("ke_test_{}", uuid::Uuid::new_v4().simple());
            let template = pg_template(&base);
            let mut admin = PgConnection::establish(&base).expect("TEST_DATABASE_URL is reachable");
            admin
                .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .expect("create test database");
            (pg_url(&base, &name), Some((base.clone(), name)))
        }
        None => (dir.join("test.db").to_string_lossy().into_owned(), None),
    }
}

/// `base` with its database replaced by `name`.
pub fn pg_url(base: &str, name: &str) -> String {
    let (head, tail) = match base.find('?') {
        Some(q) => base.split_at(q),
        None => (base, ""),
    };
    let slash = head.rfind('/').expect("TEST_DATABASE_URL names a database");
    format!("{}/{name}{tail}", &head[..slash])
}

/// A migrated PostgreSQL database every test database is copied from, so the migrations run
/// once per schema version rather than once per test. It is named after a hash of the
/// migrations and built under a temporary name, then renamed, so a test never copies a
/// half-migrated template.
fn pg_template(base: &str) -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .expect("migrations/postgres")
            .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        let mut all = Vec::new();
        for f in files {
            all.extend_from_slice(f.to_string_lossy().as_bytes());
            all.extend(std::fs::read(&f).unwrap());
        }
        let name = format!("ke_tpl_{}", &kinderen_eerst::domain::sha256_hex(&all)[..16]);
        let mut admin = PgConnection::establish(base).expect("TEST_DATABASE_URL is reachable");
        let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
        )))
        .get_result(&mut admin)
        .expect("look up the template");
        if !exists {
            let building = format!("{name}_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
            admin
                .batch_execute(&format!("CREATE DATABASE {building}"))
                .expect("create the template");
            db::migrate(&DbOptions::new(pg_url(base, &building))).expect("migrate the template");
            if admin
                .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .is_err()
            {
                // Another test binary finished the same template first.
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {building}"));
            }
        }
        name
    })
}

/// The audit signing key the tests' services share (one file, made on first use): required on
/// PostgreSQL, and on SQLite it saves generating one per database.
pub fn test_audit_key() -> String {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let path = std::env::temp_dir().join(format!(
            "kinderen-eerst-test-audit-key-{}.pem",
            std::process::id()
        ));
        kinderen_eerst::auth::audit_key::AuditKey::load_or_generate(&path)
            .expect("a test audit key");
        path.to_string_lossy().into_owned()
    })
    .clone()
}

pub fn test_settings() -> Settings {
    Settings {
        jwt_secret: Some(TEST_SECRET.into()),
        audit_signing_key_file: Some(test_audit_key().into()),
        // Statistics answer each request afresh, so a test sees its own writes counted at
        // once; `stats::figures_are_shared_for_the_configured_time` covers the sharing.
        stats_cache_seconds: 0,
        // The webhook tests deliver to receivers on 127.0.0.1; `hardening_ssrf` covers the
        // default (public addresses only).
        webhook_allow_private_networks: true,
        ..Settings::default()
    }
}

impl TestApp {
    pub fn spawn() -> TestApp {
        Self::spawn_with(test_settings())
    }

    pub fn spawn_with(settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db_url, pg_drop) = fresh_database(dir.path());
        let mut opts = DbOptions::new(db_url.clone());
        opts.pool_size = 4;
        let state = startup::prepare(&opts, settings).expect("the service prepares");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap().to_string();
        let (handle, thread) = serve(state.clone(), listener);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        TestApp {
            addr,
            db_url,
            state,
            agent,
            handle: Some(handle),
            thread: Some(thread),
            pg_drop,
            _dir: dir,
        }
    }

    /// A server on a database the test manages itself (a copy, a file it keeps): nothing is
    /// created or dropped for it.
    pub fn spawn_at(db_url: &str, settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut opts = DbOptions::new(db_url.to_string());
        opts.pool_size = 4;
        let state = startup::prepare(&opts, settings).expect("the service prepares");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap().to_string();
        let (handle, thread) = serve(state.clone(), listener);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        TestApp {
            addr,
            db_url: db_url.to_string(),
            state,
            agent,
            handle: Some(handle),
            thread: Some(thread),
            pg_drop: None,
            _dir: dir,
        }
    }

    /// Stops the server and starts a new one on the same database, as a redeploy would: what
    /// was in memory is gone, what was committed stays. Tokens stay valid (same secret).
    pub fn restart_with(&mut self, settings: Settings) {
        self.stop();
        let mut opts = DbOptions::new(self.db_url.clone());
        opts.pool_size = 4;
        let state = startup::prepare(&opts, settings).expect("the service prepares again");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        self.addr = listener.local_addr().unwrap().to_string();
        let (handle, thread) = serve(state.clone(), listener);
        self.state = state;
        self.handle = Some(handle);
        self.thread = Some(thread);
    }

    fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            actix_web::rt::System::new().block_on(h.stop(false));
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A direct connection to the test's database, to look at raw tables.
    pub fn conn(&self) -> DbConn {
        db::establish(&DbOptions::new(self.db_url.clone())).expect("connect")
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let res = match body {
            Some((content_type, bytes)) => {
                let req = b.header("content-type", content_type).body(bytes).unwrap();
                self.agent.run(req)
            }
            None => self.agent.run(b.body(()).unwrap()),
        };
        let mut res = res.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let body = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.request("GET", path, token, None, &[])
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.request(
            "POST",
            path,
            token,
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
    }

    pub fn login(&self, email: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"email": email, "password": password}),
        )
    }

    /// Creates a user directly in the database and logs them in through the API.
    pub fn user(&self, role: Role, school: Option<&str>) -> TestUser {
        self.account(role, school, None)
    }

    /// A `partner` account of this partner organisation, logged in.
    #[allow(dead_code)]
    pub fn partner_user(&self, partner_id: &str) -> TestUser {
        self.account(Role::Partner, None, Some(partner_id))
    }

    fn account(&self, role: Role, school: Option<&str>, partner: Option<&str>) -> TestUser {
        let email = format!(
            "{}-{}@test.example",
            role.as_str().replace('_', "-"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut conn = self.conn();
        let row = create(
            &mut conn,
            CreateUser {
                email: email.clone(),
                display_name: format!("Test {role}"),
                role,
                school_id: school.map(String::from),
                partner_id: partner.map(String::from),
                password: PASSWORD.into(),
                one_time_password: false,
            },
        )
        .expect("create user");
        let res = self.login(&email, PASSWORD);
        assert_eq!(res.status, 200, "login: {}", res.text());
        let token = res.json()["access_token"].as_str().unwrap().to_string();
        TestUser {
            id: row.id,
            email,
            token,
        }
    }

    pub fn coordinator(&self) -> TestUser {
        self.user(Role::Coordinator, None)
    }
}

/// Runs the server (and its background tasks) on a thread of its own.
fn serve(state: web::Data<AppState>, listener: TcpListener) -> (ServerHandle, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = startup::build_server(state, listener, Some(2)).expect("server");
            tx.send(server.handle()).unwrap();
            let _ = server.await;
        })
    });
    (rx.recv().expect("server started"), thread)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
        if let Some((base, name)) = self.pg_drop.take()
            && let Ok(mut admin) = PgConnection::establish(&base)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// The `id` of every item on a page (`{"items": [{"id": …}, …]}`), in order.
pub fn item_ids(page: &serde_json::Value) -> Vec<String> {
    ids_of(page["items"].as_array().unwrap())
}

/// The `id` of each of `items`, in order.
pub fn ids_of(items: &[serde_json::Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}
