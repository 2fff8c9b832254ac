//! Signed checkpoints of the audit chain, for auditors: list them with the public key, take one
//! now, and check the chain against checkpoints kept earlier (outside the database).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::audit::ChainBreak;
use crate::api::common::{self, decode_cursor};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::db::audit::{self as repo, CheckpointRow, Mark, MarkFinding};
use crate::db::now;
use crate::domain::utc;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::usecases::checkpoints::{self, take};

/// What the service signs: `kinderen-eerst audit checkpoint\nseq=<seq>\nhash=<hash>\nat=<at>\n`,
/// `at` in RFC 3339 with microseconds and `Z`.
const MESSAGE_FORMAT: &str = "kinderen-eerst audit checkpoint\\nseq={seq}\\nhash={hash}\\nat={at, RFC 3339 UTC with microseconds}\\n";

/// A signed statement of the audit chain's head.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"seq": 1042, "hash": "404bfb1a5413cf56d97361f417a3fa6066c2a2277b7af2dc464062a526595222", "at": "2026-12-05T09:00:00.123456Z", "key_id": "3fa85f6457174562", "signature": "q83v…=="}))]
pub struct Checkpoint {
    /// The sequence number of the chain's last event (0: the empty chain).
    pub seq: i64,
    /// That event's hash (SHA-256, hex).
    pub hash: String,
    pub at: DateTime<Utc>,
    /// Which key signed (the first 16 hex digits of the SHA-256 of its public key).
    pub key_id: String,
    /// Ed25519 signature (base64) of the message described in `message_format`.
    pub signature: String,
}

impl From<CheckpointRow> for Checkpoint {
    fn from(r: CheckpointRow) -> Self {
        Checkpoint {
            seq: r.seq,
            hash: r.hash,
            at: utc(r.at),
            key_id: r.key_id,
            signature: r.signature,
        }
    }
}

