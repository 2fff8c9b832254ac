//! Networks: the schools and partners of one neighbourhood.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Page, check_if_match, created, decode_cursor, etag, ok_with_etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::AuthUser;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::auth::policy::{Action, require};
use crate::db::networks::{self as repo, NetworkRow};
use crate::db::{now, schema::networks};
use crate::domain::utc;
use crate::error::ApiResult;
use crate::i18n::Code;
use crate::state::AppState;

/// A network of schools and partner organisations in one neighbourhood.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-000000000001", "name": "Luchtbal", "city": "Antwerpen", "description": "", "active": true, "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z"}))]
pub struct Network {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
    pub city: String,
    pub description: String,
    /// An inactive network stays on old records but takes no new schools.
    pub active: bool,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

impl From<NetworkRow> for Network {
    fn from(r: NetworkRow) -> Self {
        Network {
            id: r.id,
            name: r.name,
            city: r.city,
            description: r.description,
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
pub struct NetworkQuery {
    /// Only active (true) or inactive (false) networks.
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
#[schema(example = json!({"name": "Hoboken", "city": "Antwerpen", "description": "Scholen en partners in Hoboken"}))]
pub struct NewNetwork {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    pub city: String,
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub description: String,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Scholen en partners in Hoboken", "active": false}))]
pub struct NetworkPatch {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub city: Option<String>,
    #[validate(length(max = 2000))]
    pub description: Option<String>,
    pub active: Option<bool>,
}

#[utoipa::path(
    get, path = "/api/v1/networks", tag = "networks", operation_id = "list_networks",
    summary = "List networks",
    description = "Networks sorted by name. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(NetworkQuery),
    responses((status = 200, description = "A page of networks", body = Page<Network>))
)]
#[get("/api/v1/networks")]
pub async fn list_networks(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<NetworkQuery>,
) -> ApiResult<web::Json<Page<Network>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(String, String)>(q.cursor.as_deref())?;
    let rows = state
        .db
        .run(move |conn| Ok(repo::list(conn, q.active, after, limit)?))
        .await?;
    Ok(web::Json(common::page(
        rows,
        limit,
        |r| (r.name.clone(), r.id.clone()),
        Network::from,
    )))
}

#[utoipa::path(
    get, path = "/api/v1/networks/{id}", tag = "networks", operation_id = "get_network",
    summary = "Get a network", description = "Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Network id")),
    responses(
        (status = 200, description = "The network", body = Network, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/networks/{id}")]
pub async fn get_network(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    let row = state.db.run(move |conn| Ok(repo::find(conn, &id)?)).await?;
    Ok(ok_with_etag(
        &Network::from(row.clone()),
        &etag(row.updated_at),
    ))
}

#[utoipa::path(
    post, path = "/api/v1/networks", tag = "networks", operation_id = "create_network",
    summary = "Create a network", description = "Roles: coordinator.",
    security(("bearer" = [])), request_body = NewNetwork,
    responses(
        (status = 201, description = "Created", body = Network, headers(("Location" = String, description = "The new network"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "A network with this name exists", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/networks")]
pub async fn create_network(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    body: ApiJson<NewNetwork>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner()?;
    let row = state
        .db
        .write(move |conn| {
            let id = Uuid::now_v7().to_string();
            let at = now();
            diesel::insert_into(networks::table)
                .values((
                    networks::id.eq(&id),
                    networks::name.eq(b.name.trim()),
                    networks::city.eq(b.city.trim()),
                    networks::description.eq(&b.description),
                    networks::active.eq(true),
                    networks::created_at.eq(at),
                    networks::updated_at.eq(at),
                ))
                .execute(conn)?;
            Ok(repo::find(conn, &id)?)
        })
        .await?;
    let tag = etag(row.updated_at);
    Ok(created(
        &Network::from(row.clone()),
        format!("/api/v1/networks/{}", row.id),
        &tag,
    ))
}

#[utoipa::path(
    patch, path = "/api/v1/networks/{id}", tag = "networks", operation_id = "update_network",
    summary = "Change a network", description = "Only the fields sent change; `active: false` deactivates it. Roles: coordinator.",
    security(("bearer" = [])), request_body = NetworkPatch,
    params(("id" = Uuid, Path, description = "Network id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = Network, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "A network with this name exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/networks/{id}")]
pub async fn update_network(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<NetworkPatch>,
) -> ApiResult<HttpResponse> {
    let (id, b, if_match) = (id.to_string(), body.into_inner()?, common::if_match(&req));
    let row = state
        .db
        .write(move |conn| {
            let current = repo::find(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag(current.updated_at))?;
            diesel::update(networks::table.find(&id))
                .set((
                    networks::name.eq(b.name.as_deref().map(str::trim).unwrap_or(&current.name)),
                    networks::city.eq(b.city.as_deref().map(str::trim).unwrap_or(&current.city)),
                    networks::description
                        .eq(b.description.as_deref().unwrap_or(&current.description)),
                    networks::active.eq(b.active.unwrap_or(current.active)),
                    networks::updated_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(repo::find(conn, &id)?)
        })
        .await?;
    Ok(ok_with_etag(
        &Network::from(row.clone()),
        &etag(row.updated_at),
    ))
}

crate::api::common::delete_endpoint!(
    delete_network,
    "/api/v1/networks/{id}",
    tag = "networks",
    op = "delete_network",
    summary = "Delete a network",
    description = "Only a network nothing refers to; otherwise 409: deactivate it instead. Roles: coordinator.",
    id = "Network id",
    conflict = "Schools or services still belong to the network",
    removal = common::Removal {
        find: repo::find,
        version: |n| n.updated_at,
        in_use: |conn, id| { Ok(repo::in_use(conn, id)?.then_some(Code::NetworkInUse)) },
        delete: repo::delete,
    }
);
