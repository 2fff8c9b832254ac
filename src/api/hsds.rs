//! A read-only Open Referral HSDS 3.0 view of the social map, so tools built for Open Referral
//! can read it: partners are HSDS organizations, services are services, themes are taxonomy
//! terms (attributes), networks are service areas, a partner's address is a location.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::fold;
use crate::api::extract::ApiQuery;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, require};
use crate::db::partners::PartnerRow;
use crate::db::services::{self as services_repo, ServiceFilter, ServiceView};
use crate::db::{DbConn, partners as partners_repo};
use crate::domain::social_map::PartnerKind;
use crate::domain::utc;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::usecases::search::{relevance, words};

/// The taxonomy our themes belong to, and the one of partner kinds.
const THEMES_TAXONOMY: &str = "kinderen-eerst-themes";
const KINDS_TAXONOMY: &str = "kinderen-eerst-partner-kinds";

/// HSDS wants a UUID on every record, also on those we keep as plain columns (a partner's phone,
/// its address) or as links (a service's theme). Those get a UUID derived from what they stand
/// for, so it is the same on every request: two FNV-1a hashes, marked as a version 8 UUID.
pub fn derived_id(parts: &[&str]) -> String {
    let key = parts.join("\u{1f}");
    let fnv = |offset: u64| {
        key.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&fnv(0xcbf2_9ce4_8422_2325).to_be_bytes());
    bytes[8..].copy_from_slice(&fnv(0x6c62_272e_07bb_0142).to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes).to_string()
}

/// The Belgian province of a postal code, for HSDS's required `state_province`.
fn province(postal_code: &str) -> Option<&'static str> {
    let n: u32 = postal_code.trim().parse().ok()?;
    Some(match n {
        1000..=1299 => "Brussels Hoofdstedelijk Gewest",
        1300..=1499 => "Waals-Brabant",
        1500..=1999 | 3000..=3499 => "Vlaams-Brabant",
        2000..=2999 => "Antwerpen",
        3500..=3999 => "Limburg",
        4000..=4999 => "Luik",
        5000..=5999 => "Namen",
        6000..=6599 | 7000..=7999 => "Henegouwen",
        6600..=6999 => "Luxemburg",
        8000..=8999 => "West-Vlaanderen",
        9000..=9999 => "Oost-Vlaanderen",
        _ => return None,
    })
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// HSDS's page envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsPage<T: ToSchema> {
    /// All matching items, on every page.
    pub total_items: i64,
    pub total_pages: i64,
    /// 1-based.
    pub page_number: i64,
    /// Items on this page.
    pub size: i64,
    pub first_page: bool,
    pub last_page: bool,
    /// True when this page has no items.
    pub empty: bool,
    pub contents: Vec<T>,
}

/// The envelope of one page, given the number of all matching items.
fn envelope<T: ToSchema>(total: usize, page: i64, per_page: i64, contents: Vec<T>) -> HsdsPage<T> {
    let total_items = total as i64;
    let total_pages = (total_items + per_page - 1) / per_page;
    HsdsPage {
        total_items,
        total_pages,
        page_number: page,
        size: contents.len() as i64,
        first_page: page == 1,
        last_page: page >= total_pages,
        empty: contents.is_empty(),
        contents,
    }
}

/// The items of page `page` (1-based).
fn slice<R>(all: Vec<R>, page: i64, per_page: i64) -> Vec<R> {
    all.into_iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .collect()
}

/// HSDS phone.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsPhone {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub contact_id: Option<String>,
    pub number: String,
}

/// HSDS contact: a contact person of a service.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsContact {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub service_id: String,
    pub name: String,
    /// The contact's function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Email)]
    pub email: Option<String>,
    pub phones: Vec<HsdsPhone>,
}

/// HSDS taxonomy term: one of our themes (or partner kinds).
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsTaxonomyTerm {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// Our stable code (`language`, `caw`, ...).
    pub code: String,
    /// The English label.
    pub name: String,
    /// The Dutch label.
    pub description: String,
    pub taxonomy: String,
    #[schema(format = Uuid)]
    pub taxonomy_id: String,
    /// The language of `name`.
    pub language: String,
}

