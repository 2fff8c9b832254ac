//! FHIR R4 for partner systems: referrals as Tasks (the SDOH Clinical Care guide's referral
//! pattern) and the ServiceRequests they fulfil, searched, read and moved through the same
//! lifecycle as the JSON API (`referrals::act`: the same checks, history, event and audit).
//! Answers are `application/fhir+json`; errors are `OperationOutcome`.

mod map;
mod outcome;
pub mod resources;
pub(crate) mod search;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationErrors};

use crate::api::common::{decode_cursor, encode_cursor, if_match};
use crate::api::extract::ApiJson;
use crate::api::referrals::{
    AcceptReferral, CompleteReferral, TransitionNote, TransitionReason, act,
};
use crate::auth::policy::{Action, require};
use crate::auth::{Sees, Viewer};
use crate::db::DbConn;
use crate::db::referrals::{self as repo, ReferralFilter, ReferralListRow};
use crate::domain::referral::{ReferralAction, ReferralStatus};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::audit::{AuditAction, record, record_list};

use map::TaskData;
pub use outcome::{FHIR_JSON, FhirError, FhirResult, outcome};
use resources::*;

/// Longest reason or outcome, as in the JSON API.
const MAX_TEXT: usize = 2000;

/// Who may use the FHIR endpoints: a partner account (the referrals sent to its organisation and
/// those below it) and the case team (their schools' referrals, to record the partner's answers).
/// The coordinator sees referral aggregates only and a Task carries the referral's content; a
/// school sees only that a referral exists: both 403.
fn require_fhir(user: &Viewer) -> ApiResult<()> {
    match user.sees() {
        Sees::Partner => require(user, Action::AnswerReferrals),
        Sees::CaseTeam | Sees::Metadata | Sees::School => require(user, Action::WorkCases),
    }
}

/// Referrals in the caller's reach that are Tasks (sent at some point: drafts never are).
fn tasks_in_reach(
    conn: &mut DbConn,
    user: &Viewer,
    filter: ReferralFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> ApiResult<Vec<ReferralListRow>> {
    let filter = ReferralFilter {
        sent_only: true,
        ..filter
    };
    Ok(repo::list(
        conn,
        &user.case_scope(),
        filter,
        after,
        Some(limit),
    )?)
}

/// One referral in the caller's reach that is a Task; 404 otherwise (a draft too).
fn task_in_reach(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<ReferralListRow> {
    let r = repo::find_scoped(conn, id, &user.case_scope())?;
    if r.referral.sent_at.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(r)
}

fn load_one(conn: &mut DbConn, user: &Viewer, r: ReferralListRow) -> ApiResult<TaskData> {
    map::load(conn, user, vec![r])?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// An id that is not a UUID names no referral: 404, as FHIR clients expect.
fn referral_id(raw: &str) -> ApiResult<String> {
    Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ApiError::NotFound)
}

/// The referral `id` in the caller's reach, read as the data its Task and ServiceRequest are
/// mapped from; the read is audited.
async fn read_one(state: &AppState, user: Viewer, id: String) -> ApiResult<TaskData> {
    state
        .db
        .read_audited(move |conn| {
            let r = task_in_reach(conn, &user, &id)?;
            record(
                conn,
                &user,
                AuditAction::Read,
                "referral",
                Some(&id),
                Some(&r.referral.case_id),
            )?;
            load_one(conn, &user, r)
        })
        .await
}

fn fhir_ok<T: serde::Serialize>(body: &T, etag: Option<String>) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, FHIR_JSON));
    if let Some(tag) = etag {
        res.insert_header((header::ETAG, tag));
    }
    res.body(serde_json::to_string(body).unwrap_or_default())
}

fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}/fhir/r4", info.scheme(), info.host())
}

