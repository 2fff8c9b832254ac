//! Signal checklist templates and their versions: the coordinator drafts and publishes, every
//! role reads what is published. A published version never changes.

use kinderen_eerst_macros::document_limits;
use std::collections::{HashMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{
    self, Checks, Page, check_if_match, created, decode_cursor, etag, ok_with_etag,
};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::AuthUser;
use crate::auth::extractor::Allowed;
use crate::auth::policy::{Action, allows, can, require};
use crate::db::checklists::{
    self as repo, ItemContent, SectionContent, TemplateRow, VersionContent, VersionRow,
};
use crate::db::{DbConn, now};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistVersionStatus {
    /// Being written by the coordinator; only the coordinator sees it.
    Draft,
    /// Fixed for good; schools answer it.
    Published,
}

impl ChecklistVersionStatus {
    fn parse(s: &str) -> Self {
        if s == repo::PUBLISHED {
            ChecklistVersionStatus::Published
        } else {
            ChecklistVersionStatus::Draft
        }
    }
}

/// A version of a template, without its content.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistVersionSummary {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub number: i32,
    pub status: ChecklistVersionStatus,
    /// The version schools fill in now (one per template).
    pub is_current: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub item_count: i64,
}

/// A checklist template: a named list that evolves through numbered versions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000d1", "name": "Signaallijst kinderarmoede", "description": "Scholen vullen de lijst in voor één leerling wanneer ze zich zorgen maken.", "current_version": {"id": "0193a1b2-0000-7000-8000-0000000000e1", "number": 1, "status": "published", "is_current": true, "published_at": "2026-11-25T09:00:00Z", "item_count": 25}, "versions": [{"id": "0193a1b2-0000-7000-8000-0000000000e1", "number": 1, "status": "published", "is_current": true, "published_at": "2026-11-25T09:00:00Z", "item_count": 25}], "created_at": "2026-11-25T09:00:00Z", "updated_at": "2026-11-25T09:00:00Z"}))]
pub struct ChecklistTemplate {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
    pub description: String,
    /// The version schools fill in now; null before the first is published.
    pub current_version: Option<ChecklistVersionSummary>,
    /// All versions by number; drafts only for the coordinator.
    pub versions: Vec<ChecklistVersionSummary>,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

/// One signal: a stable code, the observation as the school reads it, and its theme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistItem {
    #[schema(example = "A1")]
    pub code: String,
    #[schema(example = "Komt zonder ontbijt of zonder (voldoende) lunch naar school.")]
    pub text: String,
    /// A theme code of the social map.
    #[schema(example = "poverty")]
    pub theme: String,
    pub help_text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistSection {
    #[schema(example = "A")]
    pub code: String,
    #[schema(example = "Basisbehoeften")]
    pub title: String,
    pub items: Vec<ChecklistItem>,
}

/// A version with its full content: what a school fills in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000e1", "template_id": "0193a1b2-0000-7000-8000-0000000000d1", "template_name": "Signaallijst kinderarmoede", "number": 1, "status": "published", "is_current": true, "intro": "Een signaal is een waarneming, geen label. …", "published_at": "2026-11-25T09:00:00Z", "created_at": "2026-11-25T09:00:00Z", "updated_at": "2026-11-25T09:00:00Z", "sections": [{"code": "A", "title": "Basisbehoeften", "items": [{"code": "A1", "text": "Komt zonder ontbijt of zonder (voldoende) lunch naar school.", "theme": "poverty", "help_text": ""}]}]}))]
pub struct ChecklistVersion {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub template_id: String,
    pub template_name: String,
    pub number: i32,
    pub status: ChecklistVersionStatus,
    pub is_current: bool,
    /// Shown above the list.
    pub intro: String,
    pub published_at: Option<DateTime<Utc>>,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
    pub sections: Vec<ChecklistSection>,
}

impl From<VersionContent> for ChecklistVersion {
    fn from(c: VersionContent) -> Self {
        let mut by_section: HashMap<String, Vec<ChecklistItem>> = HashMap::new();
        for i in c.items {
            by_section
                .entry(i.section_code)
                .or_default()
                .push(ChecklistItem {
                    code: i.code,
                    text: i.text,
                    theme: i.theme_code,
                    help_text: i.help_text,
                });
        }
        let v = c.version;
        ChecklistVersion {
            sections: c
                .sections
                .into_iter()
                .map(|s| ChecklistSection {
                    items: by_section.remove(&s.code).unwrap_or_default(),
                    code: s.code,
                    title: s.title,
                })
                .collect(),
            id: v.id,
            template_id: v.template_id,
            template_name: c.template_name,
            number: v.number,
            status: ChecklistVersionStatus::parse(&v.status),
            is_current: v.is_current,
            intro: v.intro,
            published_at: v.published_at.map(utc),
            created_at: utc(v.created_at),
            updated_at: utc(v.updated_at),
        }
    }
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Signaallijst kleuters", "description": "Voor het kleuteronderwijs"}))]
pub struct NewChecklistTemplate {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub description: String,
}

// Serialize: validator's length rule on a list records the list in its error.
#[document_limits]
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItemInput {
    /// Stable within the version: letters, digits, `_`, `-`, `.`; answers name it.
    #[schema(example = "A1", value_type = ChecklistCode)]
    pub code: String,
    #[validate(length(min = 1, max = 1000))]
    pub text: String,
    /// An active theme code.
    #[schema(example = "poverty")]
    pub theme: String,
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub help_text: String,
}

#[document_limits]
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistSectionInput {
    #[schema(example = "A", value_type = ChecklistCode)]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(max = 200), nested)]
    pub items: Vec<ChecklistItemInput>,
}

/// The content of a draft version: the intro and the sections with their items, in order.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"intro": "Een signaal is een waarneming, geen label.", "sections": [{"code": "A", "title": "Basisbehoeften", "items": [{"code": "A1", "text": "Komt zonder ontbijt naar school.", "theme": "poverty"}, {"code": "A2", "text": "Heeft vaak geen schoolmateriaal.", "theme": "school_costs", "help_text": "Ook turngerief en zwemgeld."}]}]}))]
pub struct ChecklistVersionInput {
    #[serde(default)]
    #[validate(length(max = 4000))]
    pub intro: String,
    #[validate(length(max = 50), nested)]
    pub sections: Vec<ChecklistSectionInput>,
}

/// A section's or item's code: 1 to 20 letters, digits, `_`, `-`, `.` (what `is_code` accepts).
pub const CODE_PATTERN: &str = "^[A-Za-z0-9_.-]{1,20}$";

fn is_code(s: &str) -> bool {
    (1..=20).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

crate::text_pattern!(
    /// The schema of a code (`CODE_PATTERN`).
    pub ChecklistCode,
    CODE_PATTERN,
    "Letters, digits, `_`, `-`, `.`; stable within the version"
);

/// Checks what validator cannot see (code format, unique codes, known and active themes) and
/// turns the input into content.
fn check_content(
    conn: &mut DbConn,
    input: &ChecklistVersionInput,
) -> ApiResult<Vec<SectionContent>> {
    let themes: HashMap<String, bool> = repo::themes(conn)?
        .into_iter()
        .map(|(code, _, active)| (code, active))
        .collect();
    let mut checks = Checks::default();
    let mut section_codes = HashSet::new();
    let mut item_codes = HashSet::new();
    for (i, s) in input.sections.iter().enumerate() {
        let code = s.code.as_str();
        if !is_code(code) {
            checks.add(&format!("sections[{i}].code"), Code::CodeCharacters);
        } else if !section_codes.insert(code.to_string()) {
            checks.add(
                &format!("sections[{i}].code"),
                crate::msg!(SectionCodeTwice, code = code),
            );
        }
        checks.check(
            !s.title.trim().is_empty(),
            &format!("sections[{i}].title"),
            Code::Blank,
        );
        for (j, item) in s.items.iter().enumerate() {
            let at = format!("sections[{i}].items[{j}]");
            let code = item.code.as_str();
            if !is_code(code) {
                checks.add(&format!("{at}.code"), Code::CodeCharacters);
            } else if !item_codes.insert(code.to_string()) {
                checks.add(
                    &format!("{at}.code"),
                    crate::msg!(ItemCodeTwice, code = code),
                );
            }
            checks.check(
                !item.text.trim().is_empty(),
                &format!("{at}.text"),
                Code::Blank,
            );
            match themes.get(item.theme.trim()) {
                Some(true) => {}
                Some(false) => checks.add(
                    &format!("{at}.theme"),
                    crate::msg!(ThemeRetired, code = item.theme.trim()),
                ),
                None => checks.add(
                    &format!("{at}.theme"),
                    crate::msg!(ThemeUnknown, code = item.theme.trim()),
                ),
            }
        }
    }
    checks.finish()?;
    Ok(input
        .sections
        .iter()
        .map(|s| SectionContent {
            code: s.code.trim().into(),
            title: s.title.trim().into(),
            items: s
                .items
                .iter()
                .map(|i| ItemContent {
                    code: i.code.trim().into(),
                    text: i.text.trim().into(),
                    theme: i.theme.trim().into(),
                    help_text: i.help_text.trim().into(),
                })
                .collect(),
        })
        .collect())
}

/// What publishing needs beyond a valid draft: at least one item, no empty section, and no theme
/// retired since the draft was written.
fn check_publishable(conn: &mut DbConn, c: &VersionContent) -> ApiResult<()> {
    let active: HashSet<String> = repo::themes(conn)?
        .into_iter()
        .filter(|(_, _, a)| *a)
        .map(|(code, _, _)| code)
        .collect();
    let mut checks = Checks::default();
    if c.items.is_empty() {
        checks.add("sections", Code::VersionNeedsItem);
    }
    for (i, s) in c.sections.iter().enumerate() {
        let items: Vec<_> = c
            .items
            .iter()
            .filter(|it| it.section_code == s.code)
            .collect();
        if items.is_empty() && !c.items.is_empty() {
            checks.add(
                &format!("sections[{i}].items"),
                crate::msg!(SectionNoItems, code = &s.code),
            );
        }
        for (j, it) in items.iter().enumerate() {
            if !active.contains(&it.theme_code) {
                checks.add(
                    &format!("sections[{i}].items[{j}].theme"),
                    crate::msg!(ThemeRetired, code = &it.theme_code),
                );
            }
        }
    }
    checks.finish()
}

fn summary(v: &VersionRow, counts: &HashMap<String, i64>) -> ChecklistVersionSummary {
    ChecklistVersionSummary {
        id: v.id.clone(),
        number: v.number,
        status: ChecklistVersionStatus::parse(&v.status),
        is_current: v.is_current,
        published_at: v.published_at.map(utc),
        item_count: counts.get(&v.id).copied().unwrap_or(0),
    }
}

/// Templates with their versions (drafts only when `include_drafts`).
fn with_versions(
    conn: &mut DbConn,
    rows: Vec<TemplateRow>,
    include_drafts: bool,
) -> ApiResult<Vec<ChecklistTemplate>> {
    let ids: Vec<String> = rows.iter().map(|t| t.id.clone()).collect();
    let versions = repo::versions_of(conn, &ids, include_drafts)?;
    let version_ids: Vec<String> = versions.iter().map(|v| v.id.clone()).collect();
    let counts: HashMap<String, i64> = repo::item_counts(conn, &version_ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|t| {
            let own: Vec<&VersionRow> = versions.iter().filter(|v| v.template_id == t.id).collect();
            ChecklistTemplate {
                current_version: own
                    .iter()
                    .find(|v| v.is_current)
                    .map(|v| summary(v, &counts)),
                versions: own.iter().map(|v| summary(v, &counts)).collect(),
                id: t.id,
                name: t.name,
                description: t.description,
                created_at: utc(t.created_at),
                updated_at: utc(t.updated_at),
            }
        })
        .collect())
}

/// Loads a version the caller may see: drafts are the coordinator's alone (404 for others).
fn find_visible_version(conn: &mut DbConn, user: &AuthUser, id: &str) -> ApiResult<VersionContent> {
    let v = repo::find_version(conn, id)?;
    if v.status != repo::PUBLISHED && !allows(user.role, Action::WriteChecklistTemplates) {
        return Err(ApiError::NotFound);
    }
    Ok(repo::load_content(conn, v)?)
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CurrentVersionQuery {
    /// The template; without it, the first template created (the seeded signal list).
    pub template: Option<Uuid>,
}

#[utoipa::path(
    get, path = "/api/v1/checklist-templates", tag = "checklists", operation_id = "list_checklist_templates",
    summary = "List checklist templates",
    description = "Templates by name, each with its versions and the current one. Drafts are listed for the coordinator only. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(TemplateQuery),
    responses((status = 200, description = "A page of templates", body = Page<ChecklistTemplate>))
)]
#[get("/api/v1/checklist-templates")]
pub async fn list_checklist_templates(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<TemplateQuery>,
) -> ApiResult<web::Json<Page<ChecklistTemplate>>> {
    require(&user, Action::ReadChecklistTemplates)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(String, String)>(q.cursor.as_deref())?;
    let drafts = allows(user.role, Action::WriteChecklistTemplates);
    let (rows, more) = state
        .db
        .run(move |conn| {
            let mut rows = repo::list_templates(conn, after, limit)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            Ok((with_versions(conn, rows, drafts)?, more))
        })
        .await?;
    let next_cursor = if more {
        rows.last()
            .map(|t| common::encode_cursor(&(t.name.clone(), t.id.clone())))
    } else {
        None
    };
    Ok(web::Json(Page {
        items: rows,
        next_cursor,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-templates/{id}", tag = "checklists", operation_id = "get_checklist_template",
    summary = "Get a checklist template",
    description = "The template with its versions (drafts for the coordinator only). Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Template id")),
    responses(
        (status = 200, description = "The template", body = ChecklistTemplate),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/checklist-templates/{id}")]
pub async fn get_checklist_template(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ChecklistTemplate>> {
    require(&user, Action::ReadChecklistTemplates)?;
    let id = id.to_string();
    let drafts = allows(user.role, Action::WriteChecklistTemplates);
    let mut list = state
        .db
        .run(move |conn| {
            let row = repo::find_template(conn, &id)?;
            with_versions(conn, vec![row], drafts)
        })
        .await?;
    list.pop().map(web::Json).ok_or(ApiError::NotFound)
}

#[utoipa::path(
    post, path = "/api/v1/checklist-templates", tag = "checklists", operation_id = "create_checklist_template",
    summary = "Create a checklist template",
    description = "A new, empty template; add its first version with `POST /api/v1/checklist-templates/{id}/versions`. Roles: coordinator.",
    security(("bearer" = [])), request_body = NewChecklistTemplate,
    responses(
        (status = 201, description = "Created", body = ChecklistTemplate, headers(("Location" = String, description = "The new template"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "A template with this name exists", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/checklist-templates")]
pub async fn create_checklist_template(
    state: web::Data<AppState>,
    _: Allowed<can::WriteChecklistTemplates>,
    body: ApiJson<NewChecklistTemplate>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner()?;
    let mut checks = Checks::default();
    checks.check(!b.name.trim().is_empty(), "name", Code::Blank);
    checks.finish()?;
    let mut list = state
        .db
        .write(move |conn| {
            let id = Uuid::now_v7().to_string();
            repo::insert_template(conn, &id, b.name.trim(), b.description.trim(), now())?;
            let row = repo::find_template(conn, &id)?;
            with_versions(conn, vec![row], true)
        })
        .await?;
    let t = list.pop().ok_or(ApiError::NotFound)?;
    let tag = etag(t.updated_at.naive_utc());
    Ok(created(
        &t,
        format!("/api/v1/checklist-templates/{}", t.id),
        &tag,
    ))
}

#[utoipa::path(
    post, path = "/api/v1/checklist-templates/{id}/versions", tag = "checklists", operation_id = "create_checklist_version",
    summary = "Draft a new version of a template",
    description = "A draft with the next number, holding the sections and items sent. Item codes are unique within the version; every item names an active theme. Only the coordinator sees a draft until it is published. Roles: coordinator.",
    security(("bearer" = [])), request_body = ChecklistVersionInput,
    params(("id" = Uuid, Path, description = "Template id")),
    responses(
        (status = 201, description = "The draft", body = ChecklistVersion, headers(("Location" = String, description = "The new version"), ("ETag" = String, description = "Version, for If-Match"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Another draft got the same number at the same moment; retry", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/checklist-templates/{id}/versions")]
pub async fn create_checklist_version(
    state: web::Data<AppState>,
    _: Allowed<can::WriteChecklistTemplates>,
    id: web::Path<Uuid>,
    body: ApiJson<ChecklistVersionInput>,
) -> ApiResult<HttpResponse> {
    let (template_id, input) = (id.to_string(), body.into_inner()?);
    let content = state
        .db
        .write(move |conn| {
            repo::find_template(conn, &template_id)?;
            let sections = check_content(conn, &input)?;
            let number = repo::next_number(conn, &template_id)?;
            let id = Uuid::now_v7().to_string();
            repo::insert_draft(conn, &id, &template_id, number, input.intro.trim(), now())?;
            repo::insert_content(conn, &id, &sections)?;
            let v = repo::find_version(conn, &id)?;
            Ok(repo::load_content(conn, v)?)
        })
        .await?;
    let tag = etag(content.version.updated_at);
    let location = format!("/api/v1/checklist-versions/{}", content.version.id);
    Ok(created(&ChecklistVersion::from(content), location, &tag))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-versions/current", tag = "checklists", operation_id = "get_current_checklist_version",
    summary = "Get the checklist version to fill in",
    description = "The current version of a template, with all its sections and items: what a school fills in. Without `template`, of the first template created (the seeded *Signaallijst kinderarmoede*). 404 when no version is published yet. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(CurrentVersionQuery),
    responses(
        (status = 200, description = "The current version", body = ChecklistVersion, headers(("ETag" = String, description = "Version"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/checklist-versions/current")]
pub async fn get_current_checklist_version(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<CurrentVersionQuery>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadChecklistTemplates)?;
    let template = query.0.template.map(|t| t.to_string());
    let content = state
        .db
        .run(move |conn| {
            let v = repo::current_version(conn, template.as_deref())?;
            Ok(repo::load_content(conn, v)?)
        })
        .await?;
    let tag = etag(content.version.updated_at);
    Ok(ok_with_etag(&ChecklistVersion::from(content), &tag))
}

#[utoipa::path(
    get, path = "/api/v1/checklist-versions/{id}", tag = "checklists", operation_id = "get_checklist_version",
    summary = "Get a checklist version with its content",
    description = "Sections with their items, in order. A draft is 404 for everyone but the coordinator. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Version id")),
    responses(
        (status = 200, description = "The version", body = ChecklistVersion, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/checklist-versions/{id}")]
pub async fn get_checklist_version(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadChecklistTemplates)?;
    let id = id.to_string();
    let content = state
        .db
        .run(move |conn| find_visible_version(conn, &user, &id))
        .await?;
    let tag = etag(content.version.updated_at);
    Ok(ok_with_etag(&ChecklistVersion::from(content), &tag))
}

#[utoipa::path(
    put, path = "/api/v1/checklist-versions/{id}", tag = "checklists", operation_id = "replace_checklist_version",
    summary = "Replace a draft's content",
    description = "Replaces the intro, sections and items of a draft. A published version never changes: 409 naming its state. Roles: coordinator.",
    security(("bearer" = [])), request_body = ChecklistVersionInput,
    params(("id" = Uuid, Path, description = "Version id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "The draft as it is now", body = ChecklistVersion, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The version is published and can no longer change", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:kinderen-eerst:problem:conflict", "code": "version_published_immutable", "title": "Conflict", "status": 409, "detail": "a published version never changes; draft a new version instead", "current_state": "published"})),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[put("/api/v1/checklist-versions/{id}")]
pub async fn replace_checklist_version(
    state: web::Data<AppState>,
    _: Allowed<can::WriteChecklistTemplates>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<ChecklistVersionInput>,
) -> ApiResult<HttpResponse> {
    let (id, if_match) = (id.to_string(), common::if_match(&req));
    let input = body.into_inner()?;
    let content = state
        .db
        .write(move |conn| {
            let current = repo::find_version(conn, &id)?;
            if current.status != repo::DRAFT {
                return Err(ApiError::invalid_state(
                    current.status,
                    Code::VersionPublishedImmutable,
                ));
            }
            check_if_match(if_match.as_deref(), &etag(current.updated_at))?;
            let sections = check_content(conn, &input)?;
            repo::replace_draft(conn, &id, input.intro.trim(), &sections)?;
            let v = repo::find_version(conn, &id)?;
            Ok(repo::load_content(conn, v)?)
        })
        .await?;
    let tag = etag(content.version.updated_at);
    Ok(ok_with_etag(&ChecklistVersion::from(content), &tag))
}

#[utoipa::path(
    post, path = "/api/v1/checklist-versions/{id}/publish", tag = "checklists", operation_id = "publish_checklist_version",
    summary = "Publish a draft version",
    description = "Fixes the draft for good and makes it its template's current version; the version that was current stays published (earlier submissions keep answering it) but is no longer current. A draft without items, with an empty section, or naming a theme retired since, is 422. Roles: coordinator.",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Version id")),
    responses(
        (status = 200, description = "The published version, now current", body = ChecklistVersion, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The version is published already", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:kinderen-eerst:problem:conflict", "code": "version_published_already", "title": "Conflict", "status": 409, "detail": "this version is published already", "current_state": "published"})),
        (status = 422, description = "The draft cannot be published as it is; `errors` names each problem", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:kinderen-eerst:problem:validation", "code": "validation_failed", "title": "Validation failed", "status": 422, "detail": "sections: a version needs at least one item before it can be published", "errors": [{"field": "sections", "code": "version_needs_item", "message": "a version needs at least one item before it can be published"}]}))
    )
)]
#[post("/api/v1/checklist-versions/{id}/publish")]
pub async fn publish_checklist_version(
    state: web::Data<AppState>,
    _: Allowed<can::WriteChecklistTemplates>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let content = state
        .db
        .write(move |conn| {
            let v = repo::find_version(conn, &id)?;
            if v.status != repo::DRAFT {
                return Err(ApiError::invalid_state(
                    v.status,
                    Code::VersionPublishedAlready,
                ));
            }
            let content = repo::load_content(conn, v)?;
            check_publishable(conn, &content)?;
            repo::publish(conn, &id, now())?;
            let v = repo::find_version(conn, &id)?;
            Ok(repo::load_content(conn, v)?)
        })
        .await?;
    let tag = etag(content.version.updated_at);
    Ok(ok_with_etag(&ChecklistVersion::from(content), &tag))
}
