//! Importing schools from CSV: one row per school, matched on the institution number; a dry
//! run reports what would change and writes nothing.

use actix_web::{HttpRequest, post, web};
use kinderen_eerst_macros::document_limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::Checks;
use crate::api::csv_in;
use crate::api::extract::ApiQuery;
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::db::schools::{self as repo};
use crate::db::{DbConn, now};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::i18n::Code;
use crate::state::AppState;

use super::{
    Address, NewSchool, PresenceMode, SchoolContact, SchoolLevel, SchoolWishes, SesFigures,
    check_school, to_row,
};

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Report what would happen without changing anything.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Created,
    Updated,
    Rejected,
}

/// What happened to one line of the file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLine {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    pub institution_number: String,
    pub action: ImportAction,
    /// Why the line was rejected.
    pub errors: Vec<FieldError>,
    #[schema(format = Uuid)]
    pub school_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// When true, nothing was changed.
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub rejected: usize,
    pub lines: Vec<ImportLine>,
}

pub const CSV_COLUMNS: [&str; 18] = [
    "institution_number",
    "name",
    "network",
    "level",
    "street",
    "postal_code",
    "city",
    "pupil_count",
    "ses_any",
    "ses_home_language",
    "ses_maternal_education",
    "ses_school_allowance",
    "ses_neighbourhood",
    "preferred_presence",
    "wishes_note",
    "contact_name",
    "contact_email",
    "contact_phone",
];
/// The Dutch headers a Belgian office writes, beside the English names above (compared
/// lowercased and trimmed, with spaces and hyphens read as `_`).
const DUTCH_COLUMNS: [(&str, &[&str]); 18] = [
    (
        "institution_number",
        &["instellingsnummer", "instellingsnr"],
    ),
    ("name", &["naam", "schoolnaam"]),
    ("network", &["netwerk"]),
    ("level", &["niveau", "onderwijsniveau"]),
    ("street", &["straat", "adres"]),
    ("postal_code", &["postcode"]),
    ("city", &["gemeente", "stad"]),
    (
        "pupil_count",
        &["leerlingen", "aantal_leerlingen", "leerlingenaantal"],
    ),
    ("ses_any", &["ses_totaal"]),
    ("ses_home_language", &["ses_thuistaal"]),
    ("ses_maternal_education", &["ses_opleiding_moeder"]),
    ("ses_school_allowance", &["ses_schooltoelage"]),
    ("ses_neighbourhood", &["ses_buurt"]),
    ("preferred_presence", &["voorkeur_aanwezigheid"]),
    ("wishes_note", &["wensen"]),
    ("contact_name", &["contactpersoon", "contact_naam"]),
    ("contact_email", &["contact_e_mail", "e_mail"]),
    ("contact_phone", &["contact_telefoon", "telefoon"]),
];

/// The column a header names (English or Dutch), if the importer knows it.
fn column_of(header: &str) -> Option<&'static str> {
    csv_in::column_of(header, &DUTCH_COLUMNS)
}

pub(super) const REQUIRED_COLUMNS: [&str; 4] = ["institution_number", "name", "network", "level"];

/// Turns one CSV record into a school, resolving the network by name or id.
pub(super) fn parse_record(
    conn: &mut DbConn,
    get: &dyn Fn(&str) -> String,
    checks: &mut Checks,
) -> ApiResult<Option<NewSchool>> {
    use diesel::prelude::*;
    let network_ref = get("network");
    let network_id: Option<String> = crate::db::schema::networks::table
        .filter(
            crate::db::schema::networks::name
                .eq(&network_ref)
                .or(crate::db::schema::networks::id.eq(&network_ref)),
        )
        .select(crate::db::schema::networks::id)
        .first(conn)
        .optional()?;
    if network_id.is_none() {
        checks.add("network", Code::NetworkNameUnknown);
    }
    let level = match get("level").to_lowercase().as_str() {
        "primary" | "basis" | "basisonderwijs" | "lager" | "lager onderwijs" => {
            Some(SchoolLevel::Primary)
        }
        "secondary" | "secundair" | "secundair onderwijs" => Some(SchoolLevel::Secondary),
        _ => {
            checks.add("level", Code::SchoolLevelValues);
            None
        }
    };
    let pupil_count = match get("pupil_count").as_str() {
        "" => 0,
        v => v.parse::<i32>().unwrap_or_else(|_| {
            checks.add("pupil_count", Code::WholeNumber);
            0
        }),
    };
    let mut pct = |col: &str| -> Option<f64> {
        match get(col).replace(',', ".").as_str() {
            "" => None,
            v => v
                .parse::<f64>()
                .map_err(|_| checks.add(col, Code::NumberZeroToHundred))
                .ok(),
        }
    };
    let ses = SesFigures {
        any: pct("ses_any"),
        home_language: pct("ses_home_language"),
        maternal_education: pct("ses_maternal_education"),
        school_allowance: pct("ses_school_allowance"),
        neighbourhood: pct("ses_neighbourhood"),
    };
    let preferred_presence = match get("preferred_presence").as_str() {
        "" => None,
        v => PresenceMode::parse(v).or_else(|| {
            checks.add("preferred_presence", Code::PresenceValues);
            None
        }),
    };
    let (Some(network_id), Some(level)) = (network_id, level) else {
        return Ok(None);
    };
    Ok(Some(NewSchool {
        network_id,
        name: get("name"),
        institution_number: get("institution_number"),
        level,
        address: Address {
            street: get("street"),
            postal_code: get("postal_code"),
            city: get("city"),
        },
        pupil_count,
        ses,
        wishes: SchoolWishes {
            preferred_presence,
            note: get("wishes_note"),
            ..SchoolWishes::default()
        },
        contact: SchoolContact {
            name: get("contact_name"),
            email: get("contact_email"),
            phone: get("contact_phone"),
        },
    }))
}