/// HSDS attribute: links a taxonomy term to a service or organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsAttribute {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub link_id: String,
    /// `service` or `organization`.
    pub link_entity: String,
    #[schema(format = Uuid)]
    pub taxonomy_term_id: String,
    /// For themes: `active` or `retired`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub taxonomy_term: HsdsTaxonomyTerm,
}

/// HSDS service area: a network the service serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsServiceArea {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub service_id: String,
    /// The network's name.
    pub name: String,
    /// The network in this API.
    pub uri: String,
}

/// HSDS address.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsAddress {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub location_id: String,
    pub address_1: String,
    pub city: String,
    /// The Belgian province, from the postal code.
    pub state_province: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub address_type: String,
}

/// HSDS location: a partner's address.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsLocation {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// Always `physical`.
    pub location_type: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub name: String,
    pub addresses: Vec<HsdsAddress>,
}

/// HSDS organization: a partner. In lists only the one-to-one fields are given.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsOrganization {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Email)]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub parent_organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<HsdsPhone>>,
    /// The address, when street, postal code and city are all known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<HsdsLocation>>,
    /// The partner's kind, as a term of the `kinderen-eerst-partner-kinds` taxonomy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<HsdsAttribute>>,
    /// The partner's services (one-to-one fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub services: Option<Vec<HsdsService>>,
}

/// HSDS service. In lists only the one-to-one fields are given, unless `full=true`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsService {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Email)]
    pub email: Option<String>,
    /// `active`, or `inactive` when the service or its partner is deactivated.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility_description: Option<String>,
    pub last_modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Box<HsdsOrganization>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<HsdsContact>>,
    /// The themes, as terms of the `kinderen-eerst-themes` taxonomy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<HsdsAttribute>>,
    /// The networks served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_areas: Option<Vec<HsdsServiceArea>>,
}

fn term(taxonomy: &str, code: &str, name: &str, description: &str) -> HsdsTaxonomyTerm {
    HsdsTaxonomyTerm {
        id: derived_id(&["taxonomy_term", taxonomy, code]),
        code: code.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        taxonomy: taxonomy.to_string(),
        taxonomy_id: derived_id(&["taxonomy", taxonomy]),
        language: "en".into(),
    }
}

fn organization(p: &PartnerRow, full: bool) -> HsdsOrganization {
    let mut o = HsdsOrganization {
        id: p.id.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        email: non_empty(&p.email),
        website: non_empty(&p.website),
        parent_organization_id: p.parent_id.clone(),
        phones: None,
        locations: None,
        attributes: None,
        services: None,
    };
    if !full {
        return o;
    }
    o.phones = Some(
        non_empty(&p.phone)
            .map(|number| HsdsPhone {
                id: derived_id(&["organization_phone", &p.id]),
                organization_id: Some(p.id.clone()),
                contact_id: None,
                number,
            })
            .into_iter()
            .collect(),
    );
    let location_id = derived_id(&["organization_location", &p.id]);
    let address = match (
        non_empty(&p.street),
        non_empty(&p.postal_code),
        non_empty(&p.city),
    ) {
        (Some(street), Some(postal_code), Some(city)) => Some(HsdsAddress {
            id: derived_id(&["organization_address", &p.id]),
            location_id: location_id.clone(),
            address_1: street,
            state_province: province(&postal_code).unwrap_or("").to_string(),
            city,
            postal_code,
            country: "BE".into(),
            address_type: "physical".into(),
        }),
        _ => None,
    };
    o.locations = Some(
        address
            .map(|a| HsdsLocation {
                id: location_id,
                location_type: "physical".into(),
                organization_id: p.id.clone(),
                name: p.name.clone(),
                addresses: vec![a],
            })
            .into_iter()
            .collect(),
    );
    let kind = PartnerKind::parse(&p.kind).as_str();
    o.attributes = Some(vec![HsdsAttribute {
        id: derived_id(&["organization_kind", &p.id]),
        link_id: p.id.clone(),
        link_entity: "organization".into(),
        taxonomy_term_id: derived_id(&["taxonomy_term", KINDS_TAXONOMY, kind]),
        value: None,
        taxonomy_term: term(KINDS_TAXONOMY, kind, kind, kind),
    }]);
    o
}

