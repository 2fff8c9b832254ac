//! Request extractors that answer bad input with problem+json naming the field: JSON bodies
//! (content type, size, syntax, control characters, types, validation rules), query strings and
//! path parameters.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::domain::text::{control_message, control_message_in, forbidden_control};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::i18n::{Code, Msg};
use crate::state::AppState;

/// Default body limit when no application state is present (it always is, outside unit tests).
const DEFAULT_LIMIT: usize = 1024 * 1024;

/// A body that stopped arriving before its deadline (see `startup::BodyDeadline`) is 408.
fn body_error(e: actix_web::error::PayloadError) -> ApiError {
    match &e {
        actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            ApiError::RequestTimeout {
                seconds: io
                    .to_string()
                    .split_whitespace()
                    .find_map(|w| w.parse().ok())
                    .unwrap_or(0),
            }
        }
        _ => ApiError::BadRequest(crate::msg!(BodyReadFailed, reason = e)),
    }
}

/// A JSON body, checked for content type and size, deserialised with the failing field's path
/// and validated with its `validator` rules.
///
/// Extraction itself never fails: actix runs a handler's extractors concurrently, and a body
/// error must not overtake the authentication and authorization answer (401/403 come first).
/// The handler takes the value with `into_inner()?` after its policy check.
#[derive(Debug)]
pub struct ApiJson<T>(ApiResult<T>);

impl<T> ApiJson<T> {
    pub fn into_inner(self) -> ApiResult<T> {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(m)) => {
            m.type_() == mime_json().type_()
                && (m.subtype() == "json" || m.suffix().map(|s| s == "json").unwrap_or(false))
        }
        _ => false,
    }
}

fn mime_json() -> actix_web::mime::Mime {
    actix_web::mime::APPLICATION_JSON
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json::<T>(req, payload);
        Box::pin(async move { Ok(ApiJson(body.await)) })
    }
}

fn read_json<T: DeserializeOwned + Validate + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, ApiResult<T>> {
    {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.max_body_bytes)
            .unwrap_or(DEFAULT_LIMIT);

        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    Code::JsonContentTypeRequired.into(),
                ));
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(body_error)?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            let value: T = parse_json(&body)?;
            value.validate()?;
            Ok(value)
        })
    }
}

/// Parses JSON; syntax errors are 400, a well-formed body of the wrong shape, or with a control
/// character in a string or key, is 422 with the path of the offending field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::BadRequest(Code::JsonBodyMissing.into()));
    }
    control_characters(body)?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => value,
        // JSON has one number type: `2010.0` is the integer 2010 to JSON Schema, and so to us.
        Err(e) => match integral_floats(body) {
            Some(value) => return Ok(value),
            None => return Err(parse_error(e)),
        },
    };
    de.end()
        .map_err(|e| ApiError::BadRequest(crate::msg!(JsonMalformed, reason = e)))?;
    Ok(value)
}

fn parse_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let message = strip_position(&inner.to_string());
            ApiError::Validation(vec![FieldError::new(
                field_path(&path, &message),
                serde_message(&message),
            )])
        }
        _ => ApiError::BadRequest(crate::msg!(JsonMalformed, reason = inner)),
    }
}

/// The body read again with every float that is a whole number (`3.0`, `1e3`) taken as that
/// integer; `None` when there is none or it still does not fit `T`.
fn integral_floats<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    fn whole(value: &mut serde_json::Value) -> bool {
        use serde_json::Value;
        match value {
            Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    *value = Value::from(f as i64);
                    return true;
                }
                false
            }
            Value::Array(items) => items.iter_mut().fold(false, |any, v| whole(v) | any),
            Value::Object(map) => map.values_mut().fold(false, |any, v| whole(v) | any),
            _ => false,
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if !whole(&mut value) {
        return None;
    }
    serde_json::from_value(value).ok()
}

