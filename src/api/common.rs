//! The conventions every resource follows: keyset pages, ETags and If-Match, 201 with Location.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::i18n::Code;
use crate::state::AppState;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// One page of a list. Pass `next_cursor` as `cursor` to get the next page; it is null on the
/// last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Opaque; null when there are no more items.
    pub next_cursor: Option<String>,
}

pub fn limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// One part of a keyset cursor's sort key, as text.
pub trait CursorPart: Sized {
    fn encode(&self) -> String;
    fn decode(text: &str) -> Option<Self>;
}

impl CursorPart for String {
    fn encode(&self) -> String {
        self.clone()
    }
    fn decode(text: &str) -> Option<Self> {
        Some(text.to_string())
    }
}

impl CursorPart for i64 {
    fn encode(&self) -> String {
        self.to_string()
    }
    fn decode(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl CursorPart for u32 {
    fn encode(&self) -> String {
        self.to_string()
    }
    fn decode(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl CursorPart for chrono::NaiveDate {
    fn encode(&self) -> String {
        self.to_string()
    }
    fn decode(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

/// A timestamp, to the microsecond both backends store.
impl CursorPart for NaiveDateTime {
    fn encode(&self) -> String {
        self.and_utc().timestamp_micros().to_string()
    }
    fn decode(text: &str) -> Option<Self> {
        let micros = text.parse::<i64>().ok()?;
        chrono::DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc())
    }
}

/// Ids sort and page as their text.
macro_rules! id_cursor_parts {
    ($($t:ty),*) => {$(
        impl CursorPart for $t {
            fn encode(&self) -> String {
                self.to_string()
            }
            fn decode(text: &str) -> Option<Self> {
                Some(<$t>::from(text))
            }
        }
    )*};
}
id_cursor_parts!(
    crate::domain::ids::CaseId,
    crate::domain::ids::SchoolId,
    crate::domain::ids::UserId,
    crate::domain::ids::ReferralId
);

/// The sort key of a keyset list: one part, or a tuple of parts.
pub trait CursorKey: Sized {
    fn parts(&self) -> Vec<String>;
    fn from_parts(parts: &[String]) -> Option<Self>;
}

impl<A: CursorPart> CursorKey for A {
    fn parts(&self) -> Vec<String> {
        vec![self.encode()]
    }
    fn from_parts(parts: &[String]) -> Option<Self> {
        match parts {
            [a] => A::decode(a),
            _ => None,
        }
    }
}

impl<A: CursorPart, B: CursorPart> CursorKey for (A, B) {
    fn parts(&self) -> Vec<String> {
        vec![self.0.encode(), self.1.encode()]
    }
    fn from_parts(parts: &[String]) -> Option<Self> {
        match parts {
            [a, b] => Some((A::decode(a)?, B::decode(b)?)),
            _ => None,
        }
    }
}

impl<A: CursorPart, B: CursorPart, C: CursorPart> CursorKey for (A, B, C) {
    fn parts(&self) -> Vec<String> {
        vec![self.0.encode(), self.1.encode(), self.2.encode()]
    }
    fn from_parts(parts: &[String]) -> Option<Self> {
        match parts {
            [a, b, c] => Some((A::decode(a)?, B::decode(b)?, C::decode(c)?)),
            _ => None,
        }
    }
}

/// An opaque keyset cursor: the sort key of the last item of the page.
pub fn encode_cursor<K: CursorKey>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&key.parts()).unwrap_or_default())
}

/// `?cursor=` of a keyset list, as the list's sort key; 422 naming `cursor` when it is not a
/// cursor this list gave out.
pub fn decode_cursor<K: CursorKey>(cursor: Option<&str>) -> ApiResult<Option<K>> {
    let Some(c) = cursor else { return Ok(None) };
    let bad = || ApiError::Validation(vec![FieldError::new("cursor", Code::CursorInvalid)]);
    let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let parts: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    K::from_parts(&parts).map(Some).ok_or_else(bad)
}

/// Builds a page from `limit + 1` fetched rows: the extra row only tells that there is more.
pub fn page<R, K: CursorKey, T: ToSchema>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> K,
    map: impl FnMut(R) -> T,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| encode_cursor(&key(r)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(map).collect(),
        next_cursor,
    }
}

/// The ETag of an object: its last change, to the microsecond.
pub fn etag(updated_at: NaiveDateTime) -> String {
    format!("\"{}\"", updated_at.and_utc().timestamp_micros())
}

/// `If-Match` is optional; when sent, it must name the current version (or `*`).
pub fn check_if_match(if_match: Option<&str>, current: &str) -> ApiResult<()> {
    match if_match {
        None => Ok(()),
        Some(v) if v.trim() == "*" => Ok(()),
        Some(v)
            if v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == current) =>
        {
            Ok(())
        }
        Some(_) => Err(ApiError::PreconditionFailed),
    }
}

pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

/// 200 with the object and its ETag.
pub fn ok_with_etag<T: Serialize>(body: &T, tag: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag.to_string()))
        .json(body)
}

/// 201 with the object, its ETag and its Location.
pub fn created<T: Serialize>(body: &T, location: String, tag: &str) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, tag.to_string()))
        .json(body)
}

pub use crate::error::Checks;

pub use crate::usecases::search::fold;

/// The document's schema for an optional contact field kept as a string: a value in `format`, or
/// `""` when there is none (the field may be left empty, and `""` clears it).
fn format_or_empty(format: &str, what: &str, nullable: bool) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::SchemaFormat;
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
    let mut any_of = AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::Custom(format.into()))),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        );
    let mut description = format!("{what}, or empty when there is none.");
    if nullable {
        any_of = any_of.item(ObjectBuilder::new().schema_type(Type::Null));
        description.push_str(" Null or absent: unchanged.");
    }
    utoipa::openapi::schema::Schema::AnyOf(any_of.description(Some(description)).build())
}

/// `#[schema(schema_with = ...)]` for an e-mail field that may be empty.
pub fn email_or_empty() -> utoipa::openapi::schema::Schema {
    format_or_empty("email", "An e-mail address", false)
}

/// The same in a PATCH body, where null leaves it unchanged.
pub fn email_or_empty_patch() -> utoipa::openapi::schema::Schema {
    format_or_empty("email", "An e-mail address", true)
}

/// `#[schema(schema_with = ...)]` for a web address that may be empty.
pub fn web_url_or_empty() -> utoipa::openapi::schema::Schema {
    format_or_empty("uri", "An absolute http(s) URL", false)
}

/// The same in a PATCH body, where null leaves it unchanged.
pub fn web_url_or_empty_patch() -> utoipa::openapi::schema::Schema {
    format_or_empty("uri", "An absolute http(s) URL", true)
}

/// How one kind of object is deleted: found, versioned, checked for what still refers to it.
pub struct Removal<R> {
    pub find: fn(&mut DbConn, &str) -> diesel::QueryResult<R>,
    pub version: fn(&R) -> NaiveDateTime,
    /// What still refers to the object (the 409's detail), if anything.
    pub in_use: fn(&mut DbConn, &str) -> diesel::QueryResult<Option<crate::i18n::Code>>,
    pub delete: fn(&mut DbConn, &str) -> diesel::QueryResult<()>,
}

/// Deletes an object unless something still refers to it, honouring If-Match: 404 when it is
/// not there, 412 when stale, 409 naming what still refers to it, else 204.
pub async fn delete_unless_used<R: 'static>(
    state: &AppState,
    req: &HttpRequest,
    id: &uuid::Uuid,
    removal: Removal<R>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.to_string(), if_match(req));
    state
        .db
        .write(move |conn| {
            let current = (removal.find)(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag((removal.version)(&current)))?;
            if let Some(why) = (removal.in_use)(conn, &id)? {
                return Err(ApiError::conflict(why));
            }
            (removal.delete)(conn, &id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Declares `DELETE {path}` for a social-map object: the coordinator deletes it unless something
/// still refers to it (`delete_unless_used`), with its document. The caller has `actix_web::delete`
/// in scope (utoipa reads the route from that attribute by its name).
macro_rules! delete_endpoint {
    (
        $fn:ident, $path:literal, tag = $tag:literal, op = $op:literal, summary = $summary:literal,
        description = $desc:literal, id = $iddesc:literal, conflict = $conflict:literal,
        removal = $removal:expr
    ) => {
        #[utoipa::path(
            delete, path = $path, tag = $tag, operation_id = $op, summary = $summary, description = $desc,
            security(("bearer" = [])),
            params(("id" = Uuid, Path, description = $iddesc), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
            responses(
                (status = 204, description = "Deleted"),
                (status = 403, response = crate::openapi::Forbidden),
                (status = 404, response = crate::openapi::NotFound),
                (status = 409, description = $conflict, body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, response = crate::openapi::PreconditionFailed)
            )
        )]
        #[delete($path)]
        pub async fn $fn(
            state: actix_web::web::Data<crate::state::AppState>,
            _: crate::auth::extractor::Allowed<crate::auth::policy::can::WriteSocialMap>,
            req: actix_web::HttpRequest,
            id: actix_web::web::Path<uuid::Uuid>,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> {
            crate::api::common::delete_unless_used(&state, &req, &id, $removal).await
        }
    };
}
pub(crate) use delete_endpoint;

/// For a field where `null` and absent differ: `"x": null` clears it, leaving it out keeps it
/// (`#[serde(default, deserialize_with = "crate::api::common::present")]`).
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}
