//! Schools: the directory, SES figures, wishes and contact data; CSV import is `import`.

mod import;

pub use import::*;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{
    self, Checks, Page, check_if_match, created, decode_cursor, etag, ok_with_etag,
};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::auth::policy::{Action, allows, require};
use crate::auth::{AuthUser, Viewer};
use crate::db::schools::{self as repo, SchoolFilter, SchoolRow};
use crate::db::{DbConn, networks, now};
use crate::domain::{Email, utc};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SchoolLevel {
    Primary,
    Secondary,
}

pub use crate::domain::social_map::{Address, PresenceMode};

/// Share of pupils (0–100) with the Flemish pupil indicators.
#[document_limits]
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SesFigures {
    /// Pupils with at least one indicator.
    #[validate(range(min = 0.0, max = 100.0))]
    pub any: Option<f64>,
    /// Home language is not Dutch.
    #[validate(range(min = 0.0, max = 100.0))]
    pub home_language: Option<f64>,
    /// Mother without a secondary-school diploma.
    #[validate(range(min = 0.0, max = 100.0))]
    pub maternal_education: Option<f64>,
    /// Receiving a school allowance (schooltoeslag).
    #[validate(range(min = 0.0, max = 100.0))]
    pub school_allowance: Option<f64>,
    /// Living in a neighbourhood with high school delay.
    #[validate(range(min = 0.0, max = 100.0))]
    pub neighbourhood: Option<f64>,
}

/// What the school wishes of the programme.
#[document_limits]
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SchoolWishes {
    pub preferred_presence: Option<PresenceMode>,
    #[serde(default)]
    pub note: String,
    /// ISO weekdays (1 = Monday … 7 = Sunday) the school prefers for office hours; empty for
    /// no preference. An allocation plan tries these first and says in its reasons whether it
    /// could.
    #[serde(default)]
    #[validate(length(max = 7))]
    #[schema(value_type = Vec<crate::domain::presence::IsoWeekday>)]
    pub weekdays: Vec<u8>,
    /// Earliest start the school wishes (HH:MM).
    #[schema(example = "08:30")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub earliest: Option<String>,
    /// Latest end the school wishes (HH:MM).
    #[schema(example = "12:00")]
    #[schema(value_type = Option<crate::domain::time_of_day::TimeOfDay>)]
    pub latest: Option<String>,
}

/// The school's contact person for the programme.
#[document_limits]
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SchoolContact {
    #[serde(default)]
    #[validate(length(max = 200))]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::common::email_or_empty)]
    pub email: String,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub phone: String,
}

/// A school in the programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct School {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub network_id: String,
    pub name: String,
    /// The Flemish 6-digit school number (instellingsnummer).
    #[schema(example = "012345", pattern = "^[0-9]{6}$")]
    pub institution_number: String,
    pub level: SchoolLevel,
    pub address: Address,
    pub pupil_count: i32,
    pub ses: SesFigures,
    pub wishes: SchoolWishes,
    pub contact: SchoolContact,
    pub active: bool,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

