//! The binary itself, as a newcomer and an operator use it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_kinderen-eerst");

#[test]
fn openapi_command_prints_the_document() {
    let out = Command::new(BIN).arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        kinderen_eerst::openapi::document_json()
    );
}

/// The README's first steps: start on an empty directory, read the one-time password from the
/// log, log in.
#[test]
fn first_start_on_sqlite_prints_a_working_coordinator_login() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .env("BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (mut email, mut password, mut addr) = (None, None, None);
    let deadline = Instant::now() + Duration::from_secs(60);
    while addr.is_none() && Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.split("created coordinator ").nth(1) {
            let words: Vec<&str> = rest.split_whitespace().collect();
            email = Some(words[0].to_string());
            password = Some(words[4].to_string());
        }
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = Some(rest.split_whitespace().next().unwrap().to_string());
        }
    }
    let (email, password, addr) = (
        email.expect("e-mail logged"),
        password.expect("password logged"),
        addr.expect("address logged"),
    );
    assert!(
        dir.path().join("kinderen-eerst.db").exists(),
        "the SQLite file is created in the working directory"
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut res = agent
        .post(format!("http://{addr}/api/v1/auth/login"))
        .send_json(serde_json::json!({"email": email, "password": password}))
        .unwrap();
    let status = res.status().as_u16();
    let body: serde_json::Value = res.body_mut().read_json().unwrap();
    unsafe { libc_kill(child.id()) };
    let exit = child.wait().unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());
    assert!(exit.success(), "SIGTERM ends the server cleanly: {exit:?}");
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}
unsafe fn libc_kill(pid: u32) {
    unsafe { kill(pid as i32, 15) };
}

#[test]
fn user_create_reads_the_password_from_stdin() {
    let app = TestApp::spawn();
    let mut child = Command::new(BIN)
        .args([
            "user",
            "create",
            "--email",
            "Worker@Test.Example",
            "--role",
            "social_worker",
            "--name",
            "Wendy Worker",
        ])
        .env("DATABASE_URL", &app.db_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let res = app.login("worker@test.example", "a long enough password");
    assert_eq!(res.status, 200, "{}", res.text());

    // A school account without its school is refused, naming the field.
    let mut child = Command::new(BIN)
        .args([
            "user",
            "create",
            "--email",
            "s@test.example",
            "--role",
            "school",
            "--name",
            "S",
        ])
        .env("DATABASE_URL", &app.db_url)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("school_id"));
}
