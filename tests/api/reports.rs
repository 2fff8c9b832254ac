//! The yearly report in one call: the same cells in JSON, CSV and the workbook (read back with
//! a spreadsheet reader), golden files for both, each role's scope; and grouped statistics.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::Datelike;
use serde_json::{Value, json};

use crate::cases::{World, world_with};
use crate::helpers::{Resp, TestUser, test_settings};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn year() -> i32 {
    chrono::Utc::now().year()
}

/// A table as a reader sees it: its title (or sheet name), header and rows of text cells, each
/// figure written as a number (`12`, `0.6667`), `x` when withheld and empty when undefined.
#[derive(Debug, PartialEq)]
struct Table {
    name: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The JSON's tables, labelled in `lang` (`nl` or `en`), named by title (`sheet`: sheet name).
fn from_json(report: &Value, lang: &str, sheet: bool) -> Vec<Table> {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let name = if sheet {
                t[format!("sheet_{lang}")].as_str().unwrap()
            } else {
                t[format!("title_{lang}")].as_str().unwrap()
            };
            let mut header = vec![
                t[format!("rows_label_{lang}")]
                    .as_str()
                    .unwrap()
                    .to_string(),
            ];
            header.extend(
                t["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c[format!("label_{lang}")].as_str().unwrap().to_string()),
            );
            let rows = t["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let mut line = vec![r[format!("label_{lang}")].as_str().unwrap().to_string()];
                    for c in r["cells"].as_array().unwrap() {
                        line.push(if c["suppressed"] == true {
                            assert_eq!(c["value"], Value::Null, "a withheld cell has no value");
                            "x".to_string()
                        } else if c["value"].is_null() {
                            String::new()
                        } else {
                            number(c["value"].as_f64().unwrap())
                        });
                    }
                    line
                })
                .collect();
            Table {
                name: name.to_string(),
                header,
                rows,
            }
        })
        .collect()
}

/// The CSV's blocks (title line, header line, rows, empty line), read with the `csv` crate.
fn from_csv(text: &str, delimiter: u8, decimal_comma: bool) -> Vec<Table> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut tables = Vec::new();
    for block in text.split("\n\n") {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(block.as_bytes());
        let records: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        if records.len() < 2 {
            continue; // the legend
        }
        let rows = records[2..]
            .iter()
            .map(|r| {
                let mut line = vec![r[0].clone()];
                for c in &r[1..] {
                    line.push(match c.as_str() {
                        "" | "x" => c.clone(),
                        v => {
                            let v = if decimal_comma {
                                assert!(!v.contains('.'), "a decimal point in Belgian CSV: {v}");
                                v.replace(',', ".")
                            } else {
                                v.to_string()
                            };
                            number(v.parse().unwrap_or_else(|_| panic!("not a number: {v}")))
                        }
                    });
                }
                line
            })
            .collect();
        tables.push(Table {
            name: records[0][0].clone(),
            header: records[1].clone(),
            rows,
        });
    }
    tables
}

/// The workbook's sheets read back with calamine: the header row, then the rows down to the
/// first empty one (the title and legend follow below it).
fn from_xlsx(bytes: &[u8]) -> Vec<Table> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    let names = wb.sheet_names();
    names
        .iter()
        .map(|name| {
            let range = wb.worksheet_range(name).unwrap();
            let text = |d: &Data| match d {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                Data::Float(f) => number(*f),
                Data::Int(i) => i.to_string(),
                other => panic!("unexpected cell {other:?} in {name}"),
            };
            let width = range.width();
            let mut rows = range.rows();
            let header: Vec<String> = rows.next().unwrap().iter().map(text).collect();
            let rows = rows
                .take_while(|r| !matches!(r[0], Data::Empty))
                .map(|r| {
                    let mut line: Vec<String> = r.iter().map(text).collect();
                    line.truncate(header.len().min(width));
                    line
                })
                .collect();
            Table {
                name: name.clone(),
                header,
                rows,
            }
        })
        .collect()
}

