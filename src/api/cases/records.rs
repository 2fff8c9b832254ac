//! What a social worker keeps on a case: needs, contact moments, consents and the feedback the
//! school may read. Only social workers assigned to the case's school reach any of it; for
//! everyone else the case does not exist (404) or the role may never (403).

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kinderen_eerst_macros::document_limits;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::views::{
    CaseDetail, Consent, ContactMoment, Need, by_owner, consent_of, contact_of, detail, need_of,
};
use crate::api::common::{self, Checks, check_if_match, etag};
use crate::api::extract::ApiJson;
use crate::auth::Viewer;
use crate::db::cases::{
    self as repo, ConsentRow, ContactHistoryRow, ContactRow, HistoryOf, NeedHistoryRow, NeedRow,
};
use crate::db::schema::{
    case_consents, case_contact_history, case_contacts, case_need_history, case_needs, cases,
    partners,
};
use crate::db::{DbConn, now, optional};
use crate::domain::case::{
    ConsentGivenBy, ConsentKind, ConsentMethod, ContactKind, NeedRaisedBy, NeedState,
    NeedTransition,
};
use crate::domain::lifecycle::Lifecycle;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};
use crate::usecases::cases::worked_case;
use crate::usecases::themes::check_themes;

fn naive(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    t.naive_utc().trunc_subsecs(6)
}

fn not_future(checks: &mut Checks, field: &str, at: DateTime<Utc>) {
    // A few minutes of clock skew between a client and the server is tolerated.
    checks.check(
        at <= Utc::now() + chrono::Duration::minutes(5),
        field,
        Code::NotInFuture,
    );
}

/// Runs `f` on a case the caller works, in one write transaction, after marking the case
/// changed (a new ETag).
async fn on_worked_case<T, F>(state: &AppState, user: Viewer, id: Uuid, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn, &Viewer, &str) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let id = id.to_string();
    state
        .db
        .write(move |conn| {
            worked_case(conn, &user, &id)?;
            repo::touch(conn, &id, now())?;
            f(conn, &user, &id)
        })
        .await
}