impl From<SchoolRow> for School {
    fn from(r: SchoolRow) -> Self {
        School {
            id: r.id,
            network_id: r.network_id,
            name: r.name,
            institution_number: r.institution_number,
            level: if r.level == "secondary" {
                SchoolLevel::Secondary
            } else {
                SchoolLevel::Primary
            },
            address: Address {
                street: r.street,
                postal_code: r.postal_code,
                city: r.city,
            },
            pupil_count: r.pupil_count,
            ses: SesFigures {
                any: r.ses_any,
                home_language: r.ses_home_language,
                maternal_education: r.ses_maternal_education,
                school_allowance: r.ses_school_allowance,
                neighbourhood: r.ses_neighbourhood,
            },
            wishes: SchoolWishes {
                preferred_presence: r
                    .preferred_presence
                    .as_deref()
                    .and_then(PresenceMode::parse),
                note: r.wishes_note,
                weekdays: crate::db::schools::parse_weekdays(&r.wish_weekdays),
                earliest: r.wish_start_time.map(|t| t.format("%H:%M").to_string()),
                latest: r.wish_end_time.map(|t| t.format("%H:%M").to_string()),
            },
            contact: SchoolContact {
                name: r.contact_name,
                email: r.contact_email,
                phone: r.contact_phone,
            },
            active: r.active,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

/// A school as created or imported.
#[document_limits]
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "network_id": "0193a1b2-0000-7000-8000-000000000001", "name": "Basisschool De Luchtballon",
    "institution_number": "012345", "level": "primary",
    "address": {"street": "Columbiastraat 1", "postal_code": "2030", "city": "Antwerpen"},
    "pupil_count": 240, "ses": {"any": 78.5, "home_language": 64.0},
    "wishes": {"preferred_presence": "office_hours", "note": "Liefst op dinsdag", "weekdays": [2], "earliest": "08:30", "latest": "12:00"},
    "contact": {"name": "Sara Janssens", "email": "zorg@luchtballon.example", "phone": "03 123 45 67"}
}))]
pub struct NewSchool {
    #[schema(format = Uuid)]
    pub network_id: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[schema(pattern = "^[0-9]{6}$")]
    pub institution_number: String,
    pub level: SchoolLevel,
    #[serde(default)]
    pub address: Address,
    #[serde(default)]
    #[validate(range(min = 0, max = 100000))]
    pub pupil_count: i32,
    #[serde(default)]
    pub ses: SesFigures,
    #[serde(default)]
    pub wishes: SchoolWishes,
    #[serde(default)]
    pub contact: SchoolContact,
}

/// Changes to a school. A `school` account may send only `contact` and `wishes`, for its own
/// school.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact": {"name": "Sara Janssens", "email": "zorg@luchtballon.example", "phone": "03 123 45 67"}}))]
pub struct SchoolPatch {
    #[schema(format = Uuid)]
    pub network_id: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[schema(pattern = "^[0-9]{6}$")]
    pub institution_number: Option<String>,
    pub level: Option<SchoolLevel>,
    pub address: Option<Address>,
    #[validate(range(min = 0, max = 100000))]
    pub pupil_count: Option<i32>,
    pub ses: Option<SesFigures>,
    pub wishes: Option<SchoolWishes>,
    pub contact: Option<SchoolContact>,
    pub active: Option<bool>,
}

/// The checks every school write passes (API and CSV import alike); the network must exist.
pub(super) fn check_school(conn: &mut DbConn, s: &NewSchool, checks: &mut Checks) -> ApiResult<()> {
    checks.check(
        s.institution_number.len() == 6 && s.institution_number.bytes().all(|b| b.is_ascii_digit()),
        "institution_number",
        Code::InstitutionNumberDigits,
    );
    // The limits the document states (the same #[validate] declarations), also for the CSV
    // import, named together with every other bad field.
    if let Err(errors) = s.validate() {
        checks
            .0
            .extend(crate::error::flatten_validation_errors(&errors));
    }
    checks.part("address", &s.address);
    checks.part("ses", &s.ses);
    checks.part("wishes", &s.wishes);
    checks.part("contact", &s.contact);
    checks.check(!s.name.trim().is_empty(), "name", Code::Blank);
    if !s.contact.email.is_empty() && Email::parse(&s.contact.email).is_err() {
        checks.add("contact.email", Code::InvalidEmail);
    }
    checks.check(
        s.wishes
            .weekdays
            .iter()
            .all(crate::domain::presence::is_iso_weekday),
        "wishes.weekdays",
        Code::OfficeHoursWeekday,
    );
    let earliest = wish_time(checks, "wishes.earliest", &s.wishes.earliest);
    let latest = wish_time(checks, "wishes.latest", &s.wishes.latest);
    if let (Some(e), Some(l)) = (earliest, latest) {
        checks.check(e < l, "wishes.latest", Code::EndAfterStart);
    }
    match crate::db::optional(networks::find(conn, &s.network_id))? {
        None => checks.add("network_id", Code::NoSuchNetwork),
        Some(n) if !n.active => checks.add("network_id", Code::NetworkInactive),
        Some(_) => {}
    }
    Ok(())
}

fn wish_time(checks: &mut Checks, field: &str, v: &Option<String>) -> Option<chrono::NaiveTime> {
    v.as_deref().and_then(|t| {
        crate::domain::time_of_day::parse(t)
            .ok_or(())
            .map_err(|_| checks.add(field, Code::TimeHhMm))
            .ok()
    })
}

