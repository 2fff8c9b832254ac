//! A read-only Open Referral HSDS 3.0 view of the social map, so tools built for Open Referral
//! can read it: partners are HSDS organizations, services are services, themes are taxonomy
//! terms (attributes), networks are service areas, a partner's address is a location.

use kinderen_eerst_macros::document_limits;
use std::collections::HashMap;

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
use crate::db::services::{self as services_repo, ServiceFilter, ServiceRow, ServiceView};
use crate::db::themes::{self as themes_repo, ThemeRow};
use crate::db::{DbConn, partners as partners_repo};
use crate::domain::social_map::PartnerKind;
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Lang;
use crate::i18n::labels::label;
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

/// HSDS service. In lists only the one-to-one fields are given, unless `full=true`; with
/// `minimal=true` only `id`, `name`, `status` and `last_modified`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsService {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// Left out with `minimal=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    pub name: String,
    /// Left out with `minimal=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
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
    /// Where the service is given: services have no places of their own, so this is the
    /// organization's address (none when the address is incomplete).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub service_at_locations: Option<Vec<HsdsServiceAtLocation>>,
}

/// HSDS service_at_location: a service given at its organization's address.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsServiceAtLocation {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub service_id: String,
    #[schema(format = Uuid)]
    pub location_id: String,
    pub location: HsdsLocation,
    /// The service (one-to-one fields, or fully nested with `full=true`); left out inside a service.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub service: Option<Box<HsdsService>>,
}

