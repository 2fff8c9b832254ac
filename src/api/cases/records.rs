//! What a social worker keeps on a case: needs, contact moments, consents and the feedback the
//! school may read. Only social workers assigned to the case's school reach any of it; for
//! everyone else the case does not exist (404) or the role may never (403).

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::views::{
    CaseDetail, Consent, ContactMoment, Need, consent_of, contact_of, detail, need_of,
};
use crate::api::common::{Checks, etag};
use crate::api::extract::ApiJson;
use crate::auth::Viewer;
use crate::db::cases::{self as repo, ConsentRow, ContactRow, NeedRow};
use crate::db::schema::{case_consents, cases, partners};
use crate::db::{DbConn, now, optional};
use crate::domain::case::{ConsentGivenBy, ConsentKind, ConsentMethod, ContactKind, NeedRaisedBy};
use crate::error::{ApiError, ApiResult};
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
        "must not be in the future",
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
    let needs = read_worked_case(&state, user, *id, "need", |conn, id| {
        Ok(repo::needs(conn, id)?)
    })
    .await?;
    Ok(web::Json(needs.into_iter().map(need_of).collect()))
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
    let location = format!("/api/v1/cases/{}/needs", row.case_id);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(need_of(row)))
}

// ---------------------------------------------------------------------------------------------
// Contact moments

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
    let rows = read_worked_case(&state, user, *id, "contact_moment", |conn, id| {
        Ok(repo::contacts(conn, id)?)
    })
    .await?;
    Ok(web::Json(rows.into_iter().map(contact_of).collect()))
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
    let location = format!("/api/v1/cases/{}/contact-moments", row.case_id);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(contact_of((row, author))))
}

// ---------------------------------------------------------------------------------------------
// Consents

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "refer_to_partner", "partner_id": "0193a1b2-0000-7000-8000-0000000000e1", "given_by": "parent", "method": "verbal", "given_at": "2026-11-24T09:00:00Z"}))]
pub struct NewConsent {
    pub kind: ConsentKind,
    /// Required for `refer_to_partner` (the partner organisation it allows); absent otherwise.
    #[schema(format = Uuid)]
    pub partner_id: Option<String>,
    pub given_by: ConsentGivenBy,
    pub method: ConsentMethod,
    /// When it was given; not in the future.
    pub given_at: DateTime<Utc>,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

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
`refer_to_partner` lets the worker refer the case to that one partner organisation. Roles: social_worker \
(assigned to the case's school).",
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
                checks.add("partner_id", "required for refer_to_partner");
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
                    checks.add("partner_id", "no such partner organisation");
                }
                found
            }
            (ConsentKind::ShareWithSchool, Some(_)) => {
                checks.add("partner_id", "only refer_to_partner names a partner");
                None
            }
            (ConsentKind::ShareWithSchool, None) => None,
        };
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
school at once. Withdrawing twice is 409. Roles: social_worker (assigned to the case's school).",
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
                "this consent was withdrawn already",
            ));
        }
        let at = match b.withdrawn_at {
            Some(t) => {
                let mut checks = Checks::default();
                not_future(&mut checks, "withdrawn_at", t);
                checks.check(
                    naive(t) >= current.given_at,
                    "withdrawn_at",
                    "must not be before the consent was given",
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
sees it only while that consent stays live. Roles: social_worker (assigned to the case's school).",
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
        if text.is_some()
            && repo::with_live_consent(
                conn,
                &[case_id.to_string()],
                ConsentKind::ShareWithSchool.as_str(),
                None,
                at,
            )?
            .is_empty()
        {
            return Err(ApiError::conflict(
                "the family has not allowed sharing with the school: record a live \
                 share_with_school consent first",
            ));
        }
        diesel::update(cases::table.find(case_id))
            .set((
                cases::feedback_at.eq(text.as_ref().map(|_| at)),
                cases::feedback_for_school.eq(text),
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
        let tag = etag(r.case.updated_at);
        Ok((detail(conn, r)?, tag))
    })
    .await?;
    Ok(crate::api::common::ok_with_etag::<CaseDetail>(&v, &tag))
}
