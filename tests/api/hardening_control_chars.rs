//! Control characters (NUL above all: PostgreSQL cannot store it) are refused at the edge, on
//! both backends, naming the field: in JSON bodies, query strings and CSV imports; and `db copy`
//! names the table, row and column of any such value an older SQLite database still holds.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

use crate::copy::{copy, new_target};
use crate::helpers::{Resp, TestApp, test_backend_url, test_settings};
use crate::partners::field_names;

/// NUL, BEL, ESC (C0) and NEL (C1).
const CONTROLS: [char; 4] = ['\u{0}', '\u{7}', '\u{1b}', '\u{85}'];

fn school(network_id: &str, name: &str) -> Value {
    json!({"network_id": network_id, "name": name, "institution_number": "654321", "level": "primary"})
}

fn network_id(app: &TestApp, token: &str) -> String {
    app.get("/api/v1/networks", Some(token)).json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn names(app: &TestApp, token: &str) -> Vec<String> {
    app.get("/api/v1/schools?limit=200", Some(token)).json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

fn patch(app: &TestApp, token: &str, path: &str, body: &Value) -> Resp {
    app.request(
        "PATCH",
        path,
        Some(token),
        Some(("application/json", body.to_string().into_bytes())),
        &[],
    )
}

#[test]
fn control_characters_in_json_strings_and_keys_are_refused_naming_the_field_and_nothing_is_written()
{
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let net = network_id(&app, &coord.token);
    let before = names(&app, &coord.token);
    for c in CONTROLS {
        let body = school(&net, &format!("School{c}X"));
        let p = app
            .post("/api/v1/schools", Some(&coord.token), &body)
            .problem(422);
        assert_eq!(field_names(&p), ["name"], "U+{:04X}: {p}", c as u32);

        let mut body = school(&net, "Nested");
        body["address"] = json!({"street": format!("Straat{c}1")});
        let p = app
            .post("/api/v1/schools", Some(&coord.token), &body)
            .problem(422);
        assert_eq!(field_names(&p), ["address.street"], "{p}");

        // A key is named by the object that holds it.
        let mut body = school(&net, "Key");
        body["address"] = json!({format!("street{c}"): "x"});
        let p = app
            .post("/api/v1/schools", Some(&coord.token), &body)
            .problem(422);
        assert_eq!(field_names(&p), ["address"], "{p}");
    }
    assert_eq!(names(&app, &coord.token), before, "nothing was written");

    let body = school(&net, "Basisschool Het Anker");
    let res = app.post("/api/v1/schools", Some(&coord.token), &body);
    assert_eq!(res.status, 201, "{}", res.text());
    let path = format!("/api/v1/schools/{}", res.json()["id"].as_str().unwrap());
    for c in CONTROLS {
        let p = patch(
            &app,
            &coord.token,
            &path,
            &json!({"name": format!("Anker{c}")}),
        )
        .problem(422);
        assert_eq!(field_names(&p), ["name"], "{p}");
        let p = patch(
            &app,
            &coord.token,
            &path,
            &json!({"wishes": {"note": format!("a{c}b")}}),
        )
        .problem(422);
        assert_eq!(field_names(&p), ["wishes.note"], "{p}");
    }
    let now = app.get(&path, Some(&coord.token)).json();
    assert_eq!(now["name"], "Basisschool Het Anker");
    assert_eq!(now["wishes"]["note"], "");
}

#[test]
fn tab_newline_and_carriage_return_in_free_text_are_still_accepted() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let mut body = school(&network_id(&app, &coord.token), "Basisschool De Linde");
    body["wishes"] = json!({"note": "maandag\tvoormiddag\r\nliefst na 9 u — graag"});
    let res = app.post("/api/v1/schools", Some(&coord.token), &body);
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(
        res.json()["wishes"]["note"],
        "maandag\tvoormiddag\r\nliefst na 9 u — graag"
    );
}

#[test]
fn a_control_character_in_a_query_parameter_is_refused_naming_it() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    for q in ["%00", "a%07", "%1B%5B2J", "%C2%85"] {
        let p = app
            .get(&format!("/api/v1/schools?q={q}"), Some(&coord.token))
            .problem(422);
        assert_eq!(field_names(&p), ["q"], "{q}: {p}");
    }
    let p = app
        .get("/api/v1/schools?q%00=x", Some(&coord.token))
        .problem(422);
    assert_eq!(field_names(&p), ["query"], "{p}");
    let res = app.get("/api/v1/schools?q=Linde%09", Some(&coord.token));
    assert_eq!(res.status, 200, "{}", res.text());
}

#[test]
fn a_csv_import_with_a_control_character_is_refused_naming_line_and_column() {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    let before = names(&app, &coord.token);
    let csv = "institution_number,name,network,level\n\
               100001,School A,Luchtbal,primary\n\
               100002,School\u{0}B,Luchtbal,primary\n\
               100003,School C,Luchtbal\u{1b},primary\n";
    for dry_run in [true, false] {
        let res = app.request(
            "POST",
            &format!("/api/v1/schools/import?dry_run={dry_run}"),
            Some(&coord.token),
            Some(("text/csv", csv.as_bytes().to_vec())),
            &[],
        );
        let p = res.problem(422);
        assert_eq!(field_names(&p), ["line 3.name", "line 4.network"], "{p}");
    }
    assert_eq!(names(&app, &coord.token), before, "nothing was written");
}

/// Runs on the PostgreSQL pass (it needs a server to copy into).
#[test]
fn db_copy_names_table_row_and_column_of_a_nul_it_cannot_move() {
    let Some(base) = test_backend_url() else {
        eprintln!("db copy needs TEST_DATABASE_URL (the PostgreSQL pass runs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("pilot.db").to_string_lossy().into_owned();
    let src = TestApp::spawn_at(&sqlite, test_settings());
    let coord = src.coordinator();
    let net = network_id(&src, &coord.token);
    drop(src);
    // Written past the API, as an older version (or a hand edit) could have.
    let mut conn = diesel::SqliteConnection::establish(&sqlite).unwrap();
    // The stopped server's last audit seal may still be finishing on its blocking pool: wait
    // for the write lock rather than fail at once.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = 30000; \
         UPDATE networks SET name = name || char(0) || 'x' WHERE id = '{net}'"
    ))
    .unwrap();
    drop(conn);

    let (mut admin, name, target) = new_target(&base);
    let out = copy(&sqlite, &target);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains(&format!("table networks, row id '{net}', column name")),
        "{said}"
    );
    assert!(!said.contains("unsupported Unicode escape"), "{said}");
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}