/// Reads what hangs on a case the caller works, and records the read of `object_type`.
async fn read_worked_case<T, F>(
    state: &AppState,
    user: Viewer,
    id: Uuid,
    object_type: &'static str,
    f: F,
) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn, &str) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let id = id.to_string();
    state
        .db
        .read_audited(move |conn| {
            worked_case(conn, &user, &id)?;
            record(conn, &user, AuditAction::List, object_type, None, Some(&id))?;
            f(conn, &id)
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// Needs

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Moeder wil de schoolrekening in schijven betalen.", "theme": "school_costs", "raised_by": "parent"}))]
pub struct NewNeed {
    #[validate(length(min = 1, max = 2000))]
    pub text: String,
    pub theme: Option<String>,
    pub raised_by: NeedRaisedBy,
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/needs", tag = "case-records", operation_id = "list_case_needs",
    summary = "List a case's needs",
    description = "Oldest first, each with who raised it. Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The needs", body = Vec<Need>),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}/needs")]
pub async fn list_case_needs(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<Need>>> {
    let (needs, history) = read_worked_case(&state, user, *id, "need", |conn, id| {
        Ok((
            repo::needs(conn, id)?,
            repo::need_history(conn, HistoryOf::Case(id))?,
        ))
    })
    .await?;
    let mut history = by_owner(history, |(h, _)| h.need_id.as_str());
    Ok(web::Json(
        needs
            .into_iter()
            .map(|n| {
                let h = history.remove(&n.id).unwrap_or_default();
                need_of(n, h)
            })
            .collect(),
    ))
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/needs", tag = "case-records", operation_id = "add_case_need",
    summary = "Record a need",
    description = "What the parent, the child, the school or the worker wants, side by side. Roles: \
social_worker (assigned to the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")), request_body = NewNeed,
    responses(
        (status = 201, description = "Recorded", body = Need),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[post("/api/v1/cases/{id}/needs")]
pub async fn add_case_need(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<NewNeed>,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let b = body.into_inner()?;
    let row = on_worked_case(&state, user, *id, move |conn, user, case_id| {
        let mut checks = Checks::default();
        if let Some(t) = &b.theme {
            check_themes(conn, &mut checks, "theme", std::slice::from_ref(t))?;
        }
        // `check_themes` names list items; a single theme is the field itself.
        for e in &mut checks.0 {
            if e.field == "theme[0]" {
                e.field = "theme".into();
            }
        }
        checks.finish()?;
        let row = NeedRow {
            id: Uuid::now_v7().to_string(),
            case_id: case_id.to_string(),
            text: Some(b.text.trim().to_string()),
            theme_code: b.theme,
            raised_by: b.raised_by,
            author_id: user.id.clone(),
            created_at: now(),
            state: NeedState::Open,
            updated_at: now(),
        };
        diesel::insert_into(crate::db::schema::case_needs::table)
            .values(&row)
            .execute(conn)?;
        record(
            conn,
            user,
            AuditAction::Create,
            "need",
            Some(&row.id),
            Some(case_id),
        )?;
        Ok(row)
    })
    .await?;
    let location = format!("/api/v1/cases/{}/needs/{}", row.case_id, row.id);
    let tag = etag(row.updated_at);
    Ok(common::created(&need_of(row, Vec::new()), location, &tag))
}

// ---------------------------------------------------------------------------------------------
// Contact moments

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"occurred_at": "2026-11-24T08:45:00Z", "kind": "office_hours", "summary": "Moeder kwam naar de zitdag; samen de studietoelage aangevraagd."}))]
pub struct NewContactMoment {
    /// When it happened; not in the future.
    pub occurred_at: DateTime<Utc>,
    pub kind: ContactKind,
    #[validate(length(min = 1, max = 8000))]
    pub summary: String,
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/contact-moments", tag = "case-records", operation_id = "list_case_contact_moments",
    summary = "List a case's contact moments",
    description = "The confidential timeline, oldest first. Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The contact moments", body = Vec<ContactMoment>),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}/contact-moments")]