fn parse_hhmm(v: &Option<String>) -> Option<chrono::NaiveTime> {
    v.as_deref().and_then(crate::domain::time_of_day::parse)
}

pub(super) fn to_row(
    id: String,
    s: &NewSchool,
    active: bool,
    created_at: chrono::NaiveDateTime,
) -> SchoolRow {
    SchoolRow {
        id,
        network_id: s.network_id.clone(),
        name: s.name.trim().to_string(),
        institution_number: s.institution_number.clone(),
        level: match s.level {
            SchoolLevel::Primary => "primary".into(),
            SchoolLevel::Secondary => "secondary".into(),
        },
        street: s.address.street.trim().into(),
        postal_code: s.address.postal_code.trim().into(),
        city: s.address.city.trim().into(),
        pupil_count: s.pupil_count,
        ses_any: s.ses.any,
        ses_home_language: s.ses.home_language,
        ses_maternal_education: s.ses.maternal_education,
        ses_school_allowance: s.ses.school_allowance,
        ses_neighbourhood: s.ses.neighbourhood,
        preferred_presence: s.wishes.preferred_presence.map(|m| m.as_str().to_string()),
        wishes_note: s.wishes.note.clone(),
        contact_name: s.contact.name.trim().into(),
        contact_email: s.contact.email.trim().to_lowercase(),
        contact_phone: s.contact.phone.trim().into(),
        active,
        created_at,
        updated_at: now(),
        wish_weekdays: {
            let mut days = s.wishes.weekdays.clone();
            days.sort_unstable();
            days.dedup();
            days.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
        },
        wish_start_time: parse_hhmm(&s.wishes.earliest),
        wish_end_time: parse_hhmm(&s.wishes.latest),
    }
}

pub(super) fn from_row(r: &SchoolRow) -> NewSchool {
    let s = School::from(r.clone());
    NewSchool {
        network_id: s.network_id,
        name: s.name,
        institution_number: s.institution_number,
        level: s.level,
        address: s.address,
        pupil_count: s.pupil_count,
        ses: s.ses,
        wishes: s.wishes,
        contact: s.contact,
    }
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SchoolQuery {
    /// Only schools of this network.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// Only active (true) or inactive (false) schools.
    pub active: Option<bool>,
    /// Text in the name or institution number.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/schools", tag = "schools", operation_id = "list_schools",
    summary = "List schools", description = "Schools sorted by name. Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(SchoolQuery),
    responses((status = 200, description = "A page of schools", body = Page<School>))
)]
#[get("/api/v1/schools")]
pub async fn list_schools(
    state: web::Data<AppState>,
    user: AuthUser,
    query: ApiQuery<SchoolQuery>,
) -> ApiResult<web::Json<Page<School>>> {
    require(&user, Action::ReadSocialMap)?;
    let q = query.0;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(String, String)>(q.cursor.as_deref())?;
    let filter = SchoolFilter {
        network_id: q.network.map(|n| n.to_string()),
        active: q.active,
        q: q.q,
    };
    let rows = state
        .db
        .run(move |conn| Ok(repo::list(conn, filter, after, limit)?))
        .await?;
    Ok(web::Json(common::page(
        rows,
        limit,
        |r| (r.name.clone(), r.id.clone()),
        School::from,
    )))
}