/// Refuses control characters in any string or object key of a JSON body (see
/// `domain::text`), naming each by its path as serde would. Most bodies cannot hold one (JSON
/// forbids them raw below U+0020), so only a body with a `\u` escape or a raw U+007F–U+009F is
/// walked; one that is not well-formed is left to the typed parse to report.
fn control_characters(body: &[u8]) -> Result<(), ApiError> {
    let may_hold = body
        .windows(2)
        .any(|w| w == b"\\u" || w[0] == 0x7f || (w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1])));
    if !may_hold {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok(());
    };
    let mut errors = Vec::new();
    walk(&value, "", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn walk(value: &serde_json::Value, path: &str, errors: &mut Vec<FieldError>) {
    use serde_json::Value;
    let here = || if path.is_empty() { "body" } else { path }.to_string();
    match value {
        Value::String(s) => {
            if let Some(c) = forbidden_control(s) {
                errors.push(FieldError::new(here(), control_message(c)));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                if let Some(c) = forbidden_control(k) {
                    errors.push(FieldError::new(
                        here(),
                        control_message_in(c, Code::ControlCharacterInKey),
                    ));
                    continue;
                }
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, &child, errors);
            }
        }
        _ => {}
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// serde reports a missing or unknown field at its parent; name the field itself.
fn field_path(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    let base = if path == "." { "" } else { path };
    // serde_path_to_error already ends the path with an unknown field's name.
    if let Some(f) = named
        && (base == f || base.ends_with(&format!(".{f}")))
    {
        return base.to_string();
    }
    match (named, base) {
        (Some(f), "") => f.to_string(),
        (Some(f), b) => format!("{b}.{f}"),
        (None, "") => "body".to_string(),
        (None, b) => b.to_string(),
    }
}

/// serde's English message (`unknown variant `hoog`, expected one of `low`, `medium`, `high``)
/// as a catalogue message with a stable code. serde gives only text, so its standard forms are
/// read here, in one place; anything else keeps serde's words as the reason of `invalid`.
pub fn serde_message(raw: &str) -> Msg {
    let between = |s: &str| -> Option<(String, String)> {
        let (value, tail) = s.split_once('`')?;
        Some((value.to_string(), tail.to_string()))
    };
    let expected_list = |tail: &str| -> Option<String> {
        tail.strip_prefix(", expected one of ")
            .or_else(|| tail.strip_prefix(", expected "))
            .map(str::to_string)
    };
    if let Some((value, tail)) = raw.strip_prefix("unknown variant `").and_then(between) {
        let allowed = expected_list(&tail).unwrap_or_default();
        return crate::msg!(UnknownValue, value = value, allowed = allowed);
    }
    if let Some((_, tail)) = raw.strip_prefix("unknown field `").and_then(between) {
        return match expected_list(&tail) {
            Some(allowed) => crate::msg!(UnknownField, allowed = allowed),
            None => Code::UnknownFieldNone.into(),
        };
    }
    if raw.starts_with("missing field `") {
        return Code::Required.into();
    }
    if raw.starts_with("duplicate field `") {
        return Code::DuplicateField.into();
    }
    if let Some(rest) = raw.strip_prefix("invalid type: ")
        && let Some((_, expected)) = rest.rsplit_once(", expected ")
    {
        return Msg::new(Code::InvalidType).arg_msg("expected", expected_kind(expected));
    }
    if let Some(rest) = raw.strip_prefix("invalid value: ")
        && let Some((_, expected)) = rest.rsplit_once(", expected ")
    {
        return Msg::new(Code::InvalidValue).arg_msg("expected", expected_kind(expected));
    }
    if let Some(rest) = raw.strip_prefix("invalid length ")
        && let Some((length, expected)) = rest.split_once(", expected ")
    {
        return Msg::new(Code::InvalidLength)
            .arg("length", length)
            .arg_msg("expected", expected_kind(expected));
    }
    let uuid = raw.starts_with("UUID parsing failed")
        || raw.contains("`urn:uuid:`")
        || raw.starts_with("invalid group")
        || raw.starts_with("invalid length: expected length 32");
    if uuid {
        return Code::InvalidUuid.into();
    }
    // chrono's parse errors (dates, times, timestamps).
    const DATE_TIME: [&str; 7] = [
        "input contains invalid characters",
        "premature end of input",
        "input is out of range",
        "trailing input",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "bad or unsupported format string",
    ];
    if DATE_TIME.contains(&raw) {
        return Code::InvalidDateTime.into();
    }
    // std's number parsers (query strings arrive as text).
    const NUMBER: [&str; 5] = [
        "invalid digit found in string",
        "cannot parse integer from empty string",
        "number too large to fit in target type",
        "number too small to fit in target type",
        "invalid float literal",
    ];
    if NUMBER.contains(&raw) {
        return Code::InvalidNumber.into();
    }
    if raw == "provided string was not `true` or `false`" {
        return Code::InvalidBoolean.into();
    }
    crate::msg!(Invalid, reason = raw)
}

/// What serde expected (`a string`, `u32`, `struct NewCase`), in the catalogue's words where
/// it is a plain kind.
fn expected_kind(expected: &str) -> Msg {
    let code = match expected {
        "a string" | "a borrowed string" | "a character" | "char" => Code::TypeString,
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" => Code::TypeInteger,
        "f32" | "f64" => Code::TypeNumber,
        "a boolean" => Code::TypeBoolean,
        "a sequence" => Code::TypeList,
        "a map" => Code::TypeObject,
        "unit" => Code::TypeNull,
        e if e.starts_with("struct ") => Code::TypeObject,
        e if e.starts_with("a tuple") => Code::TypeList,
        e if e.contains("UUID") => Code::TypeUuid,
        e if e.contains("date") || e.contains("time") => Code::TypeDateTime,
        other => return crate::msg!(Verbatim, text = other),
    };
    code.into()
}

pub use crate::error::flatten_validation_errors;

/// A query string, deserialised with the failing parameter's name, then validated.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    let mut errors = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(c) = forbidden_control(&k) {
            errors.push(FieldError::new(
                "query",
                control_message_in(c, Code::ControlCharacterInParameterName),
            ));
        } else if let Some(c) = forbidden_control(&v) {
            errors.push(FieldError::new(k.into_owned(), control_message(c)));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        ApiError::Validation(vec![FieldError::new(
            field_path(&path, &message),
            serde_message(&message),
        )])
    })?;
    value.validate()?;
    Ok(value)
}