fn report(w: &World, user: &TestUser, query: &str, headers: &[(&str, &str)]) -> Resp {
    let res = w.app.request(
        "GET",
        &format!("/api/v1/reports/yearly?year={}{query}", year()),
        Some(&user.token),
        None,
        headers,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    res
}

/// The report of `user` in all three forms, checked to hold the same cells; the JSON.
fn same_in_every_form(w: &World, user: &TestUser, query: &str) -> Value {
    let json = report(w, user, query, &[]).json();
    let csv = report(w, user, &format!("{query}&format=csv&dialect=nl_be"), &[]);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.text().starts_with('\u{feff}'));
    assert_eq!(
        from_csv(&csv.text(), b';', true),
        from_json(&json, "nl", false),
        "the Belgian CSV holds the JSON's cells"
    );
    let csv_en = report(w, user, query, &[("accept", "text/csv")]);
    assert_eq!(
        from_csv(&csv_en.text(), b',', false),
        from_json(&json, "en", false)
    );
    let xlsx = report(w, user, query, &[("accept", XLSX)]);
    assert_eq!(xlsx.header("content-type"), Some(XLSX));
    assert_eq!(from_xlsx(&xlsx.body), from_json(&json, "en", true));
    let xlsx_nl = report(
        w,
        user,
        &format!("{query}&format=xlsx"),
        &[("accept-language", "nl-BE")],
    );
    assert_eq!(from_xlsx(&xlsx_nl.body), from_json(&json, "nl", true));
    json
}

fn table<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .unwrap_or_else(|| panic!("no table {key}"))
}

/// The cell of row `row` (its key, or `all`) and column `col` (its key).
fn cell<'a>(report: &'a Value, t: &str, row: &str, col: &str) -> &'a Value {
    let t = table(report, t);
    let i = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["key"] == col)
        .unwrap_or_else(|| panic!("no column {col}"));
    let r = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == row)
        .unwrap_or_else(|| panic!("no row {row} in {t}"));
    &r["cells"][i]
}