/// Imports schools from CSV: each good line creates or updates (by institution number), each bad
/// line is rejected with its reasons; all in one transaction, rolled back on a dry run. The file
/// may be `,` or `;` separated, UTF-8 (with or without BOM) or Windows-1252, with English or
/// Dutch headers.
pub fn import_csv(conn: &mut DbConn, body: &[u8], dry_run: bool) -> ApiResult<ImportReport> {
    let text = csv_in::decode(body);
    let delimiter = csv_in::delimiter(&text);
    csv_in::control_characters(&text, delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ApiError::field("body", crate::msg!(CsvNotCsv, reason = e)))?
        .clone();
    // Each header as the importer's own column name; an unknown one keeps its text, to be named.
    let columns: Vec<String> = headers
        .iter()
        .map(|h| match column_of(h) {
            Some(c) => c.to_string(),
            None => h.trim().to_lowercase(),
        })
        .collect();
    let mut header_checks = Checks::default();
    for c in REQUIRED_COLUMNS {
        let dutch = DUTCH_COLUMNS
            .iter()
            .find(|(en, _)| *en == c)
            .map(|(_, nl)| nl[0])
            .unwrap_or(c);
        header_checks.check(
            columns.iter().any(|h| h == c),
            c,
            crate::msg!(CsvColumnMissing, column = c, dutch = dutch),
        );
    }
    let known = crate::msg!(CsvColumnUnknown, known = CSV_COLUMNS.join(", "));
    for c in &columns {
        header_checks.check(CSV_COLUMNS.contains(&c.as_str()), c, known.clone());
    }
    header_checks.finish()?;
    let mut report = ImportReport {
        dry_run,
        created: 0,
        updated: 0,
        rejected: 0,
        lines: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| {
            ApiError::field(
                format!("line {line}"),
                crate::msg!(CsvMalformed, reason = e),
            )
        })?;
        let get = |col: &str| -> String {
            columns
                .iter()
                .position(|c| c == col)
                .and_then(|p| record.get(p))
                .unwrap_or_default()
                .to_string()
        };
        let number = get("institution_number");
        let mut checks = Checks::default();
        if !seen.insert(number.clone()) {
            checks.add("institution_number", Code::CsvNumberTwice);
        }
        let parsed = parse_record(conn, &get, &mut checks)?;
        if let Some(s) = &parsed {
            check_school(conn, s, &mut checks)?;
        }
        let school = match parsed {
            Some(s) if checks.0.is_empty() => s,
            _ => {
                report.rejected += 1;
                report.lines.push(ImportLine {
                    line,
                    institution_number: number,
                    action: ImportAction::Rejected,
                    errors: checks.0,
                    school_id: None,
                });
                continue;
            }
        };
        let (action, id) = match repo::find_by_institution_number(conn, &number)? {
            Some(existing) => {
                // The CSV has no columns for the wished weekdays and hours: keep the school's.
                let mut row = to_row(
                    existing.id.clone(),
                    &school,
                    existing.active,
                    existing.created_at,
                );
                row.wish_weekdays = existing.wish_weekdays.clone();
                row.wish_start_time = existing.wish_start_time;
                row.wish_end_time = existing.wish_end_time;
                repo::update(conn, &row)?;
                report.updated += 1;
                (ImportAction::Updated, existing.id)
            }
            None => {
                let id = Uuid::now_v7().to_string();
                repo::insert(conn, &to_row(id.clone(), &school, true, now()))?;
                report.created += 1;
                (ImportAction::Created, id)
            }
        };
        report.lines.push(ImportLine {
            line,
            institution_number: number,
            action,
            errors: vec![],
            school_id: Some(id),
        });
    }
    Ok(report)
}

#[utoipa::path(
    post, path = "/api/v1/schools/import", tag = "schools", operation_id = "import_schools",
    summary = "Import schools from CSV",
    description = "A CSV file with a header row, as Excel writes it in any locale: cells separated by `,` or `;` (read from the header line), UTF-8 with or without BOM or Windows-1252, headers in English or Dutch (matched case-insensitively: instellingsnummer, naam, netwerk, niveau, straat/adres, postcode, gemeente, leerlingen, ses_totaal, ses_thuistaal, ses_opleiding_moeder, ses_schooltoelage, ses_buurt, voorkeur_aanwezigheid, wensen, contactpersoon, contact_e-mail, contact_telefoon). Columns: institution_number, name, network (name or id), level (primary|secondary, or basisonderwijs|secundair onderwijs) are required; street, postal_code, city, pupil_count, ses_any, ses_home_language, ses_maternal_education, ses_school_allowance, ses_neighbourhood (0–100, `.` or `,` as decimal mark), preferred_presence (office_hours|consult|spoc), wishes_note, contact_name, contact_email, contact_phone are optional. A line whose institution number exists updates that school; otherwise it creates one. Bad lines are rejected with their reasons and the rest applied, in one transaction; with `dry_run=true` nothing changes. Roles: coordinator.",
    security(("bearer" = [])), params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file",
        example = "institution_number,name,network,level,pupil_count,ses_any\n012345,Basisschool De Luchtballon,Luchtbal,primary,240,78.5\n"),
    responses(
        (status = 200, description = "What happened per line", body = ImportReport),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/schools/import")]
pub async fn import_schools(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    req: HttpRequest,
    query: ApiQuery<ImportQuery>,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportReport>> {
    csv_in::require_csv(&req)?;
    let dry_run = query.dry_run;
    let report = state
        .db
        .run(move |conn| csv_in::run(conn, dry_run, |c| import_csv(c, &body, dry_run)))
        .await?;
    Ok(web::Json(report))
}