/// Path parameters that fail to parse (e.g. an id that is not a UUID): 400 naming them.
pub fn path_error_handler(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let bad: Vec<FieldError> = req
        .match_info()
        .iter()
        .filter(|(_, v)| uuid::Uuid::parse_str(v).is_err())
        .map(|(k, _)| FieldError::new(k, Code::InvalidUuid))
        .collect();
    let errors = if bad.is_empty() {
        vec![FieldError::new(
            "path",
            crate::msg!(PathInvalid, reason = err),
        )]
    } else {
        bad
    };
    ApiError::Validation(errors).into()
}

/// An optional body as sent: `null` or the object.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct OrNull<T>(Option<T>);

impl<T: Validate> Validate for OrNull<T> {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        self.0.as_ref().map_or(Ok(()), Validate::validate)
    }
}

/// Like `ApiJson`, for actions whose body is optional: an empty body without a Content-Type
/// gets `T::default()`; a body that is sent is checked like `ApiJson`.
#[derive(Debug)]
pub struct OptionalJson<T>(ApiResult<T>);

impl<T> OptionalJson<T> {
    pub fn into_inner(self) -> ApiResult<T> {
        self.0
    }
}

impl<T: DeserializeOwned + Validate + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().contains_key(header::CONTENT_TYPE) {
            // `null` is the document's other choice for an optional body: the same as none.
            let body = read_json::<OrNull<T>>(req, payload);
            return Box::pin(async move {
                Ok(OptionalJson(body.await.map(|b| b.0.unwrap_or_default())))
            });
        }
        let mut payload = payload.take();
        Box::pin(async move {
            // Without a Content-Type only an empty body is acceptable.
            let mut empty = true;
            while let Some(chunk) = payload.next().await {
                if chunk.map(|c| !c.is_empty()).unwrap_or(true) {
                    empty = false;
                    break;
                }
            }
            Ok(OptionalJson(if empty {
                Ok(T::default())
            } else {
                Err(ApiError::UnsupportedMediaType(
                    Code::JsonContentTypeRequired.into(),
                ))
            }))
        })
    }
}