#[utoipa::path(
    get, path = "/fhir/r4/Task", tag = "fhir", operation_id = "list_fhir_tasks",
    summary = "Search referral Tasks (FHIR R4)",
    description = "A `searchset` Bundle of the caller's referrals as FHIR Tasks, newest referral first; drafts \
are never Tasks. Search by `owner` (`Organization/<partner id>`), `status` (FHIR Task codes, a comma list: \
`requested`, `accepted`, `rejected`, `in-progress`, `on-hold`, `completed`, `failed`, `cancelled`), \
`_lastUpdated` (`ge`, `gt`, `le`, `lt` with a date or a date-time with zone; repeat it for a range) and \
`_count` (1–200, default 50); follow the `next` link for more. Unknown parameters are refused (422), not \
ignored. Errors are `OperationOutcome`. Roles: social_worker (the referrals of their schools), partner (the \
referrals sent to its organisation and those below it).",
    security(("bearer" = [])),
    params(
        ("owner" = Option<crate::api::fhir::search::OwnerReference>, Query, description = "`Organization/<id>` (or the bare id) of a partner organisation"),
        ("status" = Option<crate::api::fhir::search::TaskStatusList>, Query, description = "FHIR Task status codes, comma separated", example = "requested,in-progress"),
        ("_lastUpdated" = Option<crate::api::fhir::search::LastUpdated>, Query, description = "A prefix (`ge`, `gt`, `le`, `lt`) and a date or date-time; may be repeated", example = "ge2026-12-01"),
        ("_count" = Option<i64>, Query, description = "Page size (1–200, default 50)", minimum = 1, maximum = 200),
        ("_cursor" = Option<String>, Query, description = "From the `next` link of the previous page")
    ),
    responses(
        (status = 200, description = "A page of Tasks", body = Bundle, content_type = "application/fhir+json"),
    )
)]
#[get("/fhir/r4/Task")]
pub async fn list_fhir_tasks(
    state: web::Data<AppState>,
    user: Result<Viewer, ApiError>,
    req: HttpRequest,
) -> FhirResult<HttpResponse> {
    let user = user?;
    require_fhir(&user)?;
    let q = search::parse(req.query_string())?;
    let after = decode_cursor::<(NaiveDateTime, String)>(q.cursor.as_deref())
        .map_err(|_| ApiError::Validation(vec![FieldError::new("_cursor", Code::CursorInvalid)]))?;
    let base = base_url(&req);
    let count = q.count;
    let filter = ReferralFilter {
        partner_id: q.owner.clone(),
        status_in: q
            .statuses
            .as_ref()
            .map(|l| l.iter().map(|s| s.as_str().to_string()).collect()),
        updated_from: q.updated_from,
        updated_before: q.updated_before,
        ..ReferralFilter::default()
    };
    let (tasks, next) = state
        .db
        .read_audited(move |conn| {
            let mut rows = tasks_in_reach(conn, &user, filter, after, count)?;
            let more = rows.len() as i64 > count;
            rows.truncate(count as usize);
            // A Task carries the message for the partner: each referral listed is named.
            record_list(
                conn,
                &user,
                "referral",
                rows.iter()
                    .map(|r| (r.referral.id.as_str(), Some(r.referral.case_id.as_str()))),
            )?;
            let next = rows
                .last()
                .filter(|_| more)
                .map(|r| encode_cursor(&(r.referral.created_at, r.referral.id.clone())));
            let data = map::load(conn, &user, rows)?;
            Ok((data.iter().map(map::task).collect::<Vec<_>>(), next))
        })
        .await?;
    // The links repeat the search as asked, without the cursor.
    let kept: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k != "_cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let link = |cursor: Option<&str>| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            s.append_pair(k, v);
        }
        if let Some(c) = cursor {
            s.append_pair("_cursor", c);
        }
        let qs = s.finish();
        if qs.is_empty() {
            format!("{base}/Task")
        } else {
            format!("{base}/Task?{qs}")
        }
    };
    let mut links = vec![BundleLink {
        relation: "self",
        url: link(q.cursor.as_deref()),
    }];
    if let Some(c) = &next {
        links.push(BundleLink {
            relation: "next",
            url: link(Some(c)),
        });
    }
    let bundle = Bundle {
        resource_type: "Bundle",
        type_: "searchset",
        link: links,
        entry: tasks
            .into_iter()
            .map(|t| BundleEntry {
                full_url: format!("{base}/Task/{}", t.id),
                resource: t,
                search: BundleSearch { mode: "match" },
            })
            .collect(),
    };
    Ok(fhir_ok(&bundle, None))
}