pub async fn list_case_contact_moments(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ContactMoment>>> {
    let (rows, history) = read_worked_case(&state, user, *id, "contact_moment", |conn, id| {
        Ok((
            repo::contacts(conn, id)?,
            repo::contact_history(conn, HistoryOf::Case(id))?,
        ))
    })
    .await?;
    let mut history = by_owner(history, |(h, _)| h.contact_id.as_str());
    Ok(web::Json(
        rows.into_iter()
            .map(|c| {
                let h = history.remove(&c.0.id).unwrap_or_default();
                contact_of(c, h)
            })
            .collect(),
    ))
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/contact-moments", tag = "case-records", operation_id = "add_case_contact_moment",
    summary = "Record a contact moment",
    description = "The earliest contact moment sets the case's `first_contact_at`. Roles: social_worker \
(assigned to the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")), request_body = NewContactMoment,
    responses(
        (status = 201, description = "Recorded", body = ContactMoment),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[post("/api/v1/cases/{id}/contact-moments")]
pub async fn add_case_contact_moment(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<NewContactMoment>,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let b = body.into_inner()?;
    let (row, author) = on_worked_case(&state, user, *id, move |conn, user, case_id| {
        let mut checks = Checks::default();
        not_future(&mut checks, "occurred_at", b.occurred_at);
        checks.finish()?;
        let at = naive(b.occurred_at);
        let row = ContactRow {
            id: Uuid::now_v7().to_string(),
            case_id: case_id.to_string(),
            occurred_at: at,
            kind: b.kind,
            summary: Some(b.summary.trim().to_string()),
            author_id: user.id.clone(),
            created_at: now(),
            updated_at: now(),
        };
        diesel::insert_into(crate::db::schema::case_contacts::table)
            .values(&row)
            .execute(conn)?;
        // first_contact_at is the earliest contact, whatever order they are recorded in.
        let opened_at: chrono::NaiveDateTime = cases::table
            .find(case_id)
            .select(cases::opened_at)
            .first(conn)?;
        let days = (at - opened_at).num_days().clamp(0, i32::MAX as i64) as i32;
        diesel::update(
            cases::table.find(case_id).filter(
                cases::first_contact_at
                    .is_null()
                    .or(cases::first_contact_at.gt(at)),
            ),
        )
        .set((
            cases::first_contact_at.eq(at),
            cases::first_contact_days.eq(days),
        ))
        .execute(conn)?;
        record(
            conn,
            user,
            AuditAction::Create,
            "contact_moment",
            Some(&row.id),
            Some(case_id),
        )?;
        Ok((row, user.display_name.clone()))
    })
    .await?;
    let location = format!("/api/v1/cases/{}/contact-moments/{}", row.case_id, row.id);
    let tag = etag(row.updated_at);
    Ok(common::created(
        &contact_of((row, author), Vec::new()),
        location,
        &tag,
    ))
}

// ---------------------------------------------------------------------------------------------
// Corrections (GDPR art. 16): what a need or contact moment said before is kept, with who
// changed it, when and why; the case team and the family's export see that history.

/// Refuses a change to a case whose personal data was erased: there is nothing left to correct.
fn not_erased(conn: &mut DbConn, case_id: &str) -> ApiResult<()> {
    let erased: Option<chrono::NaiveDateTime> = cases::table
        .find(case_id)
        .select(cases::erased_at)
        .first(conn)?;
    match erased {
        Some(_) => Err(ApiError::invalid_state(
            "erased",
            Code::CaseErasedNothingToCorrect,
        )),
        None => Ok(()),
    }
}

/// `Some(trimmed)` when a text was sent; a text of blanks only is refused.
fn trimmed_text(checks: &mut Checks, field: &str, v: Option<String>) -> Option<String> {
    let t = v.map(|t| t.trim().to_string());
    checks.check(t.as_ref().is_none_or(|t| !t.is_empty()), field, Code::Blank);
    t
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Moeder wil de schoolrekening in drie schijven betalen.", "reason": "Verkeerd genoteerd: drie schijven, niet twee."}))]
pub struct NeedPatch {
    /// The corrected text.
    #[validate(length(min = 1, max = 2000))]
    pub text: Option<String>,
    /// The corrected theme code.
    #[validate(length(min = 1, max = 50))]
    pub theme: Option<String>,
    /// Who really raised it.
    pub raised_by: Option<NeedRaisedBy>,
    /// The need's new state: from `open` to `met`, `not_met` or `withdrawn`; `met` and
    /// `not_met` back to `open`. `withdrawn` is final. Anything else is 409 naming the current
    /// state.
    pub state: Option<NeedState>,
    /// Why: kept in the need's history with the earlier version.
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"summary": "Moeder kwam naar de zitdag met haar zus; samen de studietoelage aangevraagd.", "reason": "Aangevuld: de tante was er ook bij."}))]
pub struct ContactMomentPatch {
    /// The corrected time; not in the future.
    pub occurred_at: Option<DateTime<Utc>>,
    pub kind: Option<ContactKind>,
    /// The corrected summary.
    #[validate(length(min = 1, max = 8000))]
    pub summary: Option<String>,
    /// Why: kept in the contact moment's history with the earlier version.
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

fn need_answer(conn: &mut DbConn, case_id: &str, need_id: &str) -> ApiResult<(Need, String)> {
    let n = repo::find_need(conn, case_id, need_id)?;
    let tag = etag(n.updated_at);
    let h = repo::need_history(conn, HistoryOf::Record(&n.id))?;
    Ok((need_of(n, h), tag))
}

fn contact_answer(
    conn: &mut DbConn,
    case_id: &str,
    contact_id: &str,
) -> ApiResult<(ContactMoment, String)> {
    let c = repo::find_contact(conn, case_id, contact_id)?;
    let tag = etag(c.0.updated_at);
    let h = repo::contact_history(conn, HistoryOf::Record(&c.0.id))?;
    Ok((contact_of(c, h), tag))
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/needs/{need_id}", tag = "case-records", operation_id = "get_case_need",
    summary = "Get a need",
    description = "With its state and its history (what it said before each correction or change of state, \
who changed it, when and why). The ETag is for If-Match on a correction. Audited. Roles: social_worker \
(assigned to the case's school).",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("need_id" = Uuid, Path, description = "Need id")),
    responses(
        (status = 200, description = "The need", body = Need, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}/needs/{need_id}")]
pub async fn get_case_need(
    state: web::Data<AppState>,
    user: Viewer,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let (case_id, need_id) = (path.0.to_string(), path.1.to_string());
    let (v, tag) = state
        .db
        .read_audited(move |conn| {
            worked_case(conn, &user, &case_id)?;
            let answer = need_answer(conn, &case_id, &need_id)?;
            record(
                conn,
                &user,
                AuditAction::Read,
                "need",
                Some(&need_id),
                Some(&case_id),
            )?;
            Ok(answer)
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

#[utoipa::path(
    patch, path = "/api/v1/cases/{id}/needs/{need_id}", tag = "case-records", operation_id = "correct_case_need",
    summary = "Correct a need or change its state",
    description = "The family's right to rectification (GDPR art. 16). Only the fields sent change; `reason` is \
required. What the need said before (text, theme, raised by, state) is kept in its `history` with who changed \
it, when and why — seen by the case team and in the family's export, never by the school or the coordinator. \
States: `open` → `met` | `not_met` | `withdrawn`; `met` | `not_met` → `open`; `withdrawn` is final (a need \
raised again is a new need). Another transition is 409 naming the current state; a change that changes nothing \
is 422; an erased case is 409. Send the need's ETag as If-Match (412 when stale). Audited (`correct`). Roles: \
social_worker (assigned to the case's school).",
    security(("bearer" = [])), request_body = NeedPatch,
    params(("id" = Uuid, Path, description = "Case id"), ("need_id" = Uuid, Path, description = "Need id"),
           ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Corrected, with its history", body = Need, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/cases/{id}/needs/{need_id}")]
pub async fn correct_case_need(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    body: ApiJson<NeedPatch>,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let b = body.into_inner()?;
    let (case_id, need_id) = (path.0, path.1.to_string());
    let if_match = common::if_match(&req);
    let (v, tag) = on_worked_case(&state, user, case_id, move |conn, user, case_id| {
        let current = repo::find_need(conn, case_id, &need_id)?;
        check_if_match(if_match.as_deref(), &etag(current.updated_at))?;
        not_erased(conn, case_id)?;
        let mut checks = Checks::default();
        let text = trimmed_text(&mut checks, "text", b.text);
        checks.check(!b.reason.trim().is_empty(), "reason", Code::Blank);
        if let Some(t) = &b.theme
            && current.theme_code.as_deref() != Some(t.as_str())
        {
            check_themes(conn, &mut checks, "theme", std::slice::from_ref(t))?;
            for e in &mut checks.0 {
                if e.field == "theme[0]" {
                    e.field = "theme".into();
                }
            }
        }
        let next = NeedRow {
            text: text.or_else(|| current.text.clone()),
            theme_code: b.theme.or_else(|| current.theme_code.clone()),
            raised_by: b.raised_by.unwrap_or(current.raised_by),
            state: b.state.unwrap_or(current.state),
            updated_at: now(),
            ..current.clone()
        };
        let changed = next.text != current.text
            || next.theme_code != current.theme_code
            || next.raised_by != current.raised_by
            || next.state != current.state;
        checks.check(
            changed,
            "reason",
            crate::msg!(NothingToCorrect, fields = "text, theme, raised_by, state"),
        );
        checks.finish()?;
        if next.state != current.state {
            NeedTransition::to(next.state).check(current.state)?;
        }
        diesel::insert_into(case_need_history::table)
            .values(&NeedHistoryRow {
                id: Uuid::now_v7().to_string(),
                need_id: current.id.clone(),
                case_id: case_id.to_string(),
                text: current.text,
                theme_code: current.theme_code,
                raised_by: current.raised_by,
                state: current.state,
                reason: b.reason.trim().to_string(),
                corrected_by: user.id.clone(),
                corrected_at: next.updated_at,
            })
            .execute(conn)?;
        diesel::update(case_needs::table.find(&next.id))
            .set((
                case_needs::text.eq(&next.text),
                case_needs::theme_code.eq(&next.theme_code),
                case_needs::raised_by.eq(next.raised_by),
                case_needs::state.eq(next.state),
                case_needs::updated_at.eq(next.updated_at),
            ))
            .execute(conn)?;
        record(
            conn,
            user,
            AuditAction::Correct,
            "need",
            Some(&next.id),
            Some(case_id),
        )?;
        need_answer(conn, case_id, &next.id)
    })
    .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/contact-moments/{contact_id}", tag = "case-records", operation_id = "get_case_contact_moment",
    summary = "Get a contact moment",
    description = "With its history (what it said before each correction, who corrected it, when and why). The \
ETag is for If-Match on a correction. Audited. Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("contact_id" = Uuid, Path, description = "Contact moment id")),
    responses(
        (status = 200, description = "The contact moment", body = ContactMoment, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}/contact-moments/{contact_id}")]
pub async fn get_case_contact_moment(
    state: web::Data<AppState>,
    user: Viewer,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let (case_id, contact_id) = (path.0.to_string(), path.1.to_string());
    let (v, tag) = state
        .db
        .read_audited(move |conn| {
            worked_case(conn, &user, &case_id)?;
            let answer = contact_answer(conn, &case_id, &contact_id)?;
            record(
                conn,
                &user,
                AuditAction::Read,
                "contact_moment",
                Some(&contact_id),
                Some(&case_id),
            )?;
            Ok(answer)
        })
        .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

#[utoipa::path(
    patch, path = "/api/v1/cases/{id}/contact-moments/{contact_id}", tag = "case-records", operation_id = "correct_case_contact_moment",
    summary = "Correct a contact moment",
    description = "The family's right to rectification (GDPR art. 16). Only the fields sent change; `reason` is \
required. What it said before (time, kind, summary) is kept in its `history` with who corrected it, when and \
why — seen by the case team and in the family's export, never by the school or the coordinator. A corrected \
time moves the case's `first_contact_at` when it was the earliest. A change that changes nothing is 422; an \
erased case is 409. Send the contact moment's ETag as If-Match (412 when stale). Audited (`correct`). Roles: \
social_worker (assigned to the case's school).",
    security(("bearer" = [])), request_body = ContactMomentPatch,
    params(("id" = Uuid, Path, description = "Case id"), ("contact_id" = Uuid, Path, description = "Contact moment id"),
           ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Corrected, with its history", body = ContactMoment, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/cases/{id}/contact-moments/{contact_id}")]
pub async fn correct_case_contact_moment(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    body: ApiJson<ContactMomentPatch>,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let b = body.into_inner()?;
    let (case_id, contact_id) = (path.0, path.1.to_string());
    let if_match = common::if_match(&req);
    let (v, tag) = on_worked_case(&state, user, case_id, move |conn, user, case_id| {
        let (current, _) = repo::find_contact(conn, case_id, &contact_id)?;
        check_if_match(if_match.as_deref(), &etag(current.updated_at))?;
        not_erased(conn, case_id)?;
        let mut checks = Checks::default();
        let summary = trimmed_text(&mut checks, "summary", b.summary);
        checks.check(!b.reason.trim().is_empty(), "reason", Code::Blank);
        if let Some(t) = b.occurred_at {
            not_future(&mut checks, "occurred_at", t);
        }
        let next = ContactRow {
            occurred_at: b.occurred_at.map(naive).unwrap_or(current.occurred_at),
            kind: b.kind.unwrap_or(current.kind),
            summary: summary.or_else(|| current.summary.clone()),
            updated_at: now(),
            ..current.clone()
        };
        let changed = next.occurred_at != current.occurred_at
            || next.kind != current.kind
            || next.summary != current.summary;
        checks.check(
            changed,
            "reason",
            crate::msg!(NothingToCorrect, fields = "occurred_at, kind, summary"),
        );
        checks.finish()?;
        diesel::insert_into(case_contact_history::table)
            .values(&ContactHistoryRow {
                id: Uuid::now_v7().to_string(),
                contact_id: current.id.clone(),
                case_id: case_id.to_string(),
                occurred_at: current.occurred_at,
                kind: current.kind,
                summary: current.summary,
                reason: b.reason.trim().to_string(),
                corrected_by: user.id.clone(),
                corrected_at: next.updated_at,
            })
            .execute(conn)?;
        diesel::update(case_contacts::table.find(&next.id))
            .set((
                case_contacts::occurred_at.eq(next.occurred_at),
                case_contacts::kind.eq(next.kind),
                case_contacts::summary.eq(&next.summary),
                case_contacts::updated_at.eq(next.updated_at),
            ))
            .execute(conn)?;
        if next.occurred_at != current.occurred_at {
            first_contact_again(conn, case_id)?;
        }
        record(
            conn,
            user,
            AuditAction::Correct,
            "contact_moment",
            Some(&next.id),
            Some(case_id),
        )?;
        contact_answer(conn, case_id, &next.id)
    })
    .await?;
    Ok(common::ok_with_etag(&v, &tag))
}

/// Sets the case's `first_contact_at` to its earliest contact moment again, after a corrected
/// time (which may move it later as well as earlier).
fn first_contact_again(conn: &mut DbConn, case_id: &str) -> ApiResult<()> {
    let first: Option<chrono::NaiveDateTime> = case_contacts::table
        .filter(case_contacts::case_id.eq(case_id))
        .select(diesel::dsl::min(case_contacts::occurred_at))
        .first(conn)?;
    let opened_at: chrono::NaiveDateTime = cases::table
        .find(case_id)
        .select(cases::opened_at)
        .first(conn)?;
    let days = first.map(|at| (at - opened_at).num_days().clamp(0, i32::MAX as i64) as i32);
    diesel::update(cases::table.find(case_id))
        .set((
            cases::first_contact_at.eq(first),
            cases::first_contact_days.eq(days),
        ))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Consents

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "refer_to_partner", "partner_id": "0193a1b2-0000-7000-8000-0000000000e1", "given_by": "parent", "method": "verbal", "given_at": "2026-11-24T09:00:00Z"}))]
pub struct NewConsent {
    pub kind: ConsentKind,
    /// Required for `refer_to_partner` (the partner organisation it allows); absent otherwise.
    #[schema(format = Uuid)]
    pub partner_id: Option<String>,
    /// For `refer_to_partner`: the family lets the partner see its contact data (name, phone,
    /// language) with the referral. Default false; only for `refer_to_partner`.
    #[serde(default)]
    pub share_contact_with_partner: bool,
    pub given_by: ConsentGivenBy,
    pub method: ConsentMethod,
    /// When it was given; not in the future.
    pub given_at: DateTime<Utc>,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

#[document_limits]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"withdrawn_at": "2026-11-25T10:00:00Z"}))]
pub struct WithdrawConsent {
    /// Defaults to now; not in the future.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/consents", tag = "case-records", operation_id = "list_case_consents",
    summary = "List a case's consents",
    description = "Each with whether it is live (given and not withdrawn). Roles: social_worker (assigned to \
the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The consents", body = Vec<Consent>),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/cases/{id}/consents")]
pub async fn list_case_consents(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<Consent>>> {
    let rows = read_worked_case(&state, user, *id, "consent", |conn, id| {
        Ok(repo::consents(conn, id)?)
    })
    .await?;
    let at = now();
    Ok(web::Json(
        rows.into_iter().map(|c| consent_of(c, at)).collect(),
    ))
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/consents", tag = "case-records", operation_id = "add_case_consent",
    summary = "Record a consent",
    description = "`share_with_school` lets the worker share feedback (and referral status) with the school; \
`refer_to_partner` lets the worker refer the case to that one partner organisation, and with \
`share_contact_with_partner` the partner sees the family's contact data (name, phone, language) with the \
referral. Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")), request_body = NewConsent,
    responses(
        (status = 201, description = "Recorded", body = Consent),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[post("/api/v1/cases/{id}/consents")]
pub async fn add_case_consent(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<NewConsent>,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let b = body.into_inner()?;
    let row = on_worked_case(&state, user, *id, move |conn, user, case_id| {
        let mut checks = Checks::default();
        not_future(&mut checks, "given_at", b.given_at);
        let partner = match (b.kind, &b.partner_id) {
            (ConsentKind::ReferToPartner, None) => {
                checks.add("partner_id", Code::PartnerRequiredForReferral);
                None
            }
            (ConsentKind::ReferToPartner, Some(p)) => {
                let found: Option<String> = optional(
                    partners::table
                        .find(p.to_lowercase())
                        .select(partners::id)
                        .first(conn),
                )?;
                if found.is_none() {
                    checks.add("partner_id", Code::NoSuchPartner);
                }
                found
            }
            (ConsentKind::ShareWithSchool, Some(_)) => {
                checks.add("partner_id", Code::PartnerOnlyForReferral);
                None
            }
            (ConsentKind::ShareWithSchool, None) => None,
        };
        if b.share_contact_with_partner && b.kind != ConsentKind::ReferToPartner {
            checks.add("share_contact_with_partner", Code::PartnerOnlyForReferral);
        }
        checks.finish()?;
        let at = now();
        let row = ConsentRow {
            id: Uuid::now_v7().to_string(),
            case_id: case_id.to_string(),
            kind: b.kind,
            partner_id: partner,
            given_by: b.given_by,
            method: b.method,
            given_at: naive(b.given_at),
            withdrawn_at: None,
            note: b
                .note
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            recorded_by: user.id.clone(),
            created_at: at,
            updated_at: at,
            share_contact_with_partner: b.share_contact_with_partner,
        };
        diesel::insert_into(case_consents::table)
            .values(&row)
            .execute(conn)?;
        record(
            conn,
            user,
            AuditAction::Create,
            "consent",
            Some(&row.id),
            Some(case_id),
        )?;
        Ok(row)
    })
    .await?;
    let location = format!("/api/v1/cases/{}/consents", row.case_id);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(consent_of(row, now())))
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/consents/{consent_id}/withdraw", tag = "case-records", operation_id = "withdraw_case_consent",
    summary = "Withdraw a consent",
    description = "From then on it allows nothing: a withdrawn `share_with_school` hides the feedback from the \
school at once; a withdrawn `refer_to_partner` (with no other live one for that partner) takes the package \
from the partner at once (the referral stays visible to it as a bare reference), puts an accepted or running \
referral on hold with the reason \"consent withdrawn\" and tells the partner (`referral.consent_withdrawn`). Withdrawing twice is 409. Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("consent_id" = Uuid, Path, description = "Consent id")),
    request_body(content = Option<WithdrawConsent>, description = "Optional; an empty body withdraws it now"),
    responses(
        (status = 200, description = "Withdrawn", body = Consent),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::InvalidState)
    )
)]
#[post("/api/v1/cases/{id}/consents/{consent_id}/withdraw")]
pub async fn withdraw_case_consent(
    state: web::Data<AppState>,
    user: Viewer,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let (case_id, consent_id) = path.into_inner();
    let b: WithdrawConsent = if body.iter().all(u8::is_ascii_whitespace) {
        WithdrawConsent::default()
    } else {
        crate::api::extract::parse_json(&body)?
    };
    let consent_id = consent_id.to_string();
    let row = on_worked_case(&state, user, case_id, move |conn, user, case_id| {
        let current = repo::find_consent(conn, case_id, &consent_id)?;
        if current.withdrawn_at.is_some() {
            return Err(ApiError::invalid_state(
                "withdrawn",
                Code::ConsentWithdrawnAlready,
            ));
        }
        let at = match b.withdrawn_at {
            Some(t) => {
                let mut checks = Checks::default();
                not_future(&mut checks, "withdrawn_at", t);
                checks.check(
                    naive(t) >= current.given_at,
                    "withdrawn_at",
                    Code::WithdrawnBeforeGiven,
                );
                checks.finish()?;
                naive(t)
            }
            None => now(),
        };
        diesel::update(case_consents::table.find(&consent_id))
            .set((
                case_consents::withdrawn_at.eq(Some(at)),
                case_consents::updated_at.eq(now()),
            ))
            .execute(conn)?;
        if let (ConsentKind::ReferToPartner, Some(p)) = (current.kind, &current.partner_id) {
            crate::api::referrals::consent_withdrawn(conn, user, case_id, p)?;
        }
        record(
            conn,
            user,
            AuditAction::Update,
            "consent",
            Some(&consent_id),
            Some(case_id),
        )?;
        Ok(repo::find_consent(conn, case_id, &consent_id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(consent_of(row, now())))
}

// ---------------------------------------------------------------------------------------------
// Feedback for the school

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Het gezin krijgt hulp bij de schoolkosten; de school hoeft niets te doen."}))]
pub struct Feedback {
    /// What the school may read; null clears it.
    #[validate(length(min = 1, max = 2000))]
    pub text: Option<String>,
}

#[utoipa::path(
    put, path = "/api/v1/cases/{id}/feedback", tag = "case-records", operation_id = "set_case_feedback",
    summary = "Set the feedback for the school",
    description = "A short text the worker chooses to share with the school. Setting it needs a live \
`share_with_school` consent on the case (409 otherwise); clearing it (`text: null`) never does. The school \
sees it only while the consent it was written under stays live (`feedback_consent_id`): after that consent \
is withdrawn, a new `share_with_school` consent does not show it again — write the feedback anew under the \
new consent. Roles: social_worker (assigned to the case's school).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Case id")), request_body = Feedback,
    responses(
        (status = 200, description = "The case with its feedback", body = CaseDetail, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "No live share_with_school consent", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[put("/api/v1/cases/{id}/feedback")]
pub async fn set_case_feedback(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
    body: ApiJson<Feedback>,
) -> ApiResult<HttpResponse> {
    crate::auth::policy::require(&user, crate::auth::policy::Action::WorkCases)?;
    let b = body.into_inner()?;
    let (v, tag) = on_worked_case(&state, user, *id, move |conn, user, case_id| {
        let at = now();
        let text = b
            .text
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        // The feedback is tied to the consent it is written under: the school reads it only
        // while that consent is live, and a later consent does not show it again.
        let consent = match &text {
            Some(_) => Some(
                repo::live_share_consent(conn, case_id, at)?
                    .ok_or_else(|| ApiError::conflict(Code::ShareConsentMissing))?,
            ),
            None => None,
        };
        let written = text.is_some();
        diesel::update(cases::table.find(case_id))
            .set((
                cases::feedback_at.eq(text.as_ref().map(|_| at)),
                cases::feedback_for_school.eq(text),
                cases::feedback_consent_id.eq(consent),
            ))
            .execute(conn)?;
        record(
            conn,
            user,
            AuditAction::Update,
            "feedback",
            Some(case_id),
            Some(case_id),
        )?;
        let r = worked_case(conn, user, case_id)?;
        if written {
            crate::usecases::notify::feedback(conn, case_id, r.case.school_id.as_str(), at)?;
        }
        let tag = etag(r.case.updated_at);
        Ok((detail(conn, r)?, tag))
    })
    .await?;
    Ok(crate::api::common::ok_with_etag::<CaseDetail>(&v, &tag))
}
