//! Partner organisations of the social map (OCMW, CAW, Kind & Gezin, ...): the "organization"
//! of Open Referral HSDS.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{
    self, Checks, Page, check_if_match, created, decode_cursor, etag, fold, ok_with_etag,
};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::AuthUser;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::auth::policy::{Action, require};
use crate::db::partners::{self as repo, PartnerFilter, PartnerRow};
use crate::db::{DbConn, now, optional};
use crate::domain::social_map::Address;
use crate::domain::utc;
use crate::error::ApiResult;
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::contact::{check_email, check_web_url};

pub use crate::domain::social_map::PartnerKind;

/// A partner organisation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-0000-7000-8000-000000000010", "parent_id": "0193a1b2-0000-7000-8000-000000000009",
    "name": "Gezinscoaches 03", "kind": "caw", "description": "De gezinscoaches van het CAW.",
    "website": "https://www.caw.be", "phone": "03 000 00 00", "email": "gezinscoaches@caw.example",
    "address": {"street": "Lange Lozanastraat 14", "postal_code": "2018", "city": "Antwerpen"},
    "active": true, "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z"
}))]
pub struct Partner {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// The organisation this one is part of (a CAW and its family coaches).
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: PartnerKind,
    pub description: String,
    #[schema(schema_with = crate::api::common::web_url_or_empty)]
    pub website: String,
    pub phone: String,
    #[schema(schema_with = crate::api::common::email_or_empty)]
    pub email: String,
    pub address: Address,
    /// An inactive partner stays on old records; its services leave the social map.
    pub active: bool,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

impl From<PartnerRow> for Partner {
    fn from(r: PartnerRow) -> Self {
        Partner {
            id: r.id,
            parent_id: r.parent_id,
            name: r.name,
            kind: PartnerKind::parse(&r.kind),
            description: r.description,
            website: r.website,
            phone: r.phone,
            email: r.email,
            address: Address {
                street: r.street,
                postal_code: r.postal_code,
                city: r.city,
            },
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
pub struct PartnerQuery {
    /// Only partners of this kind.
    pub kind: Option<PartnerKind>,
    /// Only active (true) or inactive (false) partners.
    pub active: Option<bool>,
    /// Text in the name or description; case and accents are ignored.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A new partner organisation.
#[document_limits]
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Gezinscoaches 03", "parent_id": "0193a1b2-0000-7000-8000-000000000009", "kind": "caw",
    "description": "De gezinscoaches van het CAW.", "website": "https://www.caw.be",
    "phone": "03 000 00 00", "email": "gezinscoaches@caw.example",
    "address": {"street": "Lange Lozanastraat 14", "postal_code": "2018", "city": "Antwerpen"}
}))]
pub struct NewPartner {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// An existing partner; no cycles.
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    pub kind: PartnerKind,
    #[serde(default)]
    #[validate(length(max = 4000))]
    pub description: String,
    /// An http(s) URL, or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::common::web_url_or_empty)]
    #[validate(length(max = 500))]
    pub website: String,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub phone: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::common::email_or_empty)]
    #[validate(length(max = 254))]
    pub email: String,
    #[serde(default)]
    pub address: Address,
}

/// Changes to a partner; only the fields sent change.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "03 111 11 11", "active": false}))]
pub struct PartnerPatch {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// `null` removes the parent.
    #[serde(default, deserialize_with = "crate::api::common::present")]
    #[schema(value_type = Option<String>, format = Uuid, nullable)]
    pub parent_id: Option<Option<String>>,
    pub kind: Option<PartnerKind>,
    #[validate(length(max = 4000))]
    pub description: Option<String>,
    #[schema(schema_with = crate::api::common::web_url_or_empty_patch)]
    #[validate(length(max = 500))]
    pub website: Option<String>,
    #[validate(length(max = 50))]
    pub phone: Option<String>,
    #[schema(schema_with = crate::api::common::email_or_empty_patch)]
    #[validate(length(max = 254))]
    pub email: Option<String>,
    pub address: Option<Address>,
    /// `false` deactivates the partner: its services leave the social map.
    pub active: Option<bool>,
}

