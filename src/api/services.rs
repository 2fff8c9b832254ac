//! Services of partner organisations, and the social-map query over them: which active service
//! helps with this theme in this neighbourhood.

use kinderen_eerst_macros::document_limits;
use std::cmp::{Ordering, Reverse};

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{
    self, Checks, Page, check_if_match, created, decode_cursor, encode_cursor, etag, fold,
    ok_with_etag,
};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::AuthUser;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::auth::policy::{Action, require};
use crate::db::services::{self as repo, ContactRow, ServiceFilter, ServiceRow, ServiceView};
use crate::db::{DbConn, networks, now, optional, partners, themes};
use crate::domain::social_map::PartnerKind;
use crate::domain::utc;
use crate::error::ApiResult;
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::contact::{check_email, check_web_url};
use crate::usecases::search::{relevance, words};

/// The organisation offering a service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServicePartner {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
    pub kind: PartnerKind,
}

/// A theme a service helps with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceTheme {
    #[schema(example = "language")]
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
    /// False for a retired theme the service still carries.
    pub active: bool,
}

/// A network a service serves.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceNetwork {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

/// A contact person of a service; the list keeps the order it was written in.
#[document_limits]
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPerson {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Their role, e.g. "gezinscoach", "maatschappelijk werker".
    #[serde(default)]
    #[validate(length(max = 200))]
    pub function: String,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub phone: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::common::email_or_empty)]
    #[validate(length(max = 254))]
    pub email: String,
}

/// A service on the social map.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-0000-7000-8000-000000000020",
    "partner": {"id": "0193a1b2-0000-7000-8000-000000000010", "name": "Gezinscoaches 03", "kind": "caw"},
    "name": "Gezinscoaching", "description": "Intensieve begeleiding van gezinnen aan huis.",
    "email": "gezinscoaching@caw.example", "url": "https://www.caw.be/gezinscoaching",
    "eligibility": "Gezinnen met kinderen in Antwerpen",
    "themes": [{"code": "parenting", "label_nl": "Opvoeding", "label_en": "Parenting", "active": true}],
    "networks": [{"id": "0193a1b2-0000-7000-8000-000000000001", "name": "Luchtbal"}],
    "contacts": [{"name": "Els Peeters", "function": "gezinscoach", "phone": "03 000 00 01", "email": "els@caw.example"}],
    "active": true, "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z"
}))]
pub struct Service {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub partner: ServicePartner,
    pub name: String,
    pub description: String,
    #[schema(schema_with = crate::api::common::email_or_empty)]
    pub email: String,
    #[schema(schema_with = crate::api::common::web_url_or_empty)]
    pub url: String,
    /// Who may use the service (a free note).
    pub eligibility: String,
    /// Sorted by code.
    pub themes: Vec<ServiceTheme>,
    /// Sorted by name.
    pub networks: Vec<ServiceNetwork>,
    pub contacts: Vec<ContactPerson>,
    /// An inactive service (or one of an inactive partner) is off the social map.
    pub active: bool,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

impl From<ServiceView> for Service {
    fn from(v: ServiceView) -> Self {
        let s = v.service;
        Service {
            id: s.id,
            partner: ServicePartner {
                id: v.partner.id,
                name: v.partner.name,
                kind: PartnerKind::parse(&v.partner.kind),
            },
            name: s.name,
            description: s.description,
            email: s.email,
            url: s.url,
            eligibility: s.eligibility,
            themes: v
                .themes
                .into_iter()
                .map(|t| ServiceTheme {
                    code: t.code,
                    label_nl: t.label_nl,
                    label_en: t.label_en,
                    active: t.active,
                })
                .collect(),
            networks: v
                .networks
                .into_iter()
                .map(|n| ServiceNetwork {
                    id: n.id,
                    name: n.name,
                })
                .collect(),
            contacts: v
                .contacts
                .into_iter()
                .map(|c| ContactPerson {
                    name: c.name,
                    function: c.function,
                    phone: c.phone,
                    email: c.email,
                })
                .collect(),
            active: s.active,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
        }
    }
}

/// A new service. `themes`, `networks` and `contacts` are stored as sent.
#[document_limits]
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "partner_id": "0193a1b2-0000-7000-8000-000000000010", "name": "Gezinscoaching",
    "description": "Intensieve begeleiding van gezinnen aan huis.",
    "email": "gezinscoaching@caw.example", "url": "https://www.caw.be/gezinscoaching",
    "eligibility": "Gezinnen met kinderen in Antwerpen",
    "themes": ["parenting", "neglect"], "networks": ["0193a1b2-0000-7000-8000-000000000001"],
    "contacts": [{"name": "Els Peeters", "function": "gezinscoach", "phone": "03 000 00 01", "email": "els@caw.example"}]
}))]
pub struct NewService {
    #[schema(format = Uuid)]
    pub partner_id: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[serde(default)]
    #[validate(length(max = 4000))]
    pub description: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::common::email_or_empty)]
    #[validate(length(max = 254))]
    pub email: String,
    /// An http(s) URL, or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::common::web_url_or_empty)]
    #[validate(length(max = 500))]
    pub url: String,
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub eligibility: String,
    /// Codes of active themes.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub themes: Vec<String>,
    /// Ids of active networks.
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(value_type = Vec<String>)]
    pub networks: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    pub contacts: Vec<ContactPerson>,
}