fn service(v: ServiceView, full: bool) -> HsdsService {
    let s = &v.service;
    let mut out = HsdsService {
        id: s.id.clone(),
        organization_id: s.partner_id.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        url: non_empty(&s.url),
        email: non_empty(&s.email),
        status: if s.active && v.partner.active {
            "active".into()
        } else {
            "inactive".into()
        },
        eligibility_description: non_empty(&s.eligibility),
        last_modified: utc(s.updated_at),
        organization: None,
        contacts: None,
        attributes: None,
        service_areas: None,
    };
    if !full {
        return out;
    }
    out.organization = Some(Box::new(organization(&v.partner, true)));
    out.contacts = Some(
        v.contacts
            .iter()
            .map(|c| HsdsContact {
                id: c.id.clone(),
                service_id: s.id.clone(),
                name: c.name.clone(),
                title: non_empty(&c.function),
                email: non_empty(&c.email),
                phones: non_empty(&c.phone)
                    .map(|number| HsdsPhone {
                        id: derived_id(&["contact_phone", &c.id]),
                        organization_id: None,
                        contact_id: Some(c.id.clone()),
                        number,
                    })
                    .into_iter()
                    .collect(),
            })
            .collect(),
    );
    out.attributes = Some(
        v.themes
            .iter()
            .map(|t| HsdsAttribute {
                id: derived_id(&["service_theme", &s.id, &t.code]),
                link_id: s.id.clone(),
                link_entity: "service".into(),
                taxonomy_term_id: derived_id(&["taxonomy_term", THEMES_TAXONOMY, &t.code]),
                value: Some(if t.active { "active" } else { "retired" }.into()),
                taxonomy_term: term(THEMES_TAXONOMY, &t.code, &t.label_en, &t.label_nl),
            })
            .collect(),
    );
    out.service_areas = Some(
        v.networks
            .iter()
            .map(|n| HsdsServiceArea {
                id: derived_id(&["service_area", &s.id, &n.id]),
                service_id: s.id.clone(),
                name: n.name.clone(),
                uri: format!("/api/v1/networks/{}", n.id),
            })
            .collect(),
    );
    out
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HsdsServiceQuery {
    /// Words in the name, the organization's name or the description (case and accents ignored).
    #[validate(length(max = 100))]
    pub search: Option<String>,
    /// Only services of this organization.
    #[param(format = Uuid)]
    pub organization_id: Option<Uuid>,
    /// 1-based page number (default 1).
    #[validate(range(min = 1, max = 100000))]
    pub page: Option<i64>,
    /// Items per page (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub per_page: Option<i64>,
    /// true: fully nested services, as `/hsds/services/{id}` gives them.
    pub full: Option<bool>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HsdsOrganizationQuery {
    /// Words in the name or description (case and accents ignored).
    #[validate(length(max = 100))]
    pub search: Option<String>,
    /// 1-based page number (default 1).
    #[validate(range(min = 1, max = 100000))]
    pub page: Option<i64>,
    /// Items per page (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub per_page: Option<i64>,
    /// true: fully nested organizations, as `/hsds/organizations/{id}` gives them.
    pub full: Option<bool>,
}

/// Every service, sorted by name, with its partner; those matching `search`.
fn all_services(
    conn: &mut DbConn,
    search: Option<&str>,
    organization_id: Option<String>,
) -> ApiResult<Vec<(crate::db::services::ServiceRow, PartnerRow)>> {
    let filter = ServiceFilter {
        partner_id: organization_id,
        ..Default::default()
    };
    let words = words(search);
    let mut rows: Vec<_> = services_repo::candidates(conn, &filter)?
        .into_iter()
        .filter(|(s, p)| relevance(&words, &s.name, &p.name, &s.description).is_some())
        .collect();
    rows.sort_by_cached_key(|(s, _)| (fold(&s.name), s.name.clone(), s.id.clone()));
    Ok(rows)
}

#[utoipa::path(
    get, path = "/api/v1/hsds/services", tag = "hsds", operation_id = "list_hsds_services",
    summary = "Services, as Open Referral HSDS 3.0",
    description = "All services (active and inactive, see `status`) in HSDS 3.0's `Page` envelope, sorted by name, one-to-one fields only unless `full=true`. \
Pages are numbered (`page`, `per_page`) as HSDS's API does. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(HsdsServiceQuery),
    responses((status = 200, description = "A page of HSDS services", body = HsdsPage<HsdsService>))
)]
#[get("/api/v1/hsds/services")]
pub async fn list_hsds_services(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<HsdsServiceQuery>,
) -> ApiResult<web::Json<HsdsPage<HsdsService>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let (page, per_page, full) = (
        q.page.unwrap_or(1),
        q.per_page.unwrap_or(50),
        q.full.unwrap_or(false),
    );
    let (total, views) = state
        .db
        .run(move |conn| {
            let rows = all_services(
                conn,
                q.search.as_deref(),
                q.organization_id.map(|o| o.to_string()),
            )?;
            let total = rows.len();
            // The lists are loaded for the requested page only.
            Ok((
                total,
                services_repo::views(conn, slice(rows, page, per_page))?,
            ))
        })
        .await?;
    let contents = views.into_iter().map(|v| service(v, full)).collect();
    Ok(web::Json(envelope(total, page, per_page, contents)))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/services/{id}", tag = "hsds", operation_id = "get_hsds_service",
    summary = "A service, fully nested, as Open Referral HSDS 3.0",
    description = "The service with its organization (and its location), contacts (with phones), themes as attributes of the `kinderen-eerst-themes` taxonomy \
(term `name` English, `description` Dutch) and networks as service areas. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "The HSDS service", body = HsdsService),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/hsds/services/{id}")]
pub async fn get_hsds_service(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<HsdsService>> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    let v = state
        .db
        .run(move |conn| Ok(services_repo::view(conn, &id)?))
        .await?;
    Ok(web::Json(service(v, true)))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/organizations", tag = "hsds", operation_id = "list_hsds_organizations",
    summary = "Partner organisations, as Open Referral HSDS 3.0",
    description = "All partners in HSDS 3.0's `Page` envelope, sorted by name, one-to-one fields only unless `full=true`. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(HsdsOrganizationQuery),
    responses((status = 200, description = "A page of HSDS organizations", body = HsdsPage<HsdsOrganization>))
)]
#[get("/api/v1/hsds/organizations")]
pub async fn list_hsds_organizations(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<HsdsOrganizationQuery>,
) -> ApiResult<web::Json<HsdsPage<HsdsOrganization>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let (page, per_page, full) = (
        q.page.unwrap_or(1),
        q.per_page.unwrap_or(50),
        q.full.unwrap_or(false),
    );
    let rows = state.db.run(|conn| Ok(partners_repo::all(conn)?)).await?;
    let words = words(q.search.as_deref());
    let mut rows: Vec<PartnerRow> = rows
        .into_iter()
        .filter(|p| {
            let (n, d) = (fold(&p.name), fold(&p.description));
            words
                .iter()
                .all(|w| n.contains(w.as_str()) || d.contains(w.as_str()))
        })
        .collect();
    rows.sort_by_cached_key(|p| (fold(&p.name), p.name.clone(), p.id.clone()));
    let total = rows.len();
    let contents = slice(rows, page, per_page)
        .iter()
        .map(|p| organization(p, full))
        .collect();
    Ok(web::Json(envelope(total, page, per_page, contents)))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/organizations/{id}", tag = "hsds", operation_id = "get_hsds_organization",
    summary = "A partner organisation as a nested HSDS 3.0 organization",
    description = "The organization with its phone, location (address), kind (as an attribute of the `kinderen-eerst-partner-kinds` taxonomy) \
and its services (one-to-one fields). Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The HSDS organization", body = HsdsOrganization),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/hsds/organizations/{id}")]
pub async fn get_hsds_organization(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<HsdsOrganization>> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    let (partner, services) = state
        .db
        .run(move |conn| {
            let partner = partners_repo::find(conn, &id)?;
            let services = all_services(conn, None, Some(id))?;
            Ok((partner, services))
        })
        .await?;
    let mut o = organization(&partner, true);
    o.services = Some(
        services
            .into_iter()
            .map(|(s, p)| {
                service(
                    ServiceView {
                        service: s,
                        partner: p,
                        themes: vec![],
                        networks: vec![],
                        contacts: vec![],
                    },
                    false,
                )
            })
            .collect(),
    );
    Ok(web::Json(o))
}