/// The checks every partner write passes. `id` is the partner being changed (None: new).
pub(crate) fn check_partner(
    conn: &mut DbConn,
    id: Option<&str>,
    p: &NewPartner,
    checks: &mut Checks,
) -> ApiResult<()> {
    checks.check(
        !p.name.trim().is_empty() && p.name.chars().count() <= 200,
        "name",
        crate::msg!(CharsBetween, min = 1, max = 200),
    );
    check_email(checks, "email", &p.email);
    check_web_url(checks, "website", &p.website);
    checks.part("address", &p.address);
    if let Some(parent) = &p.parent_id {
        if Uuid::parse_str(parent).is_err() {
            checks.add("parent_id", Code::InvalidUuid);
        } else if optional(repo::find(conn, parent))?.is_none() {
            checks.add("parent_id", Code::NoSuchPartner);
        } else if let Some(me) = id {
            // Walk up from the new parent; meeting this partner would close a cycle.
            let mut cur = Some(parent.clone());
            let mut steps = 0;
            while let Some(c) = cur {
                if c == me {
                    checks.add("parent_id", Code::PartnerOwnAncestor);
                    break;
                }
                steps += 1;
                if steps > 1000 {
                    break;
                }
                cur = repo::parent_of(conn, &c)?.flatten();
            }
        }
    }
    Ok(())
}

pub(crate) fn to_row(
    id: String,
    p: &NewPartner,
    active: bool,
    created_at: chrono::NaiveDateTime,
) -> PartnerRow {
    PartnerRow {
        id,
        parent_id: p.parent_id.clone(),
        name: p.name.trim().to_string(),
        kind: p.kind.as_str().to_string(),
        description: p.description.clone(),
        website: p.website.trim().to_string(),
        phone: p.phone.trim().to_string(),
        email: p.email.trim().to_lowercase(),
        street: p.address.street.trim().to_string(),
        postal_code: p.address.postal_code.trim().to_string(),
        city: p.address.city.trim().to_string(),
        active,
        created_at,
        updated_at: now(),
    }
}

#[utoipa::path(
    get, path = "/api/v1/partners", tag = "partners", operation_id = "list_partners",
    summary = "List partner organisations",
    description = "Partners sorted by name (then id). `q` matches the name or description, ignoring case and accents. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(PartnerQuery),
    responses((status = 200, description = "A page of partners", body = Page<Partner>))
)]
#[get("/api/v1/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<PartnerQuery>,
) -> ApiResult<web::Json<Page<Partner>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(String, String)>(q.cursor.as_deref())?;
    let filter = PartnerFilter {
        kind: q.kind.map(|k| k.as_str().to_string()),
        active: q.active,
    };
    let rows = state
        .db
        .run(move |conn| Ok(repo::list_after(conn, &filter, after)?))
        .await?;
    // The text filter runs here, before the page is cut, so the keyset stays exact.
    let text = q.q.as_deref().map(fold).filter(|t| !t.trim().is_empty());
    let rows: Vec<PartnerRow> = rows
        .into_iter()
        .filter(|r| {
            text.as_ref().is_none_or(|t| {
                fold(&r.name).contains(t.trim()) || fold(&r.description).contains(t.trim())
            })
        })
        .take(limit as usize + 1)
        .collect();
    Ok(web::Json(common::page(
        rows,
        limit,
        |r| (r.name.clone(), r.id.clone()),
        Partner::from,
    )))
}

#[utoipa::path(
    get, path = "/api/v1/partners/{id}", tag = "partners", operation_id = "get_partner",
    summary = "Get a partner organisation", description = "Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The partner", body = Partner, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/partners/{id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    let row = state.db.run(move |conn| Ok(repo::find(conn, &id)?)).await?;
    Ok(ok_with_etag(
        &Partner::from(row.clone()),
        &etag(row.updated_at),
    ))
}