#[utoipa::path(
    get, path = "/fhir/r4/Task/{id}", tag = "fhir", operation_id = "get_fhir_task",
    summary = "Read a referral as a FHIR Task",
    description = "The referral as a Task after the SDOH Clinical Care guide's referral management Task: \
`intent` `order`, `code` `fulfill`, `focus` its ServiceRequest, `owner` the partner organisation, `requester` \
the referring worker (contained, with name and e-mail), `authoredOn` when it was sent, `restriction.period.end` \
the follow-up day, `statusReason` why it was declined, put on hold, failed or cancelled, `output` the outcome \
once completed. `for` (the family) only when the family's consent passes on its contact data. `meta.versionId` \
is the version for `If-Match`. Once the family withdraws its consent the Task is a bare reference (no priority, \
follow-up day or requester's name). A draft, or a referral outside the caller's reach (another organisation's), \
is 404. Roles: social_worker (the referrals of their schools), partner (its organisation's referrals).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Referral id (any other id: 404)")),
    responses(
        (status = 200, description = "The Task", body = Task, content_type = "application/fhir+json", headers(("ETag" = String, description = "W/\"<versionId>\""))),
        (status = 404, response = crate::openapi::FhirNotFound)
    )
)]
#[get("/fhir/r4/Task/{id}")]
pub async fn get_fhir_task(
    state: web::Data<AppState>,
    user: Result<Viewer, ApiError>,
    id: web::Path<String>,
) -> FhirResult<HttpResponse> {
    let user = user?;
    require_fhir(&user)?;
    let id = referral_id(&id)?;
    let task = map::task(&read_one(&state, user, id).await?);
    let tag = format!("W/\"{}\"", task.meta.version_id);
    Ok(fhir_ok(&task, Some(tag)))
}

#[utoipa::path(
    get, path = "/fhir/r4/ServiceRequest/{id}", tag = "fhir", operation_id = "get_fhir_service_request",
    summary = "Read the ServiceRequest a referral Task fulfils",
    description = "The Task's `focus`: the service asked for (`code`), the themes (`category`), the urgency \
(`priority`), the message for the partner (`note`), the referring worker and the partner organisation \
(`performer`). `subject` is the family as a contained Patient only when its consent passes on its contact \
data; otherwise a logical reference that identifies nobody. Same id as the Task. Roles: social_worker (the \
referrals of their schools), partner (its organisation's referrals).",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Referral id (any other id: 404)")),
    responses(
        (status = 200, description = "The ServiceRequest", body = ServiceRequest, content_type = "application/fhir+json", headers(("ETag" = String, description = "W/\"<versionId>\""))),
        (status = 404, response = crate::openapi::FhirNotFound)
    )
)]
#[get("/fhir/r4/ServiceRequest/{id}")]
pub async fn get_fhir_service_request(
    state: web::Data<AppState>,
    user: Result<Viewer, ApiError>,
    id: web::Path<String>,
) -> FhirResult<HttpResponse> {
    let user = user?;
    require_fhir(&user)?;
    let id = referral_id(&id)?;
    let sr = map::service_request(&read_one(&state, user, id).await?);
    let tag = format!("W/\"{}\"", sr.meta.version_id);
    Ok(fhir_ok(&sr, Some(tag)))
}

/// A JSON Patch (RFC 6902) of a Task: sets `/status`, with `/statusReason` and `/output`. One to
/// `TaskPatch::MAX_OPERATIONS` operations (the validation and the document's `maxItems` alike).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct TaskPatch(pub Vec<TaskPatchOperation>);

impl TaskPatch {
    pub const MAX_OPERATIONS: usize = 10;
}

impl utoipa::PartialSchema for TaskPatch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(utoipa::openapi::Ref::from_schema_name(TaskPatchOperation::name()))
            .min_items(Some(1))
            .max_items(Some(Self::MAX_OPERATIONS))
            .description(Some("A JSON Patch (RFC 6902) of a Task: one to ten operations"))
            .examples([serde_json::json!([
                {"op": "replace", "path": "/status", "value": "completed"},
                {"op": "add", "path": "/output", "value": [{"type": {"coding": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes", "code": "resulting-activity"}]},
                    "valueCodeableConcept": {"text": "Afbetalingsplan met de school afgesproken."}}]}
            ])])
            .into()
    }
}

impl utoipa::ToSchema for TaskPatch {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            TaskPatchOperation::name().into(),
            <TaskPatchOperation as utoipa::PartialSchema>::schema(),
        ));
        <TaskPatchOperation as utoipa::ToSchema>::schemas(schemas);
    }
}

