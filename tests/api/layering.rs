//! The layers depend in one direction: i18n ← domain ← db ← auth ← usecases ← api ← startup ←
//! main, with `state` (what a request can reach) below `api` and `startup`. Storage never speaks
//! HTTP, and no layer reaches up. Read from the source, so a wrong `use` fails here before it
//! becomes an import cycle.

use std::path::{Path, PathBuf};

/// What each folder (or file) of `src` may not name.
const RULES: &[(&str, &[&str])] = &[
    (
        "i18n",
        &[
            "api", "startup", "state", "db", "auth", "usecases", "domain", "error", "openapi",
        ],
    ),
    (
        "domain",
        &["api", "startup", "state", "db", "auth", "usecases"],
    ),
    ("db", &["api", "startup", "state", "auth", "usecases"]),
    ("auth", &["api", "startup", "usecases"]),
    ("usecases", &["api", "startup"]),
    ("state", &["api", "startup"]),
    ("error.rs", &["api", "startup"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(at: &Path, out: &mut Vec<PathBuf>) {
    if at.is_file() {
        out.push(at.to_path_buf());
        return;
    }
    for entry in std::fs::read_dir(at).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line, without a trailing `//` comment (doc comments may name other layers).
fn code(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return "";
    }
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every `crate::<module>` a file names in code, with its line number.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = code(line);
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push((n + 1, name));
            }
            rest = after;
        }
        // `use crate::{api, db}` names several at once.
        if let Some(i) = line.find("crate::{") {
            let inner = &line[i + "crate::{".len()..];
            let inner = inner.split('}').next().unwrap_or("");
            for name in inner.split(',') {
                let name = name.trim().split("::").next().unwrap_or("").to_string();
                if !name.is_empty() {
                    found.push((n + 1, name));
                }
            }
        }
    }
    found
}

#[test]
fn lower_layers_never_import_the_api_or_the_server() {
    let mut broken = Vec::new();
    let mut files_read = 0;
    for (place, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&src().join(place), &mut files);
        assert!(!files.is_empty(), "src/{place} has no Rust files");
        for file in files {
            files_read += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, name) in crate_paths(&text) {
                if forbidden.contains(&name.as_str()) {
                    broken.push(format!(
                        "{}:{line} names crate::{name}, a layer above src/{place}",
                        file.strip_prefix(src()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(files_read > 20, "read only {files_read} files");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_layering_check_sees_a_forbidden_import() {
    let text = "//! a doc naming crate::api is fine\nuse crate::api::cases::open_case;\n\
                use crate::{db, startup};\nlet x = 1; // crate::api in a comment\n";
    let names: Vec<String> = crate_paths(text).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["api", "db", "startup"]);
}

#[test]
fn only_the_viewer_branches_on_roles_in_the_api() {
    // A role branch in a handler is a view decided outside the viewer: a new role would fall
    // into it silently. Handlers match on `Viewer::sees()` or ask the policy table instead.
    let mut files = Vec::new();
    rust_files(&src().join("api"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let line = code(line);
            if line.contains("Role::") || line.contains(".role ==") || line.contains(".role !=") {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(src()).unwrap().display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// utoipa names a schema after its type (or its `#[schema(as = …)]`) and keeps only one of two
/// types with the same name: the document then describes one with the other's fields or values.
/// Every type deriving `ToSchema` must have its own schema name.
#[test]
fn every_schema_name_is_used_by_one_type_only() {
    let derive = regex::Regex::new(r"#\[derive\(([^)]*)\)\]").unwrap();
    let item = regex::Regex::new(r"pub(?:\([^)]*\))?\s+(?:struct|enum)\s+(\w+)").unwrap();
    let alias = regex::Regex::new(r"#\[schema\([^\]]*\bas\s*=\s*(\w+)").unwrap();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for d in derive.captures_iter(&text) {
            if !d[1].split(',').any(|t| t.trim() == "ToSchema") {
                continue;
            }
            let rest = &text[d.get(0).unwrap().end()..];
            let Some(it) = item.captures(rest) else {
                continue;
            };
            let attrs = &rest[..it.get(0).unwrap().start()];
            let name = alias
                .captures(attrs)
                .map_or(it[1].to_string(), |a| a[1].to_string());
            let at = f.strip_prefix(src()).unwrap().display().to_string();
            seen.entry(name)
                .or_default()
                .push(format!("{at} ({})", &it[1]));
        }
    }
    assert!(seen.len() > 50, "only {} schema types found", seen.len());
    let clashes: Vec<String> = seen
        .into_iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(name, at)| format!("{name}: {}", at.join(", ")))
        .collect();
    assert!(clashes.is_empty(), "schema names used twice: {clashes:#?}");
}