#[utoipa::path(
    get, path = "/api/v1/schools/{id}", tag = "schools", operation_id = "get_school",
    summary = "Get a school", description = "Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "School id")),
    responses(
        (status = 200, description = "The school", body = School, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/schools/{id}")]
pub async fn get_school(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadSocialMap)?;
    let id = id.to_string();
    let row = state.db.run(move |conn| Ok(repo::find(conn, &id)?)).await?;
    Ok(ok_with_etag(
        &School::from(row.clone()),
        &etag(row.updated_at),
    ))
}

#[utoipa::path(
    post, path = "/api/v1/schools", tag = "schools", operation_id = "create_school",
    summary = "Create a school", description = "Roles: coordinator.",
    security(("bearer" = [])), request_body = NewSchool,
    responses(
        (status = 201, description = "Created", body = School, headers(("Location" = String, description = "The new school"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "A school with this institution number exists", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/api/v1/schools")]
pub async fn create_school(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    body: ApiJson<NewSchool>,
) -> ApiResult<HttpResponse> {
    let s = body.into_inner()?;
    let row = state
        .db
        .write(move |conn| {
            let mut checks = Checks::default();
            check_school(conn, &s, &mut checks)?;
            checks.finish()?;
            if repo::find_by_institution_number(conn, &s.institution_number)?.is_some() {
                return Err(ApiError::conflict(crate::msg!(
                    SchoolNumberExists,
                    number = &s.institution_number
                )));
            }
            let row = to_row(Uuid::now_v7().to_string(), &s, true, now());
            repo::insert(conn, &row)?;
            Ok(row)
        })
        .await?;
    let tag = etag(row.updated_at);
    Ok(created(
        &School::from(row.clone()),
        format!("/api/v1/schools/{}", row.id),
        &tag,
    ))
}

#[utoipa::path(
    patch, path = "/api/v1/schools/{id}", tag = "schools", operation_id = "update_school",
    summary = "Change a school",
    description = "Only the fields sent change. The coordinator may change every field; a `school` account only `contact` and `wishes`, and only of its own school (another school: 404). Roles: coordinator, school.",
    security(("bearer" = [])), request_body = SchoolPatch,
    params(("id" = Uuid, Path, description = "School id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = School, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Another school has this institution number", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/schools/{id}")]
pub async fn update_school(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<SchoolPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.to_string();
    let coordinator = allows(user.role, Action::WriteSocialMap);
    if !coordinator {
        require(&user, Action::EditOwnSchoolContact)?;
        if user.own_school() != Some(id.as_str()) {
            return Err(ApiError::NotFound);
        }
    }
    let p = body.into_inner()?;
    if !coordinator {
        let only_contact = p.network_id.is_none()
            && p.name.is_none()
            && p.institution_number.is_none()
            && p.level.is_none()
            && p.address.is_none()
            && p.pupil_count.is_none()
            && p.ses.is_none()
            && p.active.is_none();
        if !only_contact {
            return Err(ApiError::Forbidden(Code::SchoolContactOnly.into()));
        }
    }
    let if_match = common::if_match(&req);
    let row = state
        .db
        .write(move |conn| {
            let current = repo::find(conn, &id)?;
            check_if_match(if_match.as_deref(), &etag(current.updated_at))?;
            let mut s = from_row(&current);
            if let Some(v) = p.network_id {
                s.network_id = v;
            }
            if let Some(v) = p.name {
                s.name = v;
            }
            if let Some(v) = p.institution_number {
                s.institution_number = v;
            }
            if let Some(v) = p.level {
                s.level = v;
            }
            if let Some(v) = p.address {
                s.address = v;
            }
            if let Some(v) = p.pupil_count {
                s.pupil_count = v;
            }
            if let Some(v) = p.ses {
                s.ses = v;
            }
            if let Some(v) = p.wishes {
                s.wishes = v;
            }
            if let Some(v) = p.contact {
                s.contact = v;
            }
            let mut checks = Checks::default();
            check_school(conn, &s, &mut checks)?;
            // An inactive network blocks new schools, not edits of those already in it.
            if s.network_id == current.network_id {
                checks.0.retain(|e| {
                    !(e.field == "network_id" && e.code == Code::NetworkInactive.as_str())
                });
            }
            checks.finish()?;
            if let Some(other) = repo::find_by_institution_number(conn, &s.institution_number)?
                && other.id != current.id
            {
                return Err(ApiError::conflict(Code::SchoolNumberTaken));
            }
            let row = to_row(
                current.id.clone(),
                &s,
                p.active.unwrap_or(current.active),
                current.created_at,
            );
            repo::update(conn, &row)?;
            Ok(row)
        })
        .await?;
    Ok(ok_with_etag(
        &School::from(row.clone()),
        &etag(row.updated_at),
    ))
}

crate::api::common::delete_endpoint!(
    delete_school,
    "/api/v1/schools/{id}",
    tag = "schools",
    op = "delete_school",
    summary = "Delete a school",
    description = "Only a school no user or assignment refers to; otherwise 409: deactivate it instead. Roles: coordinator.",
    id = "School id",
    conflict = "Users or assignments still refer to the school",
    removal = common::Removal {
        find: repo::find,
        version: |s| s.updated_at,
        in_use: |conn, id| { Ok(repo::in_use(conn, id)?.then_some(Code::SchoolInUse)) },
        delete: repo::delete,
    }
);
