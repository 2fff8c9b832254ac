//! Themes: the taxonomy of problem themes (taal, armoede, ...) services and cases are tagged with.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::common::{
    self, Checks, Page, check_if_match, created, decode_cursor, etag, ok_with_etag,
};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::AuthUser;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::auth::policy::{Action, require};
use crate::db::now;
use crate::db::themes::{self as repo, ThemeRow};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;

/// A problem theme with a stable code and a Dutch and English label.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"code": "language", "label_nl": "Taal", "label_en": "Language", "active": true, "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z"}))]
pub struct Theme {
    /// Stable snake_case code; never changes.
    #[schema(example = "language", pattern = "^[a-z][a-z0-9_]{1,49}$")]
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
    /// A retired theme (false) stays on old records; new references to it are refused.
    pub active: bool,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

impl From<ThemeRow> for Theme {
    fn from(r: ThemeRow) -> Self {
        Theme {
            code: r.code,
            label_nl: r.label_nl,
            label_en: r.label_en,
            active: r.active,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ThemeQuery {
    /// Only active (true) or retired (false) themes.
    pub active: Option<bool>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "digital_inclusion", "label_nl": "Digitale inclusie", "label_en": "Digital inclusion"}))]
pub struct NewTheme {
    /// snake_case: a lower-case letter, then lower-case letters, digits or `_`; 2–50 characters.
    #[schema(pattern = "^[a-z][a-z0-9_]{1,49}$")]
    #[validate(custom(function = "snake_case_code"))]
    pub code: String,
    #[validate(length(min = 1, max = 100))]
    pub label_nl: String,
    #[validate(length(min = 1, max = 100))]
    pub label_en: String,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct ThemePatch {
    #[validate(length(min = 1, max = 100))]
    pub label_nl: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub label_en: Option<String>,
    /// `false` retires the theme, `true` brings it back.
    pub active: Option<bool>,
}

fn snake_case_code(s: &str) -> Result<(), validator::ValidationError> {
    let mut chars = s.chars();
    let ok = (2..=50).contains(&s.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        // The rule names its catalogue message by code (see `error::describe`).
        Err(validator::ValidationError::new(
            Code::SnakeCaseCode.as_str(),
        ))
    }
}

#[utoipa::path(
    get, path = "/api/v1/themes", tag = "themes", operation_id = "list_themes",
    summary = "List themes",
    description = "Themes sorted by code, retired ones included unless `active` says otherwise. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(ThemeQuery),
    responses((status = 200, description = "A page of themes", body = Page<Theme>))
)]
#[get("/api/v1/themes")]
pub async fn list_themes(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<ThemeQuery>,
) -> ApiResult<web::Json<Page<Theme>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<String>(q.cursor.as_deref())?;
    let rows = state
        .db
        .run(move |conn| Ok(repo::list(conn, q.active, after, limit)?))
        .await?;
    Ok(web::Json(common::page(
        rows,
        limit,
        |r| r.code.clone(),
        Theme::from,
    )))
}

#[utoipa::path(
    get, path = "/api/v1/themes/{code}", tag = "themes", operation_id = "get_theme",
    summary = "Get a theme", description = "Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("code" = String, Path, description = "Theme code")),
    responses(
        (status = 200, description = "The theme", body = Theme, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/themes/{code}")]
pub async fn get_theme(
    state: web::Data<AppState>,
    user: AuthUser,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadSocialMap)?;
    let code = code.into_inner();
    let row = state
        .db
        .run(move |conn| Ok(repo::find(conn, &code)?))
        .await?;
    Ok(ok_with_etag(
        &Theme::from(row.clone()),
        &etag(row.updated_at),
    ))
}

#[utoipa::path(
    post, path = "/api/v1/themes", tag = "themes", operation_id = "create_theme",
    summary = "Add a theme",
    description = "The code is stable: it cannot be changed later, only the labels. Roles: coordinator.",
    security(("bearer" = [])), request_body = NewTheme,
    responses(
        (status = 201, description = "Created", body = Theme, headers(("Location" = String, description = "The new theme"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "A theme with this code exists (perhaps retired: reactivate it)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/themes")]
pub async fn create_theme(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    body: ApiJson<NewTheme>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner()?;
    let mut checks = Checks::default();
    checks.check(!b.label_nl.trim().is_empty(), "label_nl", Code::Blank);
    checks.check(!b.label_en.trim().is_empty(), "label_en", Code::Blank);
    checks.finish()?;
    let row = state
        .db
        .write(move |conn| {
            if crate::db::optional(repo::find(conn, &b.code))?.is_some() {
                return Err(ApiError::conflict(crate::msg!(ThemeExists, code = &b.code)));
            }
            let at = now();
            repo::insert(
                conn,
                &ThemeRow {
                    code: b.code.clone(),
                    label_nl: b.label_nl.trim().to_string(),
                    label_en: b.label_en.trim().to_string(),
                    active: true,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            Ok(repo::find(conn, &b.code)?)
        })
        .await?;
    let tag = etag(row.updated_at);
    Ok(created(
        &Theme::from(row.clone()),
        format!("/api/v1/themes/{}", row.code),
        &tag,
    ))
}

#[utoipa::path(
    patch, path = "/api/v1/themes/{code}", tag = "themes", operation_id = "update_theme",
    summary = "Relabel, retire or reactivate a theme",
    description = "Only the fields sent change. `active: false` retires the theme: services and cases that have it keep it, but new references to it are refused (422). Roles: coordinator.",
    security(("bearer" = [])), request_body = ThemePatch,
    params(("code" = String, Path, description = "Theme code"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = Theme, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/themes/{code}")]
pub async fn update_theme(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    req: HttpRequest,
    code: web::Path<String>,
    body: ApiJson<ThemePatch>,
) -> ApiResult<HttpResponse> {
    let (code, b, if_match) = (
        code.into_inner(),
        body.into_inner()?,
        common::if_match(&req),
    );
    let mut checks = Checks::default();
    for (field, v) in [("label_nl", &b.label_nl), ("label_en", &b.label_en)] {
        if let Some(v) = v {
            checks.check(!v.trim().is_empty(), field, Code::Blank);
        }
    }
    checks.finish()?;
    let row = state
        .db
        .write(move |conn| {
            let current = repo::find(conn, &code)?;
            check_if_match(if_match.as_deref(), &etag(current.updated_at))?;
            repo::update(
                conn,
                &code,
                b.label_nl
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or(&current.label_nl),
                b.label_en
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or(&current.label_en),
                b.active.unwrap_or(current.active),
            )?;
            Ok(repo::find(conn, &code)?)
        })
        .await?;
    Ok(ok_with_etag(
        &Theme::from(row.clone()),
        &etag(row.updated_at),
    ))
}