/// Changes to a service; only the fields sent change, and a list sent replaces the whole list.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"themes": ["parenting"], "active": false}))]
pub struct ServicePatch {
    #[schema(format = Uuid)]
    pub partner_id: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[validate(length(max = 4000))]
    pub description: Option<String>,
    #[schema(schema_with = crate::api::common::email_or_empty_patch)]
    #[validate(length(max = 254))]
    pub email: Option<String>,
    #[schema(schema_with = crate::api::common::web_url_or_empty_patch)]
    #[validate(length(max = 500))]
    pub url: Option<String>,
    #[validate(length(max = 2000))]
    pub eligibility: Option<String>,
    #[validate(length(max = 20))]
    pub themes: Option<Vec<String>>,
    #[validate(length(max = 100))]
    pub networks: Option<Vec<String>>,
    #[validate(length(max = 20), nested)]
    pub contacts: Option<Vec<ContactPerson>>,
    /// `false` takes the service off the social map; it stays on old records.
    pub active: Option<bool>,
}

/// The checks every service write passes. `current` is the service being changed, whose retired
/// themes and inactive networks may stay.
pub(crate) fn check_service(
    conn: &mut DbConn,
    s: &NewService,
    current: Option<&ServiceView>,
    checks: &mut Checks,
) -> ApiResult<()> {
    checks.check(!s.name.trim().is_empty(), "name", Code::Blank);
    check_email(checks, "email", &s.email);
    check_web_url(checks, "url", &s.url);
    if Uuid::parse_str(&s.partner_id).is_err() {
        checks.add("partner_id", Code::InvalidUuid);
    } else if optional(partners::find(conn, &s.partner_id))?.is_none() {
        checks.add("partner_id", Code::NoSuchPartner);
    }
    let had_themes: Vec<String> = current
        .map(|c| c.themes.iter().map(|t| t.code.clone()).collect())
        .unwrap_or_default();
    crate::usecases::themes::check_refs(conn, "themes", &s.themes, &had_themes, checks)?;
    for (i, id) in s.networks.iter().enumerate() {
        let path = format!("networks[{i}]");
        let had = current.is_some_and(|c| c.networks.iter().any(|n| &n.id == id));
        match optional(networks::find(conn, id))? {
            None => checks.add(&path, Code::NoSuchNetwork),
            Some(n) if !n.active && !had => checks.add(&path, Code::NetworkInactive),
            Some(_) => {}
        }
        if s.networks[..i].contains(id) {
            checks.add(&path, Code::ListedTwice);
        }
    }
    for (i, c) in s.contacts.iter().enumerate() {
        checks.check(
            !c.name.trim().is_empty(),
            &format!("contacts[{i}].name"),
            Code::Blank,
        );
        check_email(checks, &format!("contacts[{i}].email"), &c.email);
    }
    Ok(())
}

/// Stores a checked service and its lists (inside the caller's write transaction).
pub(crate) fn store(
    conn: &mut DbConn,
    id: &str,
    s: &NewService,
    active: bool,
    created_at: Option<chrono::NaiveDateTime>,
) -> ApiResult<()> {
    let at = now();
    let row = ServiceRow {
        id: id.to_string(),
        partner_id: s.partner_id.clone(),
        name: s.name.trim().to_string(),
        description: s.description.clone(),
        eligibility: s.eligibility.clone(),
        email: s.email.trim().to_lowercase(),
        url: s.url.trim().to_string(),
        active,
        created_at: created_at.unwrap_or(at),
        updated_at: at,
    };
    match created_at {
        None => repo::insert(conn, &row)?,
        Some(_) => repo::update(conn, &row)?,
    }
    repo::replace_themes(conn, id, &s.themes)?;
    repo::replace_networks(conn, id, &s.networks)?;
    let contacts: Vec<ContactRow> = s
        .contacts
        .iter()
        .enumerate()
        .map(|(i, c)| ContactRow {
            id: Uuid::now_v7().to_string(),
            service_id: id.to_string(),
            position: i as i32,
            name: c.name.trim().to_string(),
            function: c.function.trim().to_string(),
            phone: c.phone.trim().to_string(),
            email: c.email.trim().to_lowercase(),
        })
        .collect();
    repo::replace_contacts(conn, id, &contacts)?;
    Ok(())
}

