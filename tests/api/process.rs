//! The real binary as a child process (for log scanning and fault injection), a throwaway
//! PostgreSQL cluster of its own, and a small HTTP client that reports connection failures
//! instead of panicking. Everything listens on and talks to 127.0.0.1 only.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::{TEST_SECRET, test_backend_url};

pub const BIN: &str = env!("CARGO_BIN_EXE_kinderen-eerst");

/// A running `kinderen-eerst serve`, its stderr appended to `log`.
pub struct Service {
    pub child: Child,
    pub addr: String,
}

impl Service {
    /// Starts the binary on a free loopback port and waits until it listens.
    // The child is waited for by `Service`'s `Drop` (or here, when it never listens); the lint
    // cannot see through the struct it is returned in.
    #[allow(clippy::zombie_processes)]
    pub fn start(db_url: &str, env: &[(&str, &str)], log: &Path) -> Service {
        let offset = std::fs::metadata(log).map(|m| m.len()).unwrap_or(0);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BIND", "127.0.0.1:0")
            .env("DATABASE_URL", db_url)
            .env("JWT_SECRET", TEST_SECRET)
            .env("AUDIT_SIGNING_KEY_FILE", crate::helpers::test_audit_key())
            .env("RUST_LOG", "info")
            .env("WORKERS", "2")
            .env("RETENTION_JOB", "false")
            .env("WEBHOOK_WORKER", "false");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start the binary");
        let started = Instant::now();
        loop {
            let text = read_from(log, offset);
            if let Some(rest) = text.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap().to_string();
                return Service { child, addr };
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the service did not start:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory, in KiB, from /proc.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    pub fn sigkill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }

    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits for the process to end, up to `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn read_from(path: &Path, offset: u64) -> String {
    let mut s = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        use std::io::Seek;
        let _ = f.seek(std::io::SeekFrom::Start(offset));
        let _ = f.read_to_string(&mut s);
    }
    s
}

/// Creates a user with the real binary's `user create` (the password on stdin).
pub fn create_user(db_url: &str, email: &str, role: &str, password: &str) {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args([
            "user",
            "create",
            "--email",
            email,
            "--role",
            role,
            "--name",
            "Fault Test",
        ])
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "user create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh database for a child process: a new database next to `TEST_DATABASE_URL` (dropped
/// afterwards), or an SQLite file in `dir`.
pub struct FreshDb {
    pub url: String,
    drop: Option<(String, String)>,
}

impl FreshDb {
    pub fn new(dir: &Path) -> FreshDb {
        match test_backend_url() {
            Some(base) => FreshDb::on_postgres(&base),
            None => FreshDb {
                url: dir.join("service.db").to_string_lossy().into_owned(),
                drop: None,
            },
        }
    }

    pub fn on_postgres(base: &str) -> FreshDb {
        let name = format!("ke_proc_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(base).expect("PostgreSQL is reachable");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let slash = base.rfind('/').unwrap();
        FreshDb {
            url: format!("{}/{name}", &base[..slash]),
            drop: Some((base.to_string(), name)),
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((base, name)) = self.drop.take()
            && let Ok(mut admin) = PgConnection::establish(&base)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A PostgreSQL cluster of the test's own, on a free loopback port, that the test may stop and
/// start at will without disturbing anyone else's database.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

fn as_postgres(cmd: &Path, args: &[&str]) -> std::process::Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let out = if root {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(cmd)
            .args(args)
            .output()
    } else {
        Command::new(cmd).args(args).output()
    };
    out.unwrap_or_else(|e| panic!("{}: {e}", cmd.display()))
}

impl PgCluster {
    pub fn new() -> PgCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries in /usr/lib/postgresql")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::Builder::new().prefix("ke-pg-").tempdir().unwrap();
        let _ = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir.path())
            .status();
        let data = dir.path().join("data");
        let out = as_postgres(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = PgCluster { dir, bin, port };
        cluster.start();
        cluster
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    pub fn start(&self) {
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("pg.log");
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=on",
            self.port,
            self.dir.path().display()
        );
        let out = as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops the cluster; `immediate` is a crash (no checkpoint), `fast` an orderly stop that
    /// disconnects every session.
    pub fn stop(&self, mode: &str) {
        let data = self.dir.path().join("data");
        let out = as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-m", mode, "-w", "stop"],
        );
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        );
    }
}

/// One HTTP answer, or why there was none (refused, reset, timed out).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .max_idle_connections(0)
        .build()
        .into()
}

pub fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Result<Answer, String> {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let res = match body {
        Some(v) => agent.run(
            b.header("content-type", "application/json")
                .body(v.to_string().into_bytes())
                .unwrap(),
        ),
        None => agent.run(b.body(()).unwrap()),
    };
    let mut res = res.map_err(|e| e.to_string())?;
    let header = |n: &str| {
        res.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let content_type = header("content-type").unwrap_or_default();
    let body = res
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("reading the answer: {e}"))?;
    Ok(Answer {
        status: res.status().as_u16(),
        content_type,
        body,
    })
}
