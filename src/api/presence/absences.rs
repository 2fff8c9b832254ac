//! Workers' absences (leave, illness): while a worker is away their office-hours sessions are
//! cancelled, or taken by a substitute the school sees. The kind of absence (illness is health
//! data) stays with the worker and the coordinator: a school sees only that the worker is away.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::Checks;
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::auth::viewer::Managed;
use crate::db::absences::{self as repo, AbsenceRow};
use crate::db::{now, users};
use crate::domain::planning::AbsenceKind;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record};

/// A period a worker is away.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000f2", "worker_id": "0193a1b2-0000-7000-8000-0000000000b1", "kind": "leave", "first_day": "2027-02-15", "last_day": "2027-02-19", "substitute_id": "0193a1b2-0000-7000-8000-0000000000b2", "created_at": "2027-01-10T09:00:00Z"}))]
pub struct Absence {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub worker_id: String,
    pub kind: AbsenceKind,
    pub first_day: NaiveDate,
    /// Included.
    pub last_day: NaiveDate,
    /// Who holds the worker's office hours meanwhile; null: they are cancelled.
    #[schema(format = Uuid)]
    pub substitute_id: Option<String>,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
}

impl From<AbsenceRow> for Absence {
    fn from(r: AbsenceRow) -> Self {
        Absence {
            kind: AbsenceKind::parse(&r.kind).unwrap_or(AbsenceKind::Other),
            id: r.id,
            worker_id: r.worker_id,
            first_day: r.first_day,
            last_day: r.last_day,
            substitute_id: r.substitute_id,
            created_at: utc(r.created_at),
        }
    }
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"worker_id": "0193a1b2-0000-7000-8000-0000000000b1", "kind": "leave", "first_day": "2027-02-15", "last_day": "2027-02-19", "substitute_id": "0193a1b2-0000-7000-8000-0000000000b2"}))]
pub struct NewAbsence {
    /// Default: the caller (a social worker).
    #[schema(format = Uuid)]
    pub worker_id: Option<Uuid>,
    pub kind: AbsenceKind,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Another active social worker who holds the office hours meanwhile.
    #[schema(format = Uuid)]
    pub substitute_id: Option<Uuid>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AbsenceQuery {
    /// Only this worker's (a social worker sees only their own).
    #[param(format = Uuid)]
    pub worker: Option<Uuid>,
    /// Only absences ending on or after this day (default: today).
    pub from: Option<NaiveDate>,
    /// Only absences starting on or before this day (default: `from` + 366 days).
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AbsenceList {
    /// By first day.
    pub items: Vec<Absence>,
}

/// The worker the caller may record or read absences of: the coordinator anyone's, a worker
/// their own; anything else is 404.
fn managed(user: &Viewer, asked: Option<String>) -> ApiResult<Option<String>> {
    match (user.managed_workers(), asked) {
        (Managed::Anyone, asked) => Ok(asked),
        (Managed::Only(me), None) => Ok(Some(me.to_string())),
        (Managed::Only(me), Some(w)) if w == me => Ok(Some(w)),
        (Managed::Only(_), Some(_)) | (Managed::Nobody, _) => Err(ApiError::NotFound),
    }
}

#[utoipa::path(
    get, path = "/api/v1/absences", tag = "presence", operation_id = "list_absences",
    summary = "List workers' absences",
    description = "The coordinator sees everyone's, a social worker their own. Roles: coordinator, social_worker.",
    security(("bearer" = [])), params(AbsenceQuery),
    responses((status = 200, description = "The absences", body = AbsenceList), (status = 403, response = crate::openapi::Forbidden))
)]
#[get("/api/v1/absences")]
pub async fn list_absences(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<AbsenceQuery>,
) -> ApiResult<web::Json<AbsenceList>> {
    require(&user, Action::ManageAbsences)?;
    let q = query.0;
    let worker = match managed(&user, q.worker.map(|w| w.to_string())) {
        Ok(w) => w,
        Err(_) => return Ok(web::Json(AbsenceList { items: vec![] })),
    };
    let from = q.from.unwrap_or_else(|| Utc::now().date_naive());
    let to = q.to.unwrap_or(from + Duration::days(366));
    let rows = state
        .db
        .run(move |conn| Ok(repo::overlapping(conn, worker.as_deref(), from, to)?))
        .await?;
    Ok(web::Json(AbsenceList {
        items: rows.into_iter().map(Absence::from).collect(),
    }))
}

#[utoipa::path(
    post, path = "/api/v1/absences", tag = "presence", operation_id = "create_absence",
    summary = "Record a worker's absence",
    description = "Leave, illness or other, from `first_day` to `last_day` (at most 366 days). The worker's office-hours \
sessions in it show as `cancelled` (reason: the worker is away), or, with a `substitute_id`, as planned with the \
substitute named in `substitute`. A school never sees the kind. Audited (`create` on the absence). Roles: \
coordinator (any worker), social_worker (their own).",
    security(("bearer" = [])), request_body = NewAbsence,
    responses(
        (status = 201, description = "Recorded", body = Absence),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[post("/api/v1/absences")]
pub async fn create_absence(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewAbsence>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ManageAbsences)?;
    let b = body.into_inner()?;
    let worker = managed(&user, b.worker_id.map(|w| w.to_string()))?;
    let row = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            let worker = worker.unwrap_or_default();
            if worker.is_empty() || users::find_worker(conn, &worker)?.is_none() {
                checks.add("worker_id", Code::ActiveSocialWorker);
            }
            checks.check(
                b.first_day <= b.last_day,
                "last_day",
                crate::msg!(NotBefore, other = "first_day"),
            );
            checks.check(
                (b.last_day - b.first_day).num_days() <= 366,
                "last_day",
                Code::ClosedPeriodMaxYear,
            );
            let substitute = b.substitute_id.map(|s| s.to_string());
            if let Some(s) = &substitute {
                checks.check(
                    *s != worker && users::is_active_worker(conn, s)?,
                    "substitute_id",
                    Code::SubstituteNotAbsentWorker,
                );
            }
            checks.finish()?;
            let at = now();
            let row = AbsenceRow {
                id: Uuid::now_v7().to_string(),
                worker_id: worker,
                kind: b.kind.as_str().into(),
                first_day: b.first_day,
                last_day: b.last_day,
                substitute_id: substitute,
                recorded_by: user.id.clone(),
                created_at: at,
                updated_at: at,
            };
            repo::insert(conn, &row)?;
            record(
                conn,
                &user,
                AuditAction::Create,
                "absence",
                Some(&row.id),
                None,
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", "/api/v1/absences"))
        .json(Absence::from(row)))
}

#[utoipa::path(
    delete, path = "/api/v1/absences/{id}", tag = "presence", operation_id = "delete_absence",
    summary = "Remove an absence",
    description = "The sessions take place as planned again. Audited. Roles: coordinator, social_worker (their own).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Absence id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[delete("/api/v1/absences/{id}")]
pub async fn delete_absence(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ManageAbsences)?;
    let id = id.to_string();
    state
        .db
        .write(move |conn| {
            let row = repo::find(conn, &id)?;
            managed(&user, Some(row.worker_id.clone()))?;
            repo::delete(conn, &id)?;
            record(conn, &user, AuditAction::Delete, "absence", Some(&id), None)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