/// HSDS taxonomy: our themes, and our partner kinds.
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsTaxonomy {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    /// `kinderen-eerst-themes` or `kinderen-eerst-partner-kinds`.
    pub name: String,
    pub description: String,
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

fn organization(p: &PartnerRow, detail: Detail) -> HsdsOrganization {
    let minimal = detail == Detail::Minimal;
    let mut o = HsdsOrganization {
        id: p.id.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        email: non_empty(&p.email).filter(|_| !minimal),
        website: non_empty(&p.website).filter(|_| !minimal),
        parent_organization_id: p.parent_id.clone().filter(|_| !minimal),
        phones: None,
        locations: None,
        attributes: None,
        services: None,
    };
    if detail != Detail::Full {
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
    o.locations = Some(location(p).into_iter().collect());
    let kind = PartnerKind::parse(&p.kind).as_str();
    o.attributes = Some(vec![HsdsAttribute {
        id: derived_id(&["organization_kind", &p.id]),
        link_id: p.id.clone(),
        link_entity: "organization".into(),
        taxonomy_term_id: derived_id(&["taxonomy_term", KINDS_TAXONOMY, kind]),
        value: None,
        taxonomy_term: kind_term(kind),
    }]);
    o
}

/// A partner's address as an HSDS location, when street, postal code and city are all known.
fn location(p: &PartnerRow) -> Option<HsdsLocation> {
    let location_id = derived_id(&["organization_location", &p.id]);
    match (
        non_empty(&p.street),
        non_empty(&p.postal_code),
        non_empty(&p.city),
    ) {
        (Some(street), Some(postal_code), Some(city)) => Some(HsdsLocation {
            id: location_id.clone(),
            location_type: "physical".into(),
            organization_id: p.id.clone(),
            name: p.name.clone(),
            addresses: vec![HsdsAddress {
                id: derived_id(&["organization_address", &p.id]),
                location_id,
                address_1: street,
                state_province: province(&postal_code).unwrap_or("").to_string(),
                city,
                postal_code,
                country: "BE".into(),
                address_type: "physical".into(),
            }],
        }),
        _ => None,
    }
}

/// A partner kind as a term of the partner-kinds taxonomy (name English, description Dutch).
fn kind_term(kind: &str) -> HsdsTaxonomyTerm {
    let en = label("partner_kind", kind, Lang::En).unwrap_or(kind);
    let nl = label("partner_kind", kind, Lang::Nl).unwrap_or(kind);
    term(KINDS_TAXONOMY, kind, en, nl)
}

fn theme_term(t: &ThemeRow) -> HsdsTaxonomyTerm {
    term(THEMES_TAXONOMY, &t.code, &t.label_en, &t.label_nl)
}

/// Our two taxonomies.
fn taxonomies() -> Vec<HsdsTaxonomy> {
    vec![
        HsdsTaxonomy {
            id: derived_id(&["taxonomy", THEMES_TAXONOMY]),
            name: THEMES_TAXONOMY.into(),
            description: "Problem themes services are tagged with (term name in English, description in Dutch)".into(),
        },
        HsdsTaxonomy {
            id: derived_id(&["taxonomy", KINDS_TAXONOMY]),
            name: KINDS_TAXONOMY.into(),
            description: "Kinds of partner organisations (term name in English, description in Dutch)".into(),
        },
    ]
}

/// Every term: the themes (sorted by code, retired ones too), then the partner kinds.
fn all_terms(themes: &[ThemeRow]) -> Vec<HsdsTaxonomyTerm> {
    themes
        .iter()
        .map(theme_term)
        .chain(PartnerKind::ALL.iter().map(|k| kind_term(k.as_str())))
        .collect()
}

/// The service at its organization's address, when that is known.
fn service_at_location(s: &ServiceRow, p: &PartnerRow) -> Option<HsdsServiceAtLocation> {
    location(p).map(|l| HsdsServiceAtLocation {
        id: derived_id(&["service_at_location", &s.id]),
        service_id: s.id.clone(),
        location_id: l.id.clone(),
        location: l,
        service: None,
    })
}

/// How much of a service is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// `id`, `name`, `status`, `last_modified`.
    Minimal,
    /// The one-to-one fields.
    List,
    /// Everything nested.
    Full,
}

impl Detail {
    fn of(minimal: Option<bool>, full: Option<bool>) -> Detail {
        if full.unwrap_or(false) {
            Detail::Full
        } else if minimal.unwrap_or(false) {
            Detail::Minimal
        } else {
            Detail::List
        }
    }
}

fn service(v: ServiceView, detail: Detail) -> HsdsService {
    let s = &v.service;
    let minimal = detail == Detail::Minimal;
    let mut out = HsdsService {
        id: s.id.clone(),
        organization_id: (!minimal).then(|| s.partner_id.clone()),
        name: s.name.clone(),
        description: (!minimal).then(|| s.description.clone()),
        url: non_empty(&s.url).filter(|_| !minimal),
        email: non_empty(&s.email).filter(|_| !minimal),
        status: if s.active && v.partner.active {
            "active".into()
        } else {
            "inactive".into()
        },
        eligibility_description: non_empty(&s.eligibility).filter(|_| !minimal),
        last_modified: utc(s.updated_at),
        organization: None,
        contacts: None,
        attributes: None,
        service_areas: None,
        service_at_locations: None,
    };
    if detail != Detail::Full {
        return out;
    }
    out.service_at_locations = Some(service_at_location(s, &v.partner).into_iter().collect());
    out.organization = Some(Box::new(organization(&v.partner, Detail::Full)));
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
                taxonomy_term: theme_term(t),
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

/// The largest page (`per_page`); `minimal=true` pages are this long unless asked otherwise,
/// as HSDS asks minimal lists to come in one call.
const MAX_PER_PAGE: i64 = 1000;
const DEFAULT_PER_PAGE: i64 = 50;

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HsdsServiceQuery {
    /// Full text search: every word in the name, the organization's name or the description
    /// (case and accents ignored).
    #[validate(length(max = 100))]
    pub search: Option<String>,
    /// Only services with this taxonomy term (a theme's term id, see `/hsds/taxonomy_terms`).
    #[param(format = Uuid)]
    pub taxonomy_term_id: Option<Uuid>,
    /// Only services with any term of this taxonomy (see `/hsds/taxonomies`).
    #[param(format = Uuid)]
    pub taxonomy_id: Option<Uuid>,
    /// Only services of this organization.
    #[param(format = Uuid)]
    pub organization_id: Option<Uuid>,
    /// Only services modified on or after this time (RFC 3339, e.g. `2026-12-01T00:00:00Z`).
    pub modified_after: Option<DateTime<Utc>>,
    /// true: only `id`, `name`, `status` and `last_modified` (the fields HSDS's list schema
    /// requires), 1000 to a page unless `per_page` says otherwise.
    pub minimal: Option<bool>,
    /// true: fully nested services, as `/hsds/services/{id}` gives them (wins over `minimal`).
    pub full: Option<bool>,
    /// The same as `full` (HSDS names it so on `/organizations`).
    pub full_service: Option<bool>,
    /// 1-based page number (default 1).
    #[validate(range(min = 1, max = 100000))]
    pub page: Option<i64>,
    /// Items per page (default 50, or 1000 with `minimal=true`).
    #[validate(range(min = 1, max = 1000))]
    pub per_page: Option<i64>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HsdsOrganizationQuery {
    /// Full text search: every word in the name or description (case and accents ignored).
    #[validate(length(max = 100))]
    pub search: Option<String>,
    /// Only organizations modified on or after this time (RFC 3339).
    pub modified_after: Option<DateTime<Utc>>,
    /// true: only `id`, `name` and `description`, 1000 to a page unless `per_page` says otherwise.
    pub minimal: Option<bool>,
    /// true: fully nested organizations, as `/hsds/organizations/{id}` gives them.
    pub full: Option<bool>,
    /// true: fully nested organizations with their services fully nested too.
    pub full_service: Option<bool>,
    /// 1-based page number (default 1).
    #[validate(range(min = 1, max = 100000))]
    pub page: Option<i64>,
    /// Items per page (default 50, or 1000 with `minimal=true`).
    #[validate(range(min = 1, max = 1000))]
    pub per_page: Option<i64>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HsdsOrganizationOneQuery {
    /// true: the organization's services fully nested (otherwise their one-to-one fields).
    pub full_service: Option<bool>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HsdsTaxonomyQuery {
    /// Every word in the name or description (case and accents ignored).
    #[validate(length(max = 100))]
    pub search: Option<String>,
    /// 1-based page number (default 1).
    #[validate(range(min = 1, max = 100000))]
    pub page: Option<i64>,
    /// Items per page (default 50).
    #[validate(range(min = 1, max = 1000))]
    pub per_page: Option<i64>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HsdsTaxonomyTermQuery {
    /// Every word in the code, name or description (case and accents ignored).
    #[validate(length(max = 100))]
    pub search: Option<String>,
    /// Only terms of this taxonomy.
    #[param(format = Uuid)]
    pub taxonomy_id: Option<Uuid>,
    /// true: only top-level terms (all of ours are).
    pub top_only: Option<bool>,
    /// Only children of this term (ours have none, so this gives an empty page).
    #[param(format = Uuid)]
    pub parent_id: Option<Uuid>,
    /// 1-based page number (default 1).
    #[validate(range(min = 1, max = 100000))]
    pub page: Option<i64>,
    /// Items per page (default 50).
    #[validate(range(min = 1, max = 1000))]
    pub per_page: Option<i64>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HsdsServiceAtLocationQuery {
    /// Full text search over the services, as on `/hsds/services`.
    #[validate(length(max = 100))]
    pub search: Option<String>,
    /// Only services with this taxonomy term.
    #[param(format = Uuid)]
    pub taxonomy_term_id: Option<Uuid>,
    /// Only services with any term of this taxonomy.
    #[param(format = Uuid)]
    pub taxonomy_id: Option<Uuid>,
    /// Only services of this organization.
    #[param(format = Uuid)]
    pub organization_id: Option<Uuid>,
    /// Only services modified on or after this time (RFC 3339).
    pub modified_after: Option<DateTime<Utc>>,
    /// Only locations with this postal code.
    #[validate(length(max = 10))]
    pub postcode: Option<String>,
    /// true: the service fully nested (otherwise its one-to-one fields).
    pub full: Option<bool>,
    /// 1-based page number (default 1).
    #[validate(range(min = 1, max = 100000))]
    pub page: Option<i64>,
    /// Items per page (default 50).
    #[validate(range(min = 1, max = 1000))]
    pub per_page: Option<i64>,
}

/// Which services a list asks for.
#[derive(Debug, Default)]
struct ServiceSelection {
    search: Option<String>,
    organization_id: Option<Uuid>,
    taxonomy_term_id: Option<Uuid>,
    taxonomy_id: Option<Uuid>,
    modified_after: Option<DateTime<Utc>>,
}

/// Every service matching the selection, sorted by name, with its partner, themes, networks
/// and contacts (the social map is small enough to filter in memory after the SQL narrowing).
fn select_services(conn: &mut DbConn, sel: &ServiceSelection) -> ApiResult<Vec<ServiceView>> {
    let filter = ServiceFilter {
        partner_id: sel.organization_id.map(|o| o.to_string()),
        ..Default::default()
    };
    let words = words(sel.search.as_deref());
    let mut rows: Vec<_> = services_repo::candidates(conn, &filter)?
        .into_iter()
        .filter(|(s, p)| relevance(&words, &s.name, &p.name, &s.description).is_some())
        .filter(|(s, _)| sel.modified_after.is_none_or(|t| utc(s.updated_at) >= t))
        .collect();
    rows.sort_by_cached_key(|(s, _)| (fold(&s.name), s.name.clone(), s.id.clone()));
    let themes_id = derived_id(&["taxonomy", THEMES_TAXONOMY]);
    let term = sel.taxonomy_term_id.map(|t| t.to_string());
    let taxonomy = sel.taxonomy_id.map(|t| t.to_string());
    Ok(services_repo::views(conn, rows)?
        .into_iter()
        .filter(|v| {
            term.as_ref().is_none_or(|term| {
                v.themes
                    .iter()
                    .any(|t| derived_id(&["taxonomy_term", THEMES_TAXONOMY, &t.code]) == *term)
            })
        })
        .filter(|v| {
            // A service carries terms of the themes taxonomy only.
            taxonomy
                .as_ref()
                .is_none_or(|tax| *tax == themes_id && !v.themes.is_empty())
        })
        .collect())
}

/// Page and page length from the query, with the defaults.
fn paging(page: Option<i64>, per_page: Option<i64>, minimal: bool) -> (i64, i64) {
    let default = if minimal {
        MAX_PER_PAGE
    } else {
        DEFAULT_PER_PAGE
    };
    (page.unwrap_or(1), per_page.unwrap_or(default))
}

/// Every word is in one of the texts (case and accents ignored).
fn matches(words: &[String], texts: &[&str]) -> bool {
    let texts: Vec<String> = texts.iter().map(|t| fold(t)).collect();
    words
        .iter()
        .all(|w| texts.iter().any(|t| t.contains(w.as_str())))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/services", tag = "hsds", operation_id = "list_hsds_services",
    summary = "Services, as Open Referral HSDS 3.0",
    description = "All services (active and inactive, see `status`) in HSDS 3.0's `Page` envelope, sorted by name: one-to-one fields, \
only `id`, `name`, `status` and `last_modified` with `minimal=true`, fully nested with `full=true`. \
HSDS's query parameters narrow the list (`search`, `taxonomy_term_id`, `taxonomy_id`, `organization_id`, `modified_after`); \
pages are numbered (`page`, `per_page`) as HSDS's API does. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(HsdsServiceQuery),
    responses(
        (status = 200, description = "A page of HSDS services", body = HsdsPage<HsdsService>)
    )
)]
#[get("/api/v1/hsds/services")]
pub async fn list_hsds_services(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<HsdsServiceQuery>,
) -> ApiResult<web::Json<HsdsPage<HsdsService>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let detail = Detail::of(q.minimal, q.full.or(q.full_service));
    let (page, per_page) = paging(q.page, q.per_page, detail == Detail::Minimal);
    let sel = ServiceSelection {
        search: q.search,
        organization_id: q.organization_id,
        taxonomy_term_id: q.taxonomy_term_id,
        taxonomy_id: q.taxonomy_id,
        modified_after: q.modified_after,
    };
    let views = state
        .db
        .run(move |conn| select_services(conn, &sel))
        .await?;
    let total = views.len();
    let contents = slice(views, page, per_page)
        .into_iter()
        .map(|v| service(v, detail))
        .collect();
    Ok(web::Json(envelope(total, page, per_page, contents)))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/services/{id}", tag = "hsds", operation_id = "get_hsds_service",
    summary = "A service, fully nested, as Open Referral HSDS 3.0",
    description = "The service with its organization (and its location), contacts (with phones), themes as attributes of the `kinderen-eerst-themes` taxonomy \
(term `name` English, `description` Dutch), networks as service areas and its organization's address as its service_at_location. \
Roles: coordinator, social_worker, school, partner.",
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
    Ok(web::Json(service(v, Detail::Full)))
}

/// The organization's services: one-to-one fields, or fully nested.
fn organization_services(views: Vec<ServiceView>, full_service: bool) -> Vec<HsdsService> {
    let detail = if full_service {
        Detail::Full
    } else {
        Detail::List
    };
    views.into_iter().map(|v| service(v, detail)).collect()
}

#[utoipa::path(
    get, path = "/api/v1/hsds/organizations", tag = "hsds", operation_id = "list_hsds_organizations",
    summary = "Partner organisations, as Open Referral HSDS 3.0",
    description = "All partners in HSDS 3.0's `Page` envelope, sorted by name: one-to-one fields, only `id`, `name` and `description` with `minimal=true`, \
fully nested with `full=true` (with the services' one-to-one fields) or `full_service=true` (with the services fully nested). \
Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(HsdsOrganizationQuery),
    responses(
        (status = 200, description = "A page of HSDS organizations", body = HsdsPage<HsdsOrganization>)
    )
)]
#[get("/api/v1/hsds/organizations")]
pub async fn list_hsds_organizations(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<HsdsOrganizationQuery>,
) -> ApiResult<web::Json<HsdsPage<HsdsOrganization>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let full_service = q.full_service.unwrap_or(false);
    let detail = Detail::of(q.minimal, Some(q.full.unwrap_or(false) || full_service));
    let (page, per_page) = paging(q.page, q.per_page, detail == Detail::Minimal);
    let words = words(q.search.as_deref());
    let (total, rows, mut services) = state
        .db
        .run(move |conn| {
            let mut rows: Vec<PartnerRow> = partners_repo::all(conn)?
                .into_iter()
                .filter(|p| matches(&words, &[&p.name, &p.description]))
                .filter(|p| q.modified_after.is_none_or(|t| utc(p.updated_at) >= t))
                .collect();
            rows.sort_by_cached_key(|p| (fold(&p.name), p.name.clone(), p.id.clone()));
            let total = rows.len();
            let rows = slice(rows, page, per_page);
            let mut services: HashMap<String, Vec<ServiceView>> = HashMap::new();
            if detail == Detail::Full {
                for v in select_services(conn, &ServiceSelection::default())? {
                    if rows.iter().any(|p| p.id == v.service.partner_id) {
                        services
                            .entry(v.service.partner_id.clone())
                            .or_default()
                            .push(v);
                    }
                }
            }
            Ok((total, rows, services))
        })
        .await?;
    let contents = rows
        .iter()
        .map(|p| {
            let mut o = organization(p, detail);
            if detail == Detail::Full {
                o.services = Some(organization_services(
                    services.remove(&p.id).unwrap_or_default(),
                    full_service,
                ));
            }
            o
        })
        .collect();
    Ok(web::Json(envelope(total, page, per_page, contents)))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/organizations/{id}", tag = "hsds", operation_id = "get_hsds_organization",
    summary = "A partner organisation as a nested HSDS 3.0 organization",
    description = "The organization with its phone, location (address), kind (as an attribute of the `kinderen-eerst-partner-kinds` taxonomy) \
and its services (one-to-one fields, or fully nested with `full_service=true`). Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Partner id"), HsdsOrganizationOneQuery),
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
    query: ApiQuery<HsdsOrganizationOneQuery>,
) -> ApiResult<web::Json<HsdsOrganization>> {
    require(&user, Action::ReadSocialMap)?;
    let sel = ServiceSelection {
        organization_id: Some(*id),
        ..Default::default()
    };
    let id = id.to_string();
    let (partner, services) = state
        .db
        .run(move |conn| {
            let partner = partners_repo::find(conn, &id)?;
            let services = select_services(conn, &sel)?;
            Ok((partner, services))
        })
        .await?;
    let mut o = organization(&partner, Detail::Full);
    o.services = Some(organization_services(
        services,
        query.full_service.unwrap_or(false),
    ));
    Ok(web::Json(o))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/taxonomies", tag = "hsds", operation_id = "list_hsds_taxonomies",
    summary = "Our taxonomies, as Open Referral HSDS 3.0",
    description = "Two taxonomies: `kinderen-eerst-themes` (the themes services are tagged with) and `kinderen-eerst-partner-kinds`. \
Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(HsdsTaxonomyQuery),
    responses(
        (status = 200, description = "A page of HSDS taxonomies", body = HsdsPage<HsdsTaxonomy>)
    )
)]
#[get("/api/v1/hsds/taxonomies")]
pub async fn list_hsds_taxonomies(
    user: AuthUser,
    query: ApiQuery<HsdsTaxonomyQuery>,
) -> ApiResult<web::Json<HsdsPage<HsdsTaxonomy>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let (page, per_page) = paging(q.page, q.per_page, false);
    let words = words(q.search.as_deref());
    let all: Vec<HsdsTaxonomy> = taxonomies()
        .into_iter()
        .filter(|t| matches(&words, &[&t.name, &t.description]))
        .collect();
    let total = all.len();
    Ok(web::Json(envelope(
        total,
        page,
        per_page,
        slice(all, page, per_page),
    )))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/taxonomies/{id}", tag = "hsds", operation_id = "get_hsds_taxonomy",
    summary = "A taxonomy, as Open Referral HSDS 3.0",
    description = "Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Taxonomy id")),
    responses(
        (status = 200, description = "The HSDS taxonomy", body = HsdsTaxonomy),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/hsds/taxonomies/{id}")]
pub async fn get_hsds_taxonomy(
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<HsdsTaxonomy>> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    taxonomies()
        .into_iter()
        .find(|t| t.id == id)
        .map(web::Json)
        .ok_or(ApiError::NotFound)
}

/// Every theme, retired ones too.
fn all_themes(conn: &mut DbConn) -> ApiResult<Vec<ThemeRow>> {
    Ok(themes_repo::list(
        conn,
        None,
        None,
        i64::from(i32::MAX) - 1,
    )?)
}

#[utoipa::path(
    get, path = "/api/v1/hsds/taxonomy_terms", tag = "hsds", operation_id = "list_hsds_taxonomy_terms",
    summary = "Taxonomy terms (themes, partner kinds), as HSDS 3.0",
    description = "The themes (sorted by code, retired ones too) as terms of `kinderen-eerst-themes`, then the partner kinds as terms of \
`kinderen-eerst-partner-kinds`; `name` is English, `description` Dutch. All terms are top-level. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(HsdsTaxonomyTermQuery),
    responses(
        (status = 200, description = "A page of HSDS taxonomy terms", body = HsdsPage<HsdsTaxonomyTerm>)
    )
)]
#[get("/api/v1/hsds/taxonomy_terms")]
pub async fn list_hsds_taxonomy_terms(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<HsdsTaxonomyTermQuery>,
) -> ApiResult<web::Json<HsdsPage<HsdsTaxonomyTerm>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let (page, per_page) = paging(q.page, q.per_page, false);
    let themes = state.db.run(all_themes).await?;
    let words = words(q.search.as_deref());
    let taxonomy = q.taxonomy_id.map(|t| t.to_string());
    let all: Vec<HsdsTaxonomyTerm> = all_terms(&themes)
        .into_iter()
        .filter(|t| matches(&words, &[&t.code, &t.name, &t.description]))
        .filter(|t| taxonomy.as_ref().is_none_or(|id| t.taxonomy_id == *id))
        // Our terms have no parents: asking for a parent's children finds none.
        .filter(|_| q.parent_id.is_none())
        .collect();
    let total = all.len();
    Ok(web::Json(envelope(
        total,
        page,
        per_page,
        slice(all, page, per_page),
    )))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/taxonomy_terms/{id}", tag = "hsds", operation_id = "get_hsds_taxonomy_term",
    summary = "A taxonomy term (theme or partner kind), as HSDS 3.0",
    description = "Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Taxonomy term id")),
    responses(
        (status = 200, description = "The HSDS taxonomy term", body = HsdsTaxonomyTerm),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/hsds/taxonomy_terms/{id}")]
pub async fn get_hsds_taxonomy_term(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<HsdsTaxonomyTerm>> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    let themes = state.db.run(all_themes).await?;
    all_terms(&themes)
        .into_iter()
        .find(|t| t.id == id)
        .map(web::Json)
        .ok_or(ApiError::NotFound)
}

/// A service at its location, with the service one-to-one or fully nested.
fn service_at_location_of(v: ServiceView, detail: Detail) -> Option<HsdsServiceAtLocation> {
    let mut sal = service_at_location(&v.service, &v.partner)?;
    sal.service = Some(Box::new(service(v, detail)));
    Some(sal)
}

#[utoipa::path(
    get, path = "/api/v1/hsds/service_at_locations", tag = "hsds", operation_id = "list_hsds_service_at_locations",
    summary = "Services at their locations, as Open Referral HSDS 3.0",
    description = "Services have no places of their own: a service is given at its organization's address, so there is one service_at_location \
per service whose organization has a complete address (street, postal code, city), with that address as its location. Sorted by service name; \
the same filters as `/hsds/services`, and `postcode`. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(HsdsServiceAtLocationQuery),
    responses(
        (status = 200, description = "A page of HSDS service_at_locations", body = HsdsPage<HsdsServiceAtLocation>)
    )
)]
#[get("/api/v1/hsds/service_at_locations")]
pub async fn list_hsds_service_at_locations(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<HsdsServiceAtLocationQuery>,
) -> ApiResult<web::Json<HsdsPage<HsdsServiceAtLocation>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let detail = Detail::of(None, q.full);
    let (page, per_page) = paging(q.page, q.per_page, false);
    let sel = ServiceSelection {
        search: q.search,
        organization_id: q.organization_id,
        taxonomy_term_id: q.taxonomy_term_id,
        taxonomy_id: q.taxonomy_id,
        modified_after: q.modified_after,
    };
    let postcode = q.postcode.map(|p| p.trim().to_string());
    let views: Vec<ServiceView> = state
        .db
        .run(move |conn| select_services(conn, &sel))
        .await?
        .into_iter()
        .filter(|v| location(&v.partner).is_some())
        .filter(|v| {
            postcode
                .as_ref()
                .is_none_or(|pc| v.partner.postal_code.trim() == pc)
        })
        .collect();
    let total = views.len();
    let contents = slice(views, page, per_page)
        .into_iter()
        .filter_map(|v| service_at_location_of(v, detail))
        .collect();
    Ok(web::Json(envelope(total, page, per_page, contents)))
}

#[utoipa::path(
    get, path = "/api/v1/hsds/service_at_locations/{id}", tag = "hsds", operation_id = "get_hsds_service_at_location",
    summary = "A service at its location, as Open Referral HSDS 3.0",
    description = "The service_at_location with its location (the organization's address) and the service fully nested. \
Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Service_at_location id")),
    responses(
        (status = 200, description = "The HSDS service_at_location", body = HsdsServiceAtLocation),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/hsds/service_at_locations/{id}")]
pub async fn get_hsds_service_at_location(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<HsdsServiceAtLocation>> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    let views = state
        .db
        .run(move |conn| select_services(conn, &ServiceSelection::default()))
        .await?;
    views
        .into_iter()
        .find(|v| derived_id(&["service_at_location", &v.service.id]) == id)
        .and_then(|v| service_at_location_of(v, Detail::Full))
        .map(web::Json)
        .ok_or(ApiError::NotFound)
}
