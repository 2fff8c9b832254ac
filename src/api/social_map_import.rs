//! Importing a city's social map from one CSV file: partner organisations, their services
//! (themes, networks, eligibility) and the services' contact persons, one line per service or
//! contact person. Matched on natural keys, so importing the same file again changes nothing:
//! a partner by its name, a service by its partner and its name (both ignoring case, accents and
//! surrounding spaces). A dry run reports what would change and writes nothing.

use crate::i18n::{Code, Msg};
use std::collections::HashMap;

use actix_web::{HttpRequest, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{Checks, fold};
use crate::api::csv_in;
use crate::api::extract::ApiQuery;
use crate::api::partners::{NewPartner, check_partner};
use crate::api::schools::ImportQuery;
use crate::api::services::{ContactPerson, NewService, check_service};
use crate::auth::extractor::Allowed;
use crate::auth::policy::can;
use crate::db::partners::{self as partner_repo, PartnerRow};
use crate::db::services::{self as service_repo, ServiceView};
use crate::db::{DbConn, networks, now, themes};
use crate::domain::social_map::{Address, PartnerKind};
use crate::error::{ApiError, ApiResult, FieldError, flatten_validation_errors};
use crate::state::AppState;

/// The columns, by English name, with the Dutch headers a Belgian office writes (compared
/// lowercased and trimmed, with spaces and hyphens read as `_`).
const COLUMNS: [(&str, &[&str]); 20] = [
    (
        "partner",
        &[
            "organisatie",
            "partnerorganisatie",
            "organisation",
            "organization",
        ],
    ),
    ("partner_kind", &["soort", "soort_partner", "type", "kind"]),
    (
        "partner_description",
        &["beschrijving_partner", "partner_beschrijving"],
    ),
    ("partner_website", &["website", "partner_website"]),
    ("partner_phone", &["telefoon", "partner_telefoon"]),
    ("partner_email", &["e_mail", "email", "partner_e_mail"]),
    ("street", &["straat", "adres"]),
    ("postal_code", &["postcode"]),
    ("city", &["gemeente", "stad"]),
    ("service", &["dienst", "aanbod"]),
    (
        "service_description",
        &["beschrijving", "beschrijving_dienst", "dienst_beschrijving"],
    ),
    ("service_email", &["dienst_e_mail"]),
    ("service_url", &["dienst_website", "url"]),
    ("eligibility", &["doelgroep", "voorwaarden"]),
    ("themes", &["thema's", "themas", "thema"]),
    ("networks", &["netwerken", "netwerk"]),
    ("contact_name", &["contactpersoon", "contact_naam"]),
    ("contact_function", &["functie", "contact_functie"]),
    ("contact_phone", &["contact_telefoon"]),
    ("contact_email", &["contact_e_mail"]),
];

const SERVICE_COLUMNS: [&str; 6] = [
    "service_description",
    "service_email",
    "service_url",
    "eligibility",
    "themes",
    "networks",
];

const CONTACT_COLUMNS: [&str; 4] = [
    "contact_name",
    "contact_function",
    "contact_phone",
    "contact_email",
];

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SocialMapAction {
    Created,
    Updated,
    /// The file says what is stored already: nothing was written.
    Unchanged,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SocialMapLineAction {
    /// Taken into its partner and service (see `partners` and `services` for what changed).
    Applied,
    Rejected,
}

/// What happened to one line of the file.
#[derive(Debug, Serialize, ToSchema)]
pub struct SocialMapImportLine {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    pub partner: String,
    pub service: String,
    pub action: SocialMapLineAction,
    /// Why the line was rejected: each names its column (`field`) and says what was expected.
    pub errors: Vec<FieldError>,
}

/// A partner or service the file names, and what the import did with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SocialMapImportItem {
    /// The first line that names it.
    pub line: u64,
    /// For a service: its partner's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    pub name: String,
    pub action: SocialMapAction,
    /// Its id (on a dry run, the id a new one would have had).
    #[schema(format = Uuid, read_only)]
    pub id: String,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SocialMapImportCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SocialMapImportReport {
    /// When true, nothing was changed.
    pub dry_run: bool,
    pub partners: SocialMapImportCounts,
    pub services: SocialMapImportCounts,
    /// Lines rejected (nothing of them was taken).
    pub rejected: usize,
    pub lines: Vec<SocialMapImportLine>,
    pub partner_items: Vec<SocialMapImportItem>,
    pub service_items: Vec<SocialMapImportItem>,
}

/// A partner as the file wants it.
struct PartnerDraft {
    line: u64,
    existing: Option<PartnerRow>,
    p: NewPartner,
}

/// A service as the file wants it (its partner by natural key).
struct ServiceDraft {
    line: u64,
    partner_key: String,
    existing: Option<ServiceView>,
    s: NewService,
}

/// The natural key of a name: case, accents and surrounding or repeated spaces ignored.
fn key(name: &str) -> String {
    fold(name).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A name as stored: trimmed, with single spaces.
fn single_spaced(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn partner_kind(v: &str) -> Option<PartnerKind> {
    let v = key(v).replace(['-', '_'], " ");
    Some(match v.as_str() {
        "ocmw" | "ocmw dienst" | "sociaal huis" => PartnerKind::Ocmw,
        "city" | "stad" | "stedelijke dienst" | "stadsdienst" => PartnerKind::City,
        "caw" => PartnerKind::Caw,
        "child and family" | "kind en gezin" | "kind & gezin" | "huis van het kind" => {
            PartnerKind::ChildAndFamily
        }
        "ckg" => PartnerKind::Ckg,
        "clb" => PartnerKind::Clb,
        "ngo" | "vzw" => PartnerKind::Ngo,
        "other" | "andere" | "ander" => PartnerKind::Other,
        _ => return None,
    })
}

/// The pieces of a list cell: separated by `|` or a line break (Alt+Enter in Excel).
fn pieces(v: &str) -> Vec<String> {
    v.split(['|', '\n'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Theme codes from codes or labels (Dutch or English), also separated by `,`.
fn resolve_themes(
    cell: &str,
    known: &[(String, String, String)],
    checks: &mut Checks,
) -> Vec<String> {
    let mut out = Vec::new();
    for piece in pieces(cell).iter().flat_map(|p| {
        p.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    }) {
        let k = key(&piece);
        match known
            .iter()
            .find(|(code, nl, en)| *code == piece || key(nl) == k || key(en) == k)
        {
            Some((code, ..)) => {
                if !out.contains(code) {
                    out.push(code.clone());
                }
            }
            None => checks.add(
                "themes",
                Msg::new(Code::ThemeUnknownInImport).arg("value", piece),
            ),
        }
    }
    out
}

/// Network ids from names or ids, separated by `|` or line breaks; a piece that names no
/// network is read as a `,`-separated list (a network's own name may hold a comma).
fn resolve_networks(cell: &str, known: &[(String, String)], checks: &mut Checks) -> Vec<String> {
    let find = |name: &str| {
        let k = key(name);
        known
            .iter()
            .find(|(id, n)| id == name || key(n) == k)
            .map(|(id, _)| id.clone())
    };
    let mut out: Vec<String> = Vec::new();
    for piece in pieces(cell) {
        let found: Vec<Option<String>> = match find(&piece) {
            Some(id) => vec![Some(id)],
            None if piece.contains(',') => piece
                .split(',')
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| {
                    find(s).or_else(|| {
                        checks.add(
                            "networks",
                            Msg::new(Code::NetworkUnknownInImport).arg("value", s),
                        );
                        None
                    })
                })
                .collect(),
            None => {
                checks.add(
                    "networks",
                    Msg::new(Code::NetworkUnknownInImport).arg("value", piece),
                );
                vec![]
            }
        };
        for id in found.into_iter().flatten() {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// The import's column for a field of a partner or service write.
fn column_for(field: &str, service: bool) -> String {
    let head = field.split(['.', '[']).next().unwrap_or(field);
    let col = match (service, head) {
        (false, "name") => "partner",
        (false, "kind") => "partner_kind",
        (false, "description") => "partner_description",
        (false, "website") => "partner_website",
        (false, "phone") => "partner_phone",
        (false, "email") => "partner_email",
        (false, "address") => match field.rsplit('.').next() {
            Some("street") => "street",
            Some("postal_code") => "postal_code",
            _ => "city",
        },
        (true, "name") => "service",
        (true, "description") => "service_description",
        (true, "email") => "service_email",
        (true, "url") => "service_url",
        (true, "contacts") => match field.rsplit('.').next() {
            Some("function") => "contact_function",
            Some("phone") => "contact_phone",
            Some("email") => "contact_email",
            _ => "contact_name",
        },
        (_, other) => other,
    };
    col.to_string()
}

fn relabel(errors: Vec<FieldError>, service: bool) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.field = column_for(&e.field, service);
            e
        })
        .collect()
}

fn same_partner(a: &PartnerRow, b: &PartnerRow) -> bool {
    (
        &a.name,
        &a.kind,
        &a.description,
        &a.website,
        &a.phone,
        &a.email,
        &a.street,
        &a.postal_code,
        &a.city,
    ) == (
        &b.name,
        &b.kind,
        &b.description,
        &b.website,
        &b.phone,
        &b.email,
        &b.street,
        &b.postal_code,
        &b.city,
    )
}

/// Whether storing `s` would change the service `v` (compared as `services::store` writes it).
fn same_service(v: &ServiceView, s: &NewService) -> bool {
    let r = &v.service;
    let mut themes: Vec<&String> = s.themes.iter().collect();
    themes.sort();
    let mut had_themes: Vec<&String> = v.themes.iter().map(|t| &t.code).collect();
    had_themes.sort();
    let mut networks: Vec<&String> = s.networks.iter().collect();
    networks.sort();
    let mut had_networks: Vec<&String> = v.networks.iter().map(|n| &n.id).collect();
    had_networks.sort();
    let contacts: Vec<(String, String, String, String)> = s
        .contacts
        .iter()
        .map(|c| {
            (
                c.name.trim().to_string(),
                c.function.trim().to_string(),
                c.phone.trim().to_string(),
                c.email.trim().to_lowercase(),
            )
        })
        .collect();
    let had_contacts: Vec<(String, String, String, String)> = v
        .contacts
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.function.clone(),
                c.phone.clone(),
                c.email.clone(),
            )
        })
        .collect();
    r.partner_id == s.partner_id
        && r.name == s.name.trim()
        && r.description == s.description
        && r.eligibility == s.eligibility
        && r.email == s.email.trim().to_lowercase()
        && r.url == s.url.trim()
        && themes == had_themes
        && networks == had_networks
        && contacts == had_contacts
}

/// Imports the social map from CSV (see the endpoint's description), in the caller's
/// transaction.
pub fn import_csv(
    conn: &mut DbConn,
    body: &[u8],
    dry_run: bool,
) -> ApiResult<SocialMapImportReport> {
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
        .map_err(|e| ApiError::field("body", Msg::new(Code::CsvNotCsv).arg("reason", e)))?
        .clone();
    let columns: Vec<String> = headers
        .iter()
        .map(|h| match csv_in::column_of(h, &COLUMNS) {
            Some(c) => c.to_string(),
            None => h.trim().to_string(),
        })
        .collect();
    let mut header_checks = Checks::default();
    header_checks.check(
        columns.iter().any(|c| c == "partner"),
        "partner",
        Code::CsvPartnerColumnMissing,
    );
    let expected =
        Msg::new(Code::CsvColumnUnknown).arg("known", COLUMNS.map(|(c, _)| c).join(", "));
    for (i, c) in columns.iter().enumerate() {
        header_checks.check(
            COLUMNS.iter().any(|(en, _)| en == c),
            &format!("column {}", i + 1),
            Msg::new(Code::CsvColumnNotExpected)
                .arg("column", c)
                .arg_msg("expected", expected.clone()),
        );
        if columns[..i].contains(c) {
            header_checks.add(c, Code::CsvColumnTwice);
        }
    }
    header_checks.finish()?;
    let has = |col: &str| columns.iter().any(|c| c == col);

    let known_themes: Vec<(String, String, String)> = themes::list(conn, None, None, 10_000)?
        .into_iter()
        .map(|t| (t.code, t.label_nl, t.label_en))
        .collect();
    let known_networks: Vec<(String, String)> = networks::list(conn, None, None, 10_000)?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect();
    let mut stored_partners: HashMap<String, PartnerRow> = HashMap::new();
    for p in partner_repo::all(conn)? {
        // Two stored partners with the same name: the first by name and id is the one matched.
        stored_partners.entry(key(&p.name)).or_insert(p);
    }

    let mut partners: Vec<(String, PartnerDraft)> = Vec::new();
    let mut services: Vec<(String, ServiceDraft)> = Vec::new();
    let mut lines = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| {
            ApiError::field(
                format!("line {line}"),
                Msg::new(Code::CsvLineMalformed).arg("reason", e),
            )
        })?;
        let get = |col: &str| -> Option<String> {
            columns
                .iter()
                .position(|c| c == col)
                .and_then(|p| record.get(p))
                .map(str::to_string)
        };
        let cell = |col: &str| get(col).unwrap_or_default();
        let partner_name = cell("partner");
        let service_name = cell("service");
        let mut checks = Checks::default();
        let outcome = take_line(
            conn,
            line,
            &get,
            &has,
            &known_themes,
            &known_networks,
            &stored_partners,
            &partners,
            &services,
            &mut checks,
        )?;
        let rejected = !checks.0.is_empty() || outcome.is_none();
        if let (false, Some((p, s))) = (rejected, outcome) {
            if let Some((k, draft)) = p {
                partners.push((k, draft));
            }
            match s {
                Some(Taken::New(k, draft)) => services.push((k, *draft)),
                Some(Taken::Contact(k, contact)) => {
                    if let Some((_, d)) = services.iter_mut().find(|(sk, _)| *sk == k) {
                        d.s.contacts.push(contact);
                    }
                }
                None => {}
            }
        }
        lines.push(SocialMapImportLine {
            line,
            partner: partner_name,
            service: service_name,
            action: if rejected {
                SocialMapLineAction::Rejected
            } else {
                SocialMapLineAction::Applied
            },
            errors: checks.0,
        });
    }

    // Apply: partners first (services name them), each written only when it changes.
    let mut report = SocialMapImportReport {
        dry_run,
        partners: SocialMapImportCounts::default(),
        services: SocialMapImportCounts::default(),
        rejected: lines
            .iter()
            .filter(|l| l.action == SocialMapLineAction::Rejected)
            .count(),
        lines,
        partner_items: Vec::new(),
        service_items: Vec::new(),
    };
    let mut partner_ids: HashMap<String, String> = HashMap::new();
    for (k, d) in &partners {
        let (action, id) = match &d.existing {
            Some(row) => {
                let new_row =
                    crate::api::partners::to_row(row.id.clone(), &d.p, row.active, row.created_at);
                if same_partner(row, &new_row) {
                    (SocialMapAction::Unchanged, row.id.clone())
                } else {
                    partner_repo::update(conn, &new_row)?;
                    (SocialMapAction::Updated, row.id.clone())
                }
            }
            None => {
                let id = Uuid::now_v7().to_string();
                partner_repo::insert(
                    conn,
                    &crate::api::partners::to_row(id.clone(), &d.p, true, now()),
                )?;
                (SocialMapAction::Created, id)
            }
        };
        count(&mut report.partners, action);
        partner_ids.insert(k.clone(), id.clone());
        report.partner_items.push(SocialMapImportItem {
            line: d.line,
            partner: None,
            name: d.p.name.trim().to_string(),
            action,
            id,
        });
    }
    for (_, d) in &mut services {
        let partner_id = partner_ids
            .get(&d.partner_key)
            .cloned()
            .ok_or_else(|| ApiError::internal("a service's partner was not applied"))?;
        d.s.partner_id = partner_id;
        let (action, id) = match &d.existing {
            Some(v) if same_service(v, &d.s) => (SocialMapAction::Unchanged, v.service.id.clone()),
            Some(v) => {
                crate::api::services::store(
                    conn,
                    &v.service.id,
                    &d.s,
                    v.service.active,
                    Some(v.service.created_at),
                )?;
                (SocialMapAction::Updated, v.service.id.clone())
            }
            None => {
                let id = Uuid::now_v7().to_string();
                crate::api::services::store(conn, &id, &d.s, true, None)?;
                (SocialMapAction::Created, id)
            }
        };
        count(&mut report.services, action);
        let partner = partners
            .iter()
            .find(|(k, _)| *k == d.partner_key)
            .map(|(_, p)| p.p.name.trim().to_string());
        report.service_items.push(SocialMapImportItem {
            line: d.line,
            partner,
            name: d.s.name.trim().to_string(),
            action,
            id,
        });
    }
    Ok(report)
}

fn count(c: &mut SocialMapImportCounts, a: SocialMapAction) {
    match a {
        SocialMapAction::Created => c.created += 1,
        SocialMapAction::Updated => c.updated += 1,
        SocialMapAction::Unchanged => c.unchanged += 1,
    }
}

/// What a good line adds to the service drafts.
enum Taken {
    /// The first line of a service.
    New(String, Box<ServiceDraft>),
    /// A further contact person of a service named by an earlier line.
    Contact(String, ContactPerson),
}

type LineTaken = (Option<(String, PartnerDraft)>, Option<Taken>);

/// Reads one line against the drafts of the lines before it; its errors go into `checks`.
/// `None` when the line cannot be read at all.
#[allow(clippy::too_many_arguments)]
fn take_line(
    conn: &mut DbConn,
    line: u64,
    get: &dyn Fn(&str) -> Option<String>,
    has: &dyn Fn(&str) -> bool,
    known_themes: &[(String, String, String)],
    known_networks: &[(String, String)],
    stored: &HashMap<String, PartnerRow>,
    partners: &[(String, PartnerDraft)],
    services: &[(String, ServiceDraft)],
    checks: &mut Checks,
) -> ApiResult<Option<LineTaken>> {
    let cell = |col: &str| get(col).unwrap_or_default();
    let partner_name = cell("partner");
    if partner_name.is_empty() {
        checks.add("partner", Code::PartnerNameRequired);
        return Ok(None);
    }
    let pk = key(&partner_name);

    // The partner: the first good line that names it says what it is; later lines may leave
    // its cells empty or repeat them, but not contradict them.
    let mut new_partner = None;
    if let Some((_, draft)) = partners.iter().find(|(k, _)| *k == pk) {
        let p = &draft.p;
        let said: [(&str, String); 8] = [
            ("partner_kind", p.kind.as_str().to_string()),
            ("partner_description", p.description.clone()),
            ("partner_website", p.website.clone()),
            ("partner_phone", p.phone.clone()),
            ("partner_email", p.email.clone()),
            ("street", p.address.street.clone()),
            ("postal_code", p.address.postal_code.clone()),
            ("city", p.address.city.clone()),
        ];
        for (col, first) in said {
            let v = cell(col);
            let same = match col {
                "partner_kind" => partner_kind(&v).is_some_and(|k| k.as_str() == first),
                "partner_email" => v.to_lowercase() == first.to_lowercase(),
                _ => v == first,
            };
            if !v.is_empty() && !same {
                checks.add(
                    col,
                    Msg::new(Code::DiffersForPartner)
                        .arg("line", draft.line)
                        .arg("first", first),
                );
            }
        }
    } else {
        let existing = stored.get(&pk).cloned();
        let current = existing
            .as_ref()
            .map(|r| crate::api::partners::Partner::from(r.clone()));
        let pick = |col: &str, had: Option<String>| match get(col) {
            Some(v) => v,
            None => had.unwrap_or_default(),
        };
        let kind = match get("partner_kind").filter(|v| !v.is_empty()) {
            Some(v) => partner_kind(&v).unwrap_or_else(|| {
                checks.add(
                    "partner_kind",
                    Msg::new(Code::PartnerKindUnknown).arg("value", &v),
                );
                PartnerKind::Other
            }),
            None => current.as_ref().map_or(PartnerKind::Other, |c| c.kind),
        };
        let p = NewPartner {
            name: single_spaced(&partner_name),
            parent_id: current.as_ref().and_then(|c| c.parent_id.clone()),
            kind,
            description: pick(
                "partner_description",
                current.as_ref().map(|c| c.description.clone()),
            ),
            website: pick(
                "partner_website",
                current.as_ref().map(|c| c.website.clone()),
            ),
            phone: pick("partner_phone", current.as_ref().map(|c| c.phone.clone())),
            email: pick("partner_email", current.as_ref().map(|c| c.email.clone())),
            address: Address {
                street: pick("street", current.as_ref().map(|c| c.address.street.clone())),
                postal_code: pick(
                    "postal_code",
                    current.as_ref().map(|c| c.address.postal_code.clone()),
                ),
                city: pick("city", current.as_ref().map(|c| c.address.city.clone())),
            },
        };
        if let Err(e) = p.validate() {
            checks
                .0
                .extend(relabel(flatten_validation_errors(&e), false));
        }
        let mut partner_checks = Checks::default();
        check_partner(
            conn,
            existing.as_ref().map(|r| r.id.as_str()),
            &p,
            &mut partner_checks,
        )?;
        checks.0.extend(relabel(partner_checks.0, false));
        new_partner = Some((pk.clone(), PartnerDraft { line, existing, p }));
    }

    // The service, and the line's contact person.
    let service_name = cell("service");
    let contact = ContactPerson {
        name: cell("contact_name"),
        function: cell("contact_function"),
        phone: cell("contact_phone"),
        email: cell("contact_email"),
    };
    let contact_given = CONTACT_COLUMNS.iter().any(|c| !cell(c).is_empty());
    if service_name.is_empty() {
        for col in SERVICE_COLUMNS.iter().chain(&CONTACT_COLUMNS) {
            if !cell(col).is_empty() {
                checks.add(col, Code::BelongsToService);
            }
        }
        return Ok(Some((new_partner, None)));
    }
    if contact_given && contact.name.is_empty() {
        checks.add("contact_name", Code::ContactNameRequired);
    }
    let sk = format!("{pk}\u{0}{}", key(&service_name));
    if let Some((_, draft)) = services.iter().find(|(k, _)| *k == sk) {
        // A further line of a service: it adds a contact person; its other cells are empty
        // or repeat the first line's.
        let s = &draft.s;
        for (col, first) in [
            ("service_description", s.description.clone()),
            ("service_email", s.email.clone()),
            ("service_url", s.url.clone()),
            ("eligibility", s.eligibility.clone()),
        ] {
            let v = cell(col);
            if !v.is_empty() && v != first {
                checks.add(
                    col,
                    Msg::new(Code::DiffersForService).arg("line", draft.line),
                );
            }
        }
        for col in ["themes", "networks"] {
            let v = cell(col);
            let mut list_checks = Checks::default();
            let (now_list, first) = if col == "themes" {
                (
                    resolve_themes(&v, known_themes, &mut list_checks),
                    &s.themes,
                )
            } else {
                (
                    resolve_networks(&v, known_networks, &mut list_checks),
                    &s.networks,
                )
            };
            let mut a = now_list.clone();
            a.sort();
            let mut b = first.clone();
            b.sort();
            if !v.is_empty() && (a != b || !list_checks.0.is_empty()) {
                checks.add(
                    col,
                    Msg::new(Code::DiffersForService).arg("line", draft.line),
                );
            }
        }
        if contact.name.is_empty() {
            return Ok(Some((new_partner, None)));
        }
        if s.contacts.len() >= 20 {
            checks.add("contact_name", Code::ContactsAtMost);
        }
        if let Err(e) = contact.validate() {
            let errors = flatten_validation_errors(&e)
                .into_iter()
                .map(|mut e| {
                    e.field = column_for(&format!("contacts[0].{}", e.field), true);
                    e
                })
                .collect::<Vec<_>>();
            checks.0.extend(errors);
        }
        crate::usecases::contact::check_email(checks, "contact_email", &contact.email);
        return Ok(Some((new_partner, Some(Taken::Contact(sk, contact)))));
    }

    // The first line of a service: found among the partner's stored services by name, or new.
    let partner_id = new_partner
        .as_ref()
        .map(|(_, d)| d.existing.as_ref().map(|r| r.id.clone()))
        .unwrap_or_else(|| {
            partners
                .iter()
                .find(|(k, _)| *k == pk)
                .and_then(|(_, d)| d.existing.as_ref().map(|r| r.id.clone()))
        });
    let existing = match &partner_id {
        Some(id) => {
            let filter = crate::db::services::ServiceFilter {
                partner_id: Some(id.clone()),
                ..Default::default()
            };
            let found = service_repo::candidates(conn, &filter)?
                .into_iter()
                .filter(|(s, _)| key(&s.name) == key(&service_name))
                .min_by(|a, b| a.0.id.cmp(&b.0.id));
            match found {
                Some(row) => Some(service_repo::views(conn, vec![row])?.remove(0)),
                None => None,
            }
        }
        None => None,
    };
    let current = existing
        .as_ref()
        .map(|v| crate::api::services::Service::from(v.clone()));
    let pick = |col: &str, had: Option<String>| match get(col) {
        Some(v) => v,
        None => had.unwrap_or_default(),
    };
    let themes = if has("themes") {
        resolve_themes(&cell("themes"), known_themes, checks)
    } else {
        current
            .as_ref()
            .map(|c| c.themes.iter().map(|t| t.code.clone()).collect())
            .unwrap_or_default()
    };
    let networks = if has("networks") {
        resolve_networks(&cell("networks"), known_networks, checks)
    } else {
        current
            .as_ref()
            .map(|c| c.networks.iter().map(|n| n.id.clone()).collect())
            .unwrap_or_default()
    };
    let contacts = if CONTACT_COLUMNS.iter().any(|c| has(c)) {
        if contact.name.is_empty() {
            vec![]
        } else {
            vec![contact]
        }
    } else {
        current
            .as_ref()
            .map(|c| c.contacts.clone())
            .unwrap_or_default()
    };
    let s = NewService {
        // Checked against a partner that exists; a new partner's id comes when it is written.
        partner_id: partner_id.unwrap_or_default(),
        name: single_spaced(&service_name),
        description: pick(
            "service_description",
            current.as_ref().map(|c| c.description.clone()),
        ),
        email: pick("service_email", current.as_ref().map(|c| c.email.clone())),
        url: pick("service_url", current.as_ref().map(|c| c.url.clone())),
        eligibility: pick(
            "eligibility",
            current.as_ref().map(|c| c.eligibility.clone()),
        ),
        themes,
        networks,
        contacts,
    };
    if let Err(e) = s.validate() {
        checks
            .0
            .extend(relabel(flatten_validation_errors(&e), true));
    }
    let mut service_checks = Checks::default();
    check_service(conn, &s, existing.as_ref(), &mut service_checks)?;
    checks.0.extend(
        relabel(service_checks.0, true)
            .into_iter()
            .filter(|e| e.field != "partner_id"),
    );
    Ok(Some((
        new_partner,
        Some(Taken::New(
            sk,
            Box::new(ServiceDraft {
                line,
                partner_key: pk,
                existing,
                s,
            }),
        )),
    )))
}

#[utoipa::path(
    post, path = "/api/v1/social-map/import", tag = "partners", operation_id = "import_social_map",
    summary = "Import a social map from CSV",
    description = "Loads a city's social map in one call: partner organisations, their services (themes, networks, \
eligibility) and the services' contact persons, from one CSV file with a header row, as Excel writes it in any locale: \
cells separated by `,` or `;` (read from the header line), UTF-8 with or without BOM or Windows-1252, headers in English \
or Dutch (any case).\n\n\
One line per service, or per contact person of a service (repeat the partner and service on the next line with the next \
contact person); a line without `service` names only the partner. Columns (Dutch headers in brackets): `partner` \
(organisatie, required), `partner_kind` (soort: ocmw, city/stad, caw, child_and_family/kind en gezin, ckg, clb, \
ngo/vzw, other/andere; `other` for a new partner when left out), `partner_description` (beschrijving_partner), \
`partner_website` (website), `partner_phone` (telefoon), `partner_email` (e-mail), `street` (straat, adres), \
`postal_code` (postcode), `city` (gemeente, stad), `service` (dienst), `service_description` (beschrijving), \
`service_email` (dienst_e-mail), `service_url` (dienst_website), `eligibility` (doelgroep, voorwaarden), `themes` \
(thema's: codes or Dutch or English labels, separated by `|` or `,`), `networks` (netwerken: names or ids, separated by \
`|` or a line break), `contact_name` (contactpersoon), `contact_function` (functie), `contact_phone` \
(contact_telefoon), `contact_email` (contact_e-mail).\n\n\
**Matching, so a second import updates rather than duplicates**: a partner is the stored partner with the same name, \
a service the partner's stored service with the same name (both ignoring case, accents and extra spaces). A column in \
the file replaces what is stored (an empty cell empties it; `themes`, `networks` and the contact persons replace the \
whole list); a column left out of the file keeps what is stored. A partner or service whose cells say what is stored \
already is `unchanged` and not written (its ETag stays). Nothing is deleted or deactivated: a partner or service \
missing from the file stays as it is.\n\n\
Each line is taken whole or rejected with its reasons: each error names its column (`field`) and says what was \
expected, and the line its number (the header is line 1). Later lines of the same partner or service may leave its \
cells empty or repeat them; a different value is an error. The good lines are applied in one transaction; with \
`dry_run=true` nothing changes and the answer says what would. Roles: coordinator.",
    security(("bearer" = [])), params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file",
        example = "organisatie;soort;dienst;thema's;netwerken;contactpersoon;contact_e-mail\nVzw Ondersteuning Gezinnen – Sint-Amandsberg;vzw;Gezinsondersteuning aan huis;Opvoeding|Huisvesting;Luchtbal;An De Smet;an@ondersteuning.example\n"),
    responses(
        (status = 200, description = "What happened per line, partner and service", body = SocialMapImportReport),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/social-map/import")]
pub async fn import_social_map(
    state: web::Data<AppState>,
    _: Allowed<can::WriteSocialMap>,
    req: HttpRequest,
    query: ApiQuery<ImportQuery>,
    body: web::Bytes,
) -> ApiResult<web::Json<SocialMapImportReport>> {
    csv_in::require_csv(&req)?;
    let dry_run = query.dry_run;
    let report = state
        .db
        .run(move |conn| csv_in::run(conn, dry_run, |c| import_csv(c, &body, dry_run)))
        .await?;
    Ok(web::Json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_case_accents_and_spaces() {
        assert_eq!(
            key("  Vzw  Ondersteuning Gezinnen "),
            key("vzw ondersteuning gezinnen")
        );
        assert_eq!(key("Café"), key("cafe"));
        assert_eq!(
            partner_kind("Kind en Gezin"),
            Some(PartnerKind::ChildAndFamily)
        );
        assert_eq!(partner_kind("VZW"), Some(PartnerKind::Ngo));
        assert_eq!(partner_kind("bakkerij"), None);
    }

    #[test]
    fn a_network_name_with_a_comma_is_one_network() {
        let known = vec![
            (
                "n1".to_string(),
                "Deurne-Zuid, Borgerhout Extra-Muros, Berchem".to_string(),
            ),
            ("n2".to_string(), "Luchtbal".to_string()),
        ];
        let mut checks = Checks::default();
        assert_eq!(
            resolve_networks(
                "Deurne-Zuid, Borgerhout Extra-Muros, Berchem|luchtbal",
                &known,
                &mut checks
            ),
            ["n1", "n2"]
        );
        assert_eq!(
            resolve_networks("Luchtbal, Merksem", &known, &mut checks),
            ["n2"]
        );
        assert_eq!(checks.0.len(), 1, "{:?}", checks.0);
        assert_eq!(checks.0[0].field, "networks");
    }
}
