//! The log: text lines (the default) or one JSON object per line (`LOG_FORMAT=json`) for a log
//! platform, each naming the request it was written for.
//!
//! The request id travels with the request: a task-local while its future runs, a thread-local
//! while its database work runs on the blocking pool, so a line written anywhere on the way
//! carries it without being passed along.

use std::cell::RefCell;
use std::io::Write;

use serde_json::{Map, Value};

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `[time LEVEL target] message`, for people reading a terminal or journal.
    Text,
    /// One JSON object per line: `time`, `level`, `target`, `message`, `request_id` when the
    /// line was written for a request, and the access log's `method`, `route`, `path`,
    /// `status`, `latency_ms`, `client`.
    Json,
}

impl Format {
    /// From `LOG_FORMAT` (`text` when unset or empty).
    pub fn from_env() -> Result<Format, String> {
        match std::env::var("LOG_FORMAT") {
            Ok(v) => Format::parse(&v),
            Err(_) => Ok(Format::Text),
        }
    }

    pub fn parse(value: &str) -> Result<Format, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "LOG_FORMAT must be `text` or `json`, not `{other}`"
            )),
        }
    }
}

tokio::task_local! {
    static TASK_REQUEST_ID: String;
}

thread_local! {
    static THREAD_REQUEST_ID: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs a request's future with its id known to every line it logs.
pub async fn scope<F: std::future::Future>(request_id: String, f: F) -> F::Output {
    TASK_REQUEST_ID.scope(request_id, f).await
}

/// The id of the request being served here, if any.
pub fn request_id() -> Option<String> {
    TASK_REQUEST_ID
        .try_with(Clone::clone)
        .ok()
        .or_else(|| THREAD_REQUEST_ID.with(|r| r.borrow().clone()))
}

/// Runs `f` (on a blocking thread) with `request_id` known to the lines it logs.
pub fn with_request_id<T>(request_id: Option<String>, f: impl FnOnce() -> T) -> T {
    let before = THREAD_REQUEST_ID.with(|r| r.replace(request_id));
    let value = f();
    THREAD_REQUEST_ID.with(|r| *r.borrow_mut() = before);
    value
}

/// Installs the logger: `RUST_LOG` filters (default `info`), `format` writes.
pub fn init(format: Format) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format {
        // The access log's fields are in its message already.
        Format::Text => builder.format_key_values(env_logger::fmt::hidden_kv_format),
        Format::Json => builder.format(|buf, record| {
            let line = json_line(record);
            writeln!(buf, "{line}")
        }),
    };
    builder.init();
}

/// Collects a record's key-values as JSON values.
struct Fields<'a>(&'a mut Map<String, Value>);

impl<'kvs> log::kv::VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        let json = if let Some(n) = value.to_u64() {
            Value::from(n)
        } else if let Some(n) = value.to_i64() {
            Value::from(n)
        } else if let Some(x) = value.to_f64() {
            serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
        } else if let Some(b) = value.to_bool() {
            Value::Bool(b)
        } else if let Some(s) = value.to_borrowed_str() {
            Value::String(s.to_string())
        } else {
            Value::String(value.to_string())
        };
        self.0.insert(key.as_str().to_string(), json);
        Ok(())
    }
}

/// One record as one line of JSON (no newline inside: serde_json escapes them).
pub fn json_line(record: &log::Record<'_>) -> String {
    let mut map = Map::new();
    map.insert(
        "time".into(),
        Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
    );
    map.insert("level".into(), Value::String(record.level().to_string()));
    map.insert("target".into(), Value::String(record.target().to_string()));
    map.insert("message".into(), Value::String(record.args().to_string()));
    let mut fields = Map::new();
    let _ = record.key_values().visit(&mut Fields(&mut fields));
    if !fields.contains_key("request_id")
        && let Some(id) = request_id()
    {
        map.insert("request_id".into(), Value::String(id));
    }
    for (k, v) in fields {
        // The four fixed keys are never overwritten by a record's own fields.
        map.entry(k).or_insert(v);
    }
    Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_with_fields_is_one_json_object_with_the_request_id() {
        let line = with_request_id(Some("rid-1".into()), || {
            let kvs: &[(&str, log::kv::Value)] = &[
                ("status", log::kv::Value::from(200u16)),
                ("route", log::kv::Value::from("/api/v1/cases/{id}")),
                ("latency_ms", log::kv::Value::from(1.5f64)),
            ];
            json_line(
                &log::Record::builder()
                    .args(format_args!("GET /x \"quoted\"\nnext"))
                    .level(log::Level::Info)
                    .target("access")
                    .key_values(&kvs)
                    .build(),
            )
        });
        assert!(!line.contains('\n'), "{line}");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["target"], "access");
        assert_eq!(v["message"], "GET /x \"quoted\"\nnext");
        assert_eq!(v["request_id"], "rid-1");
        assert_eq!(v["status"], 200);
        assert_eq!(v["route"], "/api/v1/cases/{id}");
        assert_eq!(v["latency_ms"], 1.5);
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
        // Outside a request, no id.
        assert!(request_id().is_none());
    }

    #[test]
    fn the_format_is_text_or_json() {
        assert_eq!(Format::parse("JSON"), Ok(Format::Json));
        assert_eq!(Format::parse(""), Ok(Format::Text));
        assert!(Format::parse("xml").is_err());
    }
}