impl Validate for TaskPatch {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.0.is_empty() || self.0.len() > Self::MAX_OPERATIONS {
            let mut e = validator::ValidationError::new("length");
            e.add_param("min".into(), &1);
            e.add_param("max".into(), &Self::MAX_OPERATIONS);
            errors.add("operations", e);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What a patch asks: the new status, its reason, the outcome; and its `test`s.
#[derive(Debug, Default)]
struct Change {
    status: Option<String>,
    reason: Option<String>,
    outcome: Option<String>,
    tests: Vec<(usize, String, serde_json::Value)>,
}

fn invalid(at: usize, expected: &str) -> FieldError {
    FieldError::new(
        format!("[{at}].value"),
        crate::msg!(FhirPatchValueInvalid, expected = expected),
    )
}

/// The text of a CodeableConcept (its `text`, else its first coding's display or code).
fn concept_text(v: &serde_json::Value) -> Option<String> {
    let c: CodeableConcept = serde_json::from_value(v.clone()).ok()?;
    c.text
        .or_else(|| {
            c.coding
                .iter()
                .find_map(|k| k.display.clone().or(k.code.clone()))
        })
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn output_text(v: &serde_json::Value) -> Option<String> {
    let o: TaskOutput = serde_json::from_value(v.clone()).ok()?;
    o.value_string
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| {
            o.value_codeable_concept
                .and_then(|c| concept_text(&serde_json::to_value(c).ok()?))
        })
}

fn read_patch(ops: Vec<TaskPatchOperation>) -> ApiResult<Change> {
    let mut c = Change::default();
    let mut errors = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        let value = op.value.unwrap_or(serde_json::Value::Null);
        match (op.op.as_str(), op.path.as_str()) {
            ("test", path) => c.tests.push((i, path.to_string(), value)),
            ("replace" | "add", "/status") => match value.as_str() {
                Some(s) => c.status = Some(s.to_string()),
                None => errors.push(invalid(i, "a FHIR Task status code")),
            },
            ("replace" | "add", "/statusReason") => match concept_text(&value) {
                Some(t) if t.chars().count() <= MAX_TEXT => c.reason = Some(t),
                _ => errors.push(invalid(
                    i,
                    "a CodeableConcept with text (at most 2000 characters)",
                )),
            },
            ("replace" | "add", "/output" | "/output/-") => {
                let list = match value {
                    serde_json::Value::Array(a) if op.path == "/output" => a,
                    v @ serde_json::Value::Object(_) if op.path == "/output/-" => vec![v],
                    _ => vec![serde_json::Value::Null],
                };
                let texts: Option<Vec<String>> = list.iter().map(output_text).collect();
                match texts {
                    Some(t) if !t.is_empty() && t.join("\n").chars().count() <= MAX_TEXT => {
                        c.outcome = Some(t.join("\n"))
                    }
                    _ => errors.push(invalid(
                        i,
                        "Task outputs with valueCodeableConcept.text or valueString (at most 2000 characters)",
                    )),
                }
            }
            ("replace" | "add", _) => errors.push(FieldError::new(
                format!("[{i}].path"),
                Code::FhirPatchPathUnsupported,
            )),
            (other, _) => errors.push(FieldError::new(
                format!("[{i}].op"),
                crate::msg!(FhirPatchOperationUnsupported, op = other),
            )),
        }
    }
    if errors.is_empty() && c.status.is_none() {
        errors.push(FieldError::new("/status", Code::FhirPatchStatusRequired));
    }
    if errors.is_empty() {
        Ok(c)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The lifecycle action that takes a referral from `from` to the FHIR status `to`.
fn action_for(from: ReferralStatus, to: &str) -> ApiResult<ReferralAction> {
    let Some(target) = search::status_of_code(to) else {
        let settable = ["draft", "received", "ready", "entered-in-error"];
        return Err(if settable.contains(&to) {
            ApiError::invalid_state(
                from.as_str(),
                crate::msg!(
                    FhirTaskStatusNotSettable,
                    status = to,
                    current = from.fhir()
                ),
            )
        } else {
            ApiError::field(
                "/status",
                crate::msg!(
                    FhirTaskStatusUnknown,
                    value = to,
                    allowed = search::task_codes()
                ),
            )
        });
    };
    Ok(match target {
        ReferralStatus::Accepted => ReferralAction::Accept,
        ReferralStatus::Declined => ReferralAction::Decline,
        ReferralStatus::InProgress if from == ReferralStatus::OnHold => ReferralAction::Resume,
        ReferralStatus::InProgress => ReferralAction::Start,
        ReferralStatus::OnHold => ReferralAction::Hold,
        ReferralStatus::Completed => ReferralAction::Complete,
        ReferralStatus::Failed => ReferralAction::Fail,
        ReferralStatus::Cancelled => ReferralAction::Cancel,
        // Back to `requested` (or to a draft): no action leads there.
        ReferralStatus::Sent | ReferralStatus::Draft => {
            return Err(ApiError::invalid_state(
                from.as_str(),
                crate::msg!(
                    FhirTaskStatusNotSettable,
                    status = to,
                    current = from.fhir()
                ),
            ));
        }
    })
}

/// The JSON API names `reason` and `outcome`; a FHIR client sent `statusReason` and `output`.
fn as_fhir_fields(e: ApiError) -> ApiError {
    match e {
        ApiError::Validation(list) => ApiError::Validation(
            list.into_iter()
                .map(|mut f| {
                    f.field = match f.field.as_str() {
                        "reason" => "/statusReason".into(),
                        "outcome" => "/output".into(),
                        other => other.into(),
                    };
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

/// Runs the transition a patch asks for through the referral lifecycle (`referrals::act`).
fn apply(
    conn: &mut DbConn,
    user: &Viewer,
    id: &str,
    if_match: Option<&str>,
    change: Change,
) -> ApiResult<Task> {
    let r = task_in_reach(conn, user, id)?;
    if !change.tests.is_empty() {
        let now = serde_json::to_value(map::task(&load_one(conn, user, r.clone())?))
            .map_err(ApiError::internal)?;
        for (i, path, value) in &change.tests {
            if now.pointer(path) != Some(value) {
                return Err(ApiError::Validation(vec![FieldError::new(
                    format!("[{i}].value"),
                    Code::FhirPatchTestFailed,
                )]));
            }
        }
    }
    let status = change.status.unwrap_or_default();
    let action = action_for(r.referral.status(), &status)?;
    let (reason, outcome) = (change.reason, change.outcome);
    let done = match action {
        ReferralAction::Accept => act(
            conn,
            user,
            id,
            if_match,
            AcceptReferral {
                partner_contact_name: None,
                comment: reason,
            },
            action,
        ),
        ReferralAction::Start | ReferralAction::Resume | ReferralAction::Send => act(
            conn,
            user,
            id,
            if_match,
            TransitionNote { comment: reason },
            action,
        ),
        ReferralAction::Decline
        | ReferralAction::Hold
        | ReferralAction::Fail
        | ReferralAction::Cancel => act(
            conn,
            user,
            id,
            if_match,
            TransitionReason { reason },
            action,
        ),
        ReferralAction::Complete => act(
            conn,
            user,
            id,
            if_match,
            CompleteReferral {
                outcome,
                comment: reason,
            },
            action,
        ),
    };
    done.map_err(as_fhir_fields)?;
    let r = task_in_reach(conn, user, id)?;
    Ok(map::task(&load_one(conn, user, r)?))
}

#[utoipa::path(
    patch, path = "/fhir/r4/Task/{id}", tag = "fhir", operation_id = "update_fhir_task",
    summary = "Update a referral Task's status (JSON Patch)",
    description = "Moves the referral through its lifecycle, exactly as the JSON API's actions do (the same \
checks, history, event and audit trail): a JSON Patch (`application/json-patch+json`) that sets `/status` \
and, where the step needs it, `/statusReason` (its `text` is the reason: required for `rejected`, `on-hold`, \
`failed`, `cancelled`) and `/output` (the outcome: required for `completed`; `valueCodeableConcept.text` or \
`valueString`). `requested` → `accepted` | `rejected`; `accepted` → `in-progress` | `on-hold` | `completed` | \
`failed`; `in-progress` ⇄ `on-hold`; `in-progress` → `completed` | `failed`; `cancelled` from any state that is \
not final. Any other step is 409 (`OperationOutcome`, issue `business-rule`). `test` operations are checked \
against the Task first. Send `If-Match: W/\"<meta.versionId>\"` to refuse a stale update (412). Roles: \
social_worker (the referrals of their schools: `cancelled`, and the partner's steps recorded on its behalf), \
partner (its organisation's referrals; every step but `cancelled`, 403).",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Referral id (any other id: 404)"),
        ("If-Match" = Option<String>, Header, description = "`W/\"<meta.versionId>\"` of the Task you read; 412 when stale")
    ),
    request_body(content = TaskPatch, content_type = "application/json-patch+json"),
    responses(
        (status = 200, description = "The Task in its new state", body = Task, content_type = "application/fhir+json", headers(("ETag" = String, description = "W/\"<versionId>\""))),
        (status = 404, response = crate::openapi::FhirNotFound),
        (status = 409, response = crate::openapi::FhirInvalidState),
        (status = 412, response = crate::openapi::FhirPreconditionFailed),
    )
)]
#[patch("/fhir/r4/Task/{id}")]
pub async fn update_fhir_task(
    state: web::Data<AppState>,
    user: Result<Viewer, ApiError>,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<TaskPatch>,
) -> FhirResult<HttpResponse> {
    let user = user?;
    require_fhir(&user)?;
    let id = referral_id(&id)?;
    let change = read_patch(body.into_inner()?.0)?;
    let if_match = if_match(&req);
    let task = state
        .db
        .write(move |conn| apply(conn, &user, &id, if_match.as_deref(), change))
        .await?;
    let tag = format!("W/\"{}\"", task.meta.version_id);
    Ok(fhir_ok(&task, Some(tag)))
}