// ---- the social-map query ----

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ServiceQuery {
    /// Only services for this theme (code).
    #[validate(length(max = 50))]
    pub theme: Option<String>,
    /// Only services serving this network.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// Only services of this partner.
    #[param(format = Uuid)]
    pub partner: Option<Uuid>,
    /// Words to find in the service's name, its partner's name or its description; case and
    /// accents are ignored, every word must match somewhere.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// true (default): services that are active and whose partner is active; false: the others.
    pub active: Option<bool>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The order of the social map: relevance (high first), then name (ignoring case and accents),
/// then id, so that every position is unique and a cursor can name it.
fn sort_key(relevance: u32, name: &str, id: &str) -> (Reverse<u32>, String, String, String) {
    (
        Reverse(relevance),
        fold(name),
        name.to_string(),
        id.to_string(),
    )
}

#[utoipa::path(
    get, path = "/api/v1/services", tag = "services", operation_id = "list_services",
    summary = "Search the social map",
    description = "The social map: services for a `theme` in a `network`, optionally of one `partner`, found by text `q`.\n\n\
By default only active services of active partners are listed (`active=false` lists the others).\n\n\
**Order**: by relevance, then by name (ignoring case and accents), then id. Without `q` every service has relevance 0, so the list is by name. \
With `q`, the text is folded (lower case, accents removed) and split into words; every word must occur in the service's name, its partner's name or its description. \
Each word scores 3 when it occurs in the service name, else 2 in the partner name, else 1 in the description; a service's relevance is the sum.\n\n\
**Pages**: the directory holds a few hundred services, so the filtered list is ranked in memory; the cursor is still a keyset (relevance, name, id of the last item), \
so a page never repeats or skips a service that stays in the result between calls.\n\n\
Each item carries its partner (id, name, kind), themes (code and labels), networks (id and name) and contact persons. \
An unknown `theme`, `network` or `partner` is 422 naming the parameter. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(ServiceQuery),
    responses((status = 200, description = "A page of services, most relevant first", body = Page<Service>))
)]
#[get("/api/v1/services")]
pub async fn list_services(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<ServiceQuery>,
) -> ApiResult<web::Json<Page<Service>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(u32, String, String)>(q.cursor.as_deref())?
        .map(|(rel, name, id)| sort_key(rel, &name, &id));
    let words = words(q.q.as_deref());
    let filter = ServiceFilter {
        theme: q.theme.clone(),
        network_id: q.network.map(|n| n.to_string()),
        partner_id: q.partner.map(|p| p.to_string()),
        active: Some(q.active.unwrap_or(true)),
    };
    let views = state
        .db
        .run(move |conn| {
            let mut checks = Checks::default();
            if let Some(t) = &filter.theme
                && optional(themes::find(conn, t))?.is_none()
            {
                checks.add("theme", Code::NoSuchTheme);
            }
            if let Some(n) = &filter.network_id
                && optional(networks::find(conn, n))?.is_none()
            {
                checks.add("network", Code::NoSuchNetwork);
            }
            if let Some(p) = &filter.partner_id
                && optional(partners::find(conn, p))?.is_none()
            {
                checks.add("partner", Code::NoSuchPartner);
            }
            checks.finish()?;
            let mut ranked: Vec<_> = repo::candidates(conn, &filter)?
                .into_iter()
                .filter_map(|(s, p)| {
                    let rel = relevance(&words, &s.name, &p.name, &s.description)?;
                    let key = sort_key(rel, &s.name, &s.id);
                    Some((key, rel, (s, p)))
                })
                .filter(|(key, _, _)| {
                    after
                        .as_ref()
                        .is_none_or(|a| key.cmp(a) == Ordering::Greater)
                })
                .collect();
            ranked.sort_by(|a, b| a.0.cmp(&b.0));
            ranked.truncate(limit as usize + 1);
            let rels: Vec<u32> = ranked.iter().map(|r| r.1).collect();
            let rows = ranked.into_iter().map(|r| r.2).collect();
            Ok((repo::views(conn, rows)?, rels))
        })
        .await?;
    let (mut views, rels) = views;
    let more = views.len() as i64 > limit;
    views.truncate(limit as usize);
    let next_cursor = if more {
        views.last().map(|v| {
            let rel = rels[views.len() - 1];
            encode_cursor(&(rel, v.service.name.clone(), v.service.id.clone()))
        })
    } else {
        None
    };
    Ok(web::Json(Page {
        items: views.into_iter().map(Service::from).collect(),
        next_cursor,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/services/{id}", tag = "services", operation_id = "get_service",
    summary = "Get a service", description = "Any service, active or not. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service", body = Service, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/services/{id}")]
pub async fn get_service(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    let v = state.db.run(move |conn| Ok(repo::view(conn, &id)?)).await?;
    let tag = etag(v.service.updated_at);
    Ok(ok_with_etag(&Service::from(v), &tag))
}

#[utoipa::path(
    post, path = "/api/v1/services", tag = "services", operation_id = "create_service",
    summary = "Add a service",
    description = "A service of an existing partner (`partner_id`). `themes` are codes of active themes, `networks` ids of active networks; \
an unknown or retired one is 422 naming it (`themes[1]`, `networks[0]`). `contacts` keep their order. Roles: coordinator.",
    security(("bearer" = [])), request_body = NewService,
    responses(
        (status = 201, description = "Created", body = Service, headers(("Location" = String, description = "The new service"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/services")]
pub async fn create_service(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    body: ApiJson<NewService>,
) -> ApiResult<HttpResponse> {
    let s = body.into_inner()?;
    let v = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            check_service(conn, &s, None, &mut checks)?;
            checks.finish()?;
            let id = Uuid::now_v7().to_string();
            store(conn, &id, &s, true, None)?;
            Ok(repo::view(conn, &id)?)
        })
        .await?;
    let tag = etag(v.service.updated_at);
    let location = format!("/api/v1/services/{}", v.service.id);
    Ok(created(&Service::from(v), location, &tag))
}

#[utoipa::path(
    patch, path = "/api/v1/services/{id}", tag = "services", operation_id = "update_service",
    summary = "Change a service",
    description = "Only the fields sent change; a list sent (`themes`, `networks`, `contacts`) replaces the whole list, in the same transaction. \
Retired themes and inactive networks the service already has may stay; adding them is 422. `active: false` takes it off the social map. Roles: coordinator.",
    security(("bearer" = [])), request_body = ServicePatch,
    params(("id" = Uuid, Path, description = "Service id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = Service, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/services/{id}")]
pub async fn update_service(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<ServicePatch>,
) -> ApiResult<HttpResponse> {
    let (id, b, if_match) = (id.to_string(), body.into_inner()?, common::if_match(&req));
    let v = state
        .db
        .write(move |conn| {
            let current = repo::view(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag(current.service.updated_at))?;
            let c = Service::from(current.clone());
            let s = NewService {
                partner_id: b.partner_id.unwrap_or(c.partner.id),
                name: b.name.unwrap_or(c.name),
                description: b.description.unwrap_or(c.description),
                email: b.email.unwrap_or(c.email),
                url: b.url.unwrap_or(c.url),
                eligibility: b.eligibility.unwrap_or(c.eligibility),
                themes: b
                    .themes
                    .unwrap_or_else(|| c.themes.into_iter().map(|t| t.code).collect()),
                networks: b
                    .networks
                    .unwrap_or_else(|| c.networks.into_iter().map(|n| n.id).collect()),
                contacts: b.contacts.unwrap_or(c.contacts),
            };
            let mut checks = Checks::default();
            check_service(conn, &s, Some(&current), &mut checks)?;
            checks.finish()?;
            store(
                conn,
                &id,
                &s,
                b.active.unwrap_or(current.service.active),
                Some(current.service.created_at),
            )?;
            Ok(repo::view(conn, &id)?)
        })
        .await?;
    let tag = etag(v.service.updated_at);
    Ok(ok_with_etag(&Service::from(v), &tag))
}

crate::api::common::delete_endpoint!(
    delete_service,
    "/api/v1/services/{id}",
    tag = "services",
    op = "delete_service",
    summary = "Delete a service",
    description = "Removes the service with its themes, networks and contact persons. A service that referrals name stays (409): deactivate it instead (`active: false`), which also keeps it on record. Roles: coordinator.",
    id = "Service id",
    conflict = "Referrals name the service",
    removal = common::Removal {
        find: repo::find,
        version: |s| s.updated_at,
        // Referrals keep a service by its id; the database refuses (409) while they do.
        in_use: |_, _| Ok(None),
        delete: repo::delete,
    }
);