#[utoipa::path(
    post, path = "/api/v1/partners", tag = "partners", operation_id = "create_partner",
    summary = "Add a partner organisation",
    description = "`parent_id` must name an existing partner. Roles: coordinator.",
    security(("bearer" = [])), request_body = NewPartner,
    responses(
        (status = 201, description = "Created", body = Partner, headers(("Location" = String, description = "The new partner"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    body: ApiJson<NewPartner>,
) -> ApiResult<HttpResponse> {
    let p = body.into_inner()?;
    let row = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            check_partner(conn, None, &p, &mut checks)?;
            checks.finish()?;
            let row = to_row(Uuid::now_v7().to_string(), &p, true, now());
            repo::insert(conn, &row)?;
            Ok(repo::find(conn, &row.id)?)
        })
        .await?;
    let tag = etag(row.updated_at);
    Ok(created(
        &Partner::from(row.clone()),
        format!("/api/v1/partners/{}", row.id),
        &tag,
    ))
}

#[utoipa::path(
    patch, path = "/api/v1/partners/{id}", tag = "partners", operation_id = "update_partner",
    summary = "Change a partner organisation",
    description = "Only the fields sent change; `\"parent_id\": null` removes the parent (a parent that would make a cycle is refused with 422); `active: false` deactivates the partner and takes its services off the social map. A `partner` account changes only the contact data (`website`, `phone`, `email`, `address`) of its own organisation (another: 404; other fields: 403). Roles: coordinator, partner.",
    security(("bearer" = [])), request_body = PartnerPatch,
    params(("id" = Uuid, Path, description = "Partner id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = Partner, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/partners/{id}")]
pub async fn update_partner(
    state: web::Data<AppState>,
    user: crate::auth::Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<PartnerPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let coordinator = crate::auth::policy::allows(user.role, Action::WriteSocialMap);
    if !coordinator {
        require(&user, Action::EditOwnPartnerContact)?;
        if user.own_partner() != Some(id.as_str()) {
            return Err(crate::error::ApiError::NotFound);
        }
    }
    let (b, if_match) = (body.into_inner()?, common::if_match(&req));
    if !coordinator {
        let only_contact = b.name.is_none()
            && b.parent_id.is_none()
            && b.kind.is_none()
            && b.description.is_none()
            && b.active.is_none();
        if !only_contact {
            return Err(crate::error::ApiError::Forbidden(
                Code::PartnerContactOnly.into(),
            ));
        }
    }
    let row = state
        .db
        .write(move |conn| {
            let current = repo::find(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag(current.updated_at))?;
            let c = Partner::from(current.clone());
            let p = NewPartner {
                name: b.name.unwrap_or(c.name),
                parent_id: b.parent_id.unwrap_or(c.parent_id),
                kind: b.kind.unwrap_or(c.kind),
                description: b.description.unwrap_or(c.description),
                website: b.website.unwrap_or(c.website),
                phone: b.phone.unwrap_or(c.phone),
                email: b.email.unwrap_or(c.email),
                address: b.address.unwrap_or(c.address),
            };
            let mut checks = Checks::default();
            check_partner(conn, Some(&id), &p, &mut checks)?;
            checks.finish()?;
            let row = to_row(
                id.clone(),
                &p,
                b.active.unwrap_or(current.active),
                current.created_at,
            );
            repo::update(conn, &row)?;
            Ok(repo::find(conn, &id)?)
        })
        .await?;
    Ok(ok_with_etag(
        &Partner::from(row.clone()),
        &etag(row.updated_at),
    ))
}

crate::api::common::delete_endpoint!(
    delete_partner,
    "/api/v1/partners/{id}",
    tag = "partners",
    op = "delete_partner",
    summary = "Delete a partner organisation",
    description = "Only a partner without services and without organisations under it; otherwise 409: deactivate it instead (`active: false`). Roles: coordinator.",
    id = "Partner id",
    conflict = "Services or child organisations still belong to the partner",
    removal = common::Removal {
        find: repo::find,
        version: |p| p.updated_at,
        in_use: |conn, id| {
            Ok(match repo::in_use(conn, id)? {
                (0, 0) => None,
                (0, _) => Some(Code::PartnerHasChildren),
                _ => Some(Code::PartnerHasServices),
            })
        },
        delete: repo::delete,
    }
);