/// A page of checkpoints, with what is needed to check them without this service.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointPage {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The public key (32 bytes, base64).
    pub public_key: String,
    pub key_id: String,
    /// The exact text that is signed.
    pub message_format: String,
    pub items: Vec<Checkpoint>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckpointQuery {
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/audit-events/checkpoints", tag = "audit", operation_id = "list_audit_checkpoints",
    summary = "List signed checkpoints",
    description = "Newest first, with the public key and the exact signed text, so an auditor can check each \
signature with standard tools. Checkpoints are taken every `AUDIT_CHECKPOINT_SECONDS` and on demand; each is \
also published as an `audit.checkpoint` event (`GET /events`, webhooks). Keep copies outside this service. \
Roles: coordinator.",
    security(("bearer" = [])), params(CheckpointQuery),
    responses(
        (status = 200, description = "A page of checkpoints and the public key", body = CheckpointPage),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[get("/api/v1/audit-events/checkpoints")]
pub async fn list_audit_checkpoints(
    state: web::Data<AppState>,
    _: Allowed<can::ReadAuditLog>,
    query: ApiQuery<CheckpointQuery>,
) -> ApiResult<web::Json<CheckpointPage>> {
    let q = query.0;
    let limit = common::limit(q.limit);
    let before = decode_cursor::<i64>(q.cursor.as_deref())?;
    let rows = state
        .db
        .run(move |conn| Ok(repo::list_checkpoints(conn, before, limit)?))
        .await?;
    let page = common::page(rows, limit, |r| r.seq, Checkpoint::from);
    Ok(web::Json(CheckpointPage {
        algorithm: "Ed25519".into(),
        public_key: state.audit_key.public_key(),
        key_id: state.audit_key.key_id(),
        message_format: MESSAGE_FORMAT.into(),
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/audit-events/checkpoints", tag = "audit", operation_id = "create_audit_checkpoint",
    summary = "Take a signed checkpoint now",
    description = "Links every waiting event into the chain and signs its head. When the head has a checkpoint \
already, that one is answered (200). Published as an `audit.checkpoint` event. Roles: coordinator.",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A new checkpoint", body = Checkpoint),
        (status = 200, description = "The head had a checkpoint already", body = Checkpoint),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/audit-events/checkpoints")]
pub async fn create_audit_checkpoint(
    state: web::Data<AppState>,
    _: Allowed<can::ReadAuditLog>,
) -> ApiResult<HttpResponse> {
    let st = state.clone();
    let (row, new) = state.db.run(move |conn| take(conn, &st.audit_key)).await?;
    let body = Checkpoint::from(row);
    Ok(if new {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// A checkpoint as an auditor kept it (as listed, or from an `audit.checkpoint` event).
#[document_limits]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeptCheckpoint {
    #[validate(range(min = 0))]
    pub seq: i64,
    #[validate(length(equal = 64))]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub hash: String,
    pub at: DateTime<Utc>,
    /// Ignored (the service checks against its own key).
    #[validate(length(max = 64))]
    pub key_id: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub signature: String,
}

/// Checkpoints kept earlier, to check the chain against.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"checkpoints": [{"seq": 1042, "hash": "404bfb1a5413cf56d97361f417a3fa6066c2a2277b7af2dc464062a526595222", "at": "2026-12-05T09:00:00.123456Z", "signature": "q83v…=="}]}))]
pub struct VerifyRequest {
    /// At most 2,000.
    #[validate(length(max = 2000), nested)]
    pub checkpoints: Vec<KeptCheckpoint>,
}

/// How the chain compares with one kept checkpoint.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CheckpointConsistency)]
pub enum Finding {
    /// The chain still has this head.
    Consistent,
    /// The event at `seq` has another hash now: events up to it were rewritten.
    Rewritten,
    /// The chain ends before `seq`: events were removed and the head rewound.
    Removed,
    /// The walk broke before `seq`.
    NotReached,
    /// The signature is not this service's key's: the copy is not a checkpoint of ours.
    SignatureInvalid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointFinding {
    pub seq: i64,
    pub signature_valid: bool,
    pub finding: Finding,
    /// The hash the chain has at `seq` now, when it differs.
    pub hash_now: Option<String>,
}

/// The chain's state, and its consistency with each kept checkpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointReport {
    /// True when the chain verifies and is consistent with every checkpoint whose signature holds.
    pub intact: bool,
    pub events_checked: i64,
    /// Where the chain first breaks: the first event that was altered, removed, inserted, or (for a
    /// checkpoint that differs) the first event after the last checkpoint that held.
    pub first_break: Option<ChainBreak>,
    pub checkpoints: Vec<CheckpointFinding>,
    pub verified_at: DateTime<Utc>,
}

#[utoipa::path(
    post, path = "/api/v1/audit-events/verify", tag = "audit", operation_id = "verify_audit_chain_against_checkpoints",
    summary = "Verify the audit chain against kept checkpoints",
    description = "Walks the whole chain in order (in batches: memory stays flat however long it is), recomputing \
every hash, and reports for each checkpoint you kept whether its signature is this service's and whether the \
chain still has that head. So also a chain rewritten with recomputed hashes, or cut and rewound, shows: it \
disagrees with a checkpoint taken before. Roles: coordinator.",
    security(("bearer" = [])), request_body = VerifyRequest,
    responses(
        (status = 200, description = "The chain against each checkpoint", body = CheckpointReport),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/audit-events/verify")]
pub async fn verify_against_checkpoints(
    state: web::Data<AppState>,
    _: Allowed<can::ReadAuditLog>,
    body: ApiJson<VerifyRequest>,
) -> ApiResult<web::Json<CheckpointReport>> {
    let kept = body.into_inner()?.checkpoints;
    let valid: Vec<bool> = kept
        .iter()
        .map(|c| {
            checkpoints::signed_by(
                &state.audit_key,
                c.seq,
                &c.hash,
                c.at.naive_utc(),
                &c.signature,
            )
        })
        .collect();
    // Only checkpoints of ours speak for the chain.
    let marks: Vec<Mark> = kept
        .iter()
        .zip(&valid)
        .filter(|(_, ok)| **ok)
        .map(|(c, _)| Mark {
            seq: c.seq,
            hash: c.hash.clone(),
        })
        .collect();
    let v = state
        .db
        .run(move |conn| Ok(repo::verify_against(conn, &marks)?))
        .await?;
    let mut findings = v.marks.into_iter();
    let checkpoints: Vec<CheckpointFinding> = kept
        .iter()
        .zip(valid)
        .map(|(c, ok)| {
            let (finding, hash_now) = if !ok {
                (Finding::SignatureInvalid, None)
            } else {
                match findings.next().unwrap_or(MarkFinding::NotReached) {
                    MarkFinding::Consistent => (Finding::Consistent, None),
                    MarkFinding::Differs { now } => (Finding::Rewritten, Some(now)),
                    MarkFinding::Beyond { .. } => (Finding::Removed, None),
                    MarkFinding::NotReached => (Finding::NotReached, None),
                }
            };
            CheckpointFinding {
                seq: c.seq,
                signature_valid: ok,
                finding,
                hash_now,
            }
        })
        .collect();
    Ok(web::Json(CheckpointReport {
        intact: v.first_break.is_none(),
        events_checked: v.checked,
        first_break: v.first_break.map(|b| ChainBreak {
            seq: b.seq,
            reason: b.reason,
        }),
        checkpoints,
        verified_at: utc(now()),
    }))
}