fn row_keys(report: &Value, t: &str) -> Vec<String> {
    table(report, t)["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect()
}

fn network_of(w: &World, school: &str) -> String {
    w.app
        .get(&format!("/api/v1/schools/{school}"), Some(&w.coord.token))
        .json()["network_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// World's schools A and B (network 1) and a school C in a second network, worked by worker B;
/// cases, a closed one, a first contact, a training and a publicity round.
fn year_of_work(threshold: i64) -> (World, String) {
    let mut settings = test_settings();
    settings.stats_suppress_below = threshold;
    let w = world_with(settings);
    let nets = w.app.get("/api/v1/networks", Some(&w.coord.token)).json();
    let second = nets["items"][1]["id"].as_str().unwrap().to_string();
    let c = w.post(
        &w.coord,
        "/api/v1/schools",
        json!({"network_id": second, "name": "School C", "institution_number": "100003", "level": "secondary"}),
    );
    assert_eq!(c.status, 201, "{}", c.text());
    let school_c = c.json()["id"].as_str().unwrap().to_string();
    let r = w.post(
        &w.coord,
        "/api/v1/assignments",
        json!({"worker_id": w.worker_b.id, "school_id": school_c, "mode": "spoc", "valid_from": "2020-01-01"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let open = |worker: &TestUser, school: &str, origin: &str, themes: Value, known: Value| {
        let r = w.post(
            worker,
            "/api/v1/cases",
            json!({"school_id": school, "origin": origin, "themes": themes, "known_to_ocmw": known,
                   "pupil": {"pseudonym": "P"}}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    };
    // School A: 6 cases; school B: 2; school C: 7.
    let mut a = Vec::new();
    for i in 0..6 {
        let themes = if i < 4 {
            json!(["school_costs"])
        } else {
            json!(["housing", "poverty"])
        };
        let origin = if i < 5 { "parent" } else { "office_hours" };
        a.push(open(
            &w.worker_a,
            &w.school_a,
            origin,
            themes,
            json!(i % 2 == 0),
        ));
    }
    for _ in 0..2 {
        open(
            &w.worker_b,
            &w.school_b,
            "parent",
            json!(["housing"]),
            json!(false),
        );
    }
    for i in 0..7 {
        let themes = if i < 3 {
            json!(["language"])
        } else {
            json!(["school_costs"])
        };
        open(
            &w.worker_b,
            &school_c,
            "social_worker",
            themes,
            json!(i < 2),
        );
    }
    for id in &a[..3] {
        let r = w.post(
            &w.worker_a,
            &format!("/api/v1/cases/{id}/close"),
            json!({"outcome": "resolved"}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = w.post(
        &w.worker_a,
        &format!("/api/v1/cases/{}/contact-moments", a[4]),
        json!({"occurred_at": chrono::Utc::now().to_rfc3339(), "kind": "phone", "summary": "x"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let today = chrono::Utc::now().date_naive().to_string();
    for body in [
        json!({"kind": "training", "title": "Vorming kansarmoede", "date": today, "school_id": w.school_a,
               "audiences": ["teachers", "pupil_counsellors"], "participants": 24}),
        json!({"kind": "publicity", "title": "Affiches en folders", "date": today, "school_id": w.school_a,
               "audiences": ["parents"], "participants": 0, "posters": 40, "folders": 250}),
        json!({"kind": "publicity", "title": "Folders bij de schoolpoort", "date": today, "school_id": school_c,
               "participants": 0, "folders": 120}),
    ] {
        let r = w.post(&w.coord, "/api/v1/activities", body);
        assert_eq!(r.status, 201, "{}", r.text());
    }
    (w, school_c)
}

/// Writes or compares a golden file (`UPDATE_GOLDEN=1` rewrites it).
fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/golden")
        .join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 once)", path.display()));
    assert_eq!(actual, expected, "differs from {}", path.display());
}

fn dump(tables: &[Table]) -> String {
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("## {}\n{}\n", t.name, t.header.join(" | ")));
        for r in &t.rows {
            out.push_str(&r.join(" | "));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_coordinator_downloads_the_whole_year_as_a_workbook_whose_every_figure_matches_the_json() {
    let (w, school_c) = year_of_work(0);
    let json = same_in_every_form(&w, &w.coord, "&suppress_below=3");
    let xlsx = report(
        &w,
        &w.coord,
        "&suppress_below=3&format=xlsx&dialect=en",
        &[],
    );
    assert!(
        xlsx.header("content-disposition")
            .is_some_and(|d| d.contains(&format!("jaarrapport-{}.xlsx", year())))
    );
    let sheets = from_xlsx(&xlsx.body);
    let names: Vec<&str> = sheets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Cases by theme",
            "Cases by origin",
            "Cases by outcome",
            "Reach",
            "First contact",
            "Checklists",
            "Referrals",
            "Consent overrides",
            "Office hours",
            "Consult requests",
            "Activities",
            "Publicity"
        ],
        "one sheet per table, the whole year in one request"
    );
    golden("yearly-report-en.xlsx.txt", &dump(&sheets));
    // What a person sees beyond the values: number formats, widths, a frozen bold header.
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx.body.clone())).unwrap();
    let mut part = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let styles = part("xl/styles.xml");
    // Counts and shares (days have `0.0`, written where a median is shown; none is here).
    for format in ["#,##0", "0.0%"] {
        assert!(
            styles.contains(&format!("formatCode=\"{format}\"")),
            "number format {format}: {styles}"
        );
    }
    assert!(styles.contains("<b/>"), "a bold header");
    let reach = part("xl/worksheets/sheet4.xml");
    assert!(
        reach.contains("<col ") && reach.contains("customWidth=\"1\""),
        "{reach}"
    );
    assert!(reach.contains("state=\"frozen\""), "{reach}");
    // The figures themselves, from the JSON (which the workbook was just shown to match).
    let (n1, n2) = (network_of(&w, &w.school_a), network_of(&w, &school_c));
    assert_eq!(
        cell(&json, "cases_by_network_theme", "all", "cases")["value"],
        15
    );
    assert_eq!(
        cell(&json, "cases_by_network_theme", &n1, "cases")["value"],
        8
    );
    assert_eq!(
        cell(&json, "cases_by_network_theme", &n2, "school_costs")["value"],
        4
    );
    // 1 office-hours case under 3 is withheld, and so is the next smallest origin of network 1.
    assert_eq!(
        cell(&json, "cases_by_network_origin", &n1, "office_hours"),
        &json!({"value": null, "suppressed": true})
    );
    assert_eq!(
        cell(&json, "cases_by_network_origin", &n1, "parent")["suppressed"],
        true
    );
    assert_eq!(
        cell(&json, "cases_by_network_outcome", &n1, "resolved")["value"],
        3
    );
    assert_eq!(cell(&json, "publicity", "all", "posters")["value"], 40);
    assert_eq!(cell(&json, "publicity", "all", "folders")["value"], 370);
    assert_eq!(
        cell(&json, "activities", "training/teachers", "participants")["value"],
        24
    );
    assert_eq!(
        cell(&json, "activities", "all/all", "activities")["value"],
        3
    );
    assert_eq!(json["scope"]["period_from"], format!("{}-01-01", year()));
}

#[test]
fn the_yearly_report_as_belgian_csv_matches_its_golden_file() {
    let (w, _) = year_of_work(0);
    let csv = report(
        &w,
        &w.coord,
        "&suppress_below=3",
        &[
            ("accept", "text/csv"),
            ("accept-language", "nl-BE,nl;q=0.9"),
        ],
    )
    .text();
    assert!(csv.contains("Dossiers per netwerk en thema\n"), "{csv}");
    assert!(csv.contains(";x;"), "withheld cells are x: {csv}");
    assert!(csv.contains("0,6667"), "decimal commas: {csv}");
    golden("yearly-report-nl_be.csv", &csv);
}

#[test]
fn a_worker_and_a_school_see_the_same_withheld_cells_in_json_csv_and_xlsx() {
    let (w, _) = year_of_work(3);
    for user in [&w.worker_a, &w.worker_b, &w.user_a] {
        let json = same_in_every_form(&w, user, "");
        assert_eq!(json["scope"]["suppress_below"], 3);
        let withheld = json["tables"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["rows"].as_array().unwrap())
            .flat_map(|r| r["cells"].as_array().unwrap())
            .filter(|c| c["suppressed"] == true)
            .count();
        assert!(withheld > 0, "something is withheld for {}", user.email);
    }
}

#[test]
fn each_role_reports_only_on_its_own_schools() {
    let (w, school_c) = year_of_work(0);
    let (n1, n2) = (network_of(&w, &w.school_a), network_of(&w, &school_c));
    // Worker A: school A only (network 1).
    let a = report(&w, &w.worker_a, "", &[]).json();
    assert_eq!(
        row_keys(&a, "cases_by_network_theme"),
        [n1.clone(), "all".into()]
    );
    assert_eq!(
        cell(&a, "cases_by_network_theme", "all", "cases")["value"],
        6
    );
    // Worker B: schools B and C, in two networks.
    let b = report(&w, &w.worker_b, "", &[]).json();
    let rows = row_keys(&b, "cases_by_network_theme");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.contains(&n1) && rows.contains(&n2) && rows[2] == "all");
    assert_eq!(
        cell(&b, "cases_by_network_theme", "all", "cases")["value"],
        9
    );
    assert_eq!(cell(&b, "cases_by_network_theme", &n1, "cases")["value"], 2);
    // School B: its own school, one calendar year.
    let s = report(&w, &w.user_b, "", &[]).json();
    assert_eq!(
        row_keys(&s, "cases_by_network_theme"),
        [n1.clone(), "all".into()]
    );
    assert_eq!(s["scope"]["period_grid"], "calendar_year");
    assert_eq!(
        cell(&s, "cases_by_network_theme", "all", "cases")["value"],
        2
    );
    // A worker asking for a network they do not work in gets nothing of it.
    let other = report(&w, &w.worker_a, &format!("&network={n2}"), &[]).json();
    assert_eq!(row_keys(&other, "cases_by_network_theme"), ["all"]);
    assert_eq!(
        cell(&other, "cases_by_network_theme", "all", "cases")["value"],
        0
    );
    assert_eq!(cell(&other, "publicity", "all", "activities")["value"], 0);
    // The coordinator narrows to one network.
    let one = report(&w, &w.coord, &format!("&network={n2}"), &[]).json();
    assert_eq!(
        row_keys(&one, "cases_by_network_theme"),
        [n2.clone(), "all".into()]
    );
    assert_eq!(cell(&one, "publicity", "all", "folders")["value"], 120);
    // No token, no report; a year out of range names the parameter.
    let anonymous = w
        .app
        .get(&format!("/api/v1/reports/yearly?year={}", year()), None);
    assert_eq!(anonymous.status, 401);
    let p = w
        .app
        .get("/api/v1/reports/yearly?year=1999", Some(&w.coord.token))
        .problem(422);
    assert!(p.to_string().contains("year"), "{p}");
}

#[test]
fn grouped_case_figures_are_suppressed_per_group_and_across_groups() {
    let (w, school_c) = year_of_work(0);
    let (n1, n2) = (network_of(&w, &w.school_a), network_of(&w, &school_c));
    let s = w
        .app
        .get(
            "/api/v1/stats/cases?group_by=network&suppress_below=3",
            Some(&w.coord.token),
        )
        .json();
    let groups = s["groups"].as_array().unwrap();
    let group = |n: &str| {
        groups
            .iter()
            .find(|g| g["key"] == n)
            .unwrap_or_else(|| panic!("no group {n}: {s}"))
    };
    assert_eq!(group(&n1)["figures"]["total"]["value"], 8);
    assert_eq!(group(&n2)["figures"]["total"]["value"], 7);
    // For every cell: the withheld groups cannot be recovered from the overall figure and the
    // shown groups (none withheld alone, or together at least the threshold... unless zero).
    let cells = |f: &Value| -> Vec<(String, Value)> {
        let mut v = vec![("total".to_string(), f["total"].clone())];
        for list in ["by_status", "by_origin", "by_outcome", "by_theme"] {
            for c in f[list].as_array().unwrap() {
                v.push((format!("{list}:{}", c["key"]), c["count"].clone()));
            }
        }
        v
    };
    for (path, overall) in cells(&s) {
        if overall["suppressed"] == true {
            continue;
        }
        let parts: Vec<Value> = groups
            .iter()
            .map(|g| {
                cells(&g["figures"])
                    .into_iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, c)| c)
                    .unwrap_or(json!({"value": 0, "suppressed": false}))
            })
            .collect();
        let withheld = parts.iter().filter(|c| c["suppressed"] == true).count();
        assert_ne!(
            withheld, 1,
            "{path}: one group withheld beside the shown total: {s}"
        );
    }
    // Other groupings.
    let months = w
        .app
        .get("/api/v1/stats/cases?group_by=month", Some(&w.coord.token))
        .json();
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    let last = months["groups"].as_array().unwrap().last().unwrap();
    assert_eq!(last["key"], this_month);
    assert_eq!(last["figures"]["total"]["value"], 15);
    let themes = w
        .app
        .get("/api/v1/stats/cases?group_by=theme", Some(&w.coord.token))
        .json();
    let housing = themes["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "housing")
        .unwrap();
    assert_eq!(housing["figures"]["total"]["value"], 4);
    let schools = w
        .app
        .get(
            "/api/v1/stats/cases?group_by=school",
            Some(&w.worker_a.token),
        )
        .json();
    assert_eq!(
        schools["groups"].as_array().unwrap().len(),
        1,
        "only its own school"
    );
    // CSV gains a group column.
    let csv = w.app.request(
        "GET",
        "/api/v1/stats/cases?group_by=network",
        Some(&w.coord.token),
        None,
        &[("accept", "text/csv")],
    );
    assert!(
        csv.text()
            .starts_with("group,section,key,value,suppressed\n,total,cases,15,false\n")
    );
    // Theme groups are for cases only.
    w.app
        .get(
            "/api/v1/stats/checklists?group_by=theme",
            Some(&w.coord.token),
        )
        .problem(422);
    let presence = w
        .app
        .get(
            "/api/v1/stats/presence?group_by=network",
            Some(&w.coord.token),
        )
        .json();
    assert!(presence["groups"].as_array().unwrap().len() >= 2);
}

#[test]
fn posters_and_folders_are_counted_on_publicity_activities_only() {
    let (w, _) = year_of_work(0);
    let today = chrono::Utc::now().date_naive().to_string();
    let p = w
        .post(
            &w.worker_a,
            "/api/v1/activities",
            json!({"kind": "training", "title": "Vorming", "date": today, "school_id": w.school_a,
                   "participants": 10, "posters": 5}),
        )
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "posters", "{p}");
    let created = w.post(
        &w.worker_a,
        "/api/v1/activities",
        json!({"kind": "publicity", "title": "Affiches", "date": today, "school_id": w.school_a,
               "participants": 0, "posters": 12}),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["posters"], 12);
    assert_eq!(created.json()["folders"], 0);
}
