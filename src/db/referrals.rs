//! Referrals, their themes and status history: rows and queries. Reads that serve a caller go
//! through a `CaseScope` (the referral's case), so a referral outside the caller's reach is
//! simply not found.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::cases::CaseScope;
use super::schema::{
    case_consents, cases, partners, referral_themes, referral_transitions, referrals, schools,
    services, users,
};
use crate::domain::case::ConsentKind;
use crate::domain::referral::{LegalBasis, ReferralStatus, ReferralUrgency};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = referrals, treat_none_as_null = true)]
pub struct ReferralRow {
    pub id: String,
    pub case_id: String,
    pub service_id: String,
    pub partner_id: String,
    pub message_for_partner: Option<String>,
    pub urgency: ReferralUrgency,
    pub follow_up_on: Option<NaiveDate>,
    pub status: ReferralStatus,
    pub consent_override_basis: Option<LegalBasis>,
    pub consent_override_reason: Option<String>,
    pub partner_contact_name: Option<String>,
    pub decline_reason: Option<String>,
    pub outcome: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub last_transition_at: NaiveDateTime,
    pub last_transition_on: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ReferralRow {
    pub fn status(&self) -> ReferralStatus {
        self.status
    }

    /// Sent, not answered or not finished by the partner, past its follow-up day, and nothing
    /// happened since that day. The same rule as the `overdue` filter of `list`.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        ReferralStatus::OPEN_AT_PARTNER.contains(&self.status())
            && self
                .follow_up_on
                .is_some_and(|f| f < today && self.last_transition_on <= f)
    }
}

/// A referral with the names its views show beside it.
#[derive(Debug, Clone, Queryable)]
pub struct ReferralListRow {
    pub referral: ReferralRow,
    pub service_name: String,
    pub partner_name: String,
    pub school_id: String,
    pub school_name: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = referral_transitions)]
pub struct TransitionRow {
    pub id: String,
    pub referral_id: String,
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    pub actor_id: String,
    pub at: NaiveDateTime,
    pub comment: Option<String>,
    /// A partner's step recorded by a worker of the case team.
    pub on_behalf_of_partner: bool,
}

#[derive(Debug, Default)]
pub struct ReferralFilter {
    pub case_id: Option<String>,
    pub status: Option<String>,
    pub partner_id: Option<String>,
    pub service_id: Option<String>,
    pub school_id: Option<String>,
    /// Only overdue referrals, as of this day.
    pub overdue_on: Option<NaiveDate>,
    /// Only referrals that were sent (the school's view, FHIR Tasks).
    pub sent_only: bool,
    /// Only referrals in one of these states (FHIR's `status` search, a list).
    pub status_in: Option<Vec<String>>,
    /// Only referrals changed at or after this instant (FHIR's `_lastUpdated=ge`).
    pub updated_from: Option<NaiveDateTime>,
    /// Only referrals changed before this instant (FHIR's `_lastUpdated=lt`).
    pub updated_before: Option<NaiveDateTime>,
}

/// Referrals joined to their case, school, service and partner, selected as `ReferralListRow`:
/// one query shape for the list and the single read, so both reach the same columns.
macro_rules! referral_rows {
    () => {
        referrals::table
            .inner_join(cases::table.on(cases::id.eq(referrals::case_id)))
            .inner_join(schools::table.on(schools::id.eq(cases::school_id)))
            .inner_join(services::table.on(services::id.eq(referrals::service_id)))
            .inner_join(partners::table.on(partners::id.eq(referrals::partner_id)))
            .select((
                ReferralRow::as_select(),
                services::name,
                partners::name,
                cases::school_id,
                schools::name,
            ))
    };
}

/// Restricts a boxed referral query (joined to `cases`) to a scope: a partner reaches the
/// referrals sent to its organisations (a draft, even a cancelled one, was never sent);
/// everyone else through the referral's case (`cases::scoped!`).
macro_rules! referral_scoped {
    ($q:expr, $scope:expr) => {{
        let q = $q;
        match $scope {
            CaseScope::Partner { partners } => q
                .filter(referrals::partner_id.eq_any(partners.clone()))
                .filter(referrals::sent_at.is_not_null()),
            other => super::cases::scoped!(q, other),
        }
    }};
}

/// Referrals newest first (`created_at`, then id, both descending); `after` is the last row's
/// key. `limit` of `None` loads everything (the referrals of one case).
pub fn list(
    conn: &mut DbConn,
    scope: &CaseScope,
    f: ReferralFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: Option<i64>,
) -> QueryResult<Vec<ReferralListRow>> {
    let mut q = referral_rows!()
        .order((referrals::created_at.desc(), referrals::id.desc()))
        .into_boxed();
    q = referral_scoped!(q, scope);
    if let Some(c) = f.case_id {
        q = q.filter(referrals::case_id.eq(c));
    }
    if let Some(s) = f.status {
        q = q.filter(referrals::status.eq(s));
    }
    if let Some(p) = f.partner_id {
        q = q.filter(referrals::partner_id.eq(p));
    }
    if let Some(s) = f.service_id {
        q = q.filter(referrals::service_id.eq(s));
    }
    if let Some(s) = f.school_id {
        q = q.filter(cases::school_id.eq(s));
    }
    if f.sent_only {
        q = q.filter(referrals::sent_at.is_not_null());
    }
    if let Some(list) = f.status_in {
        q = q.filter(referrals::status.eq_any(list));
    }
    if let Some(at) = f.updated_from {
        q = q.filter(referrals::updated_at.ge(at));
    }
    if let Some(at) = f.updated_before {
        q = q.filter(referrals::updated_at.lt(at));
    }
    if let Some(today) = f.overdue_on {
        let open: Vec<&str> = ReferralStatus::OPEN_AT_PARTNER
            .iter()
            .map(|s| s.as_str())
            .collect();
        q = q
            .filter(referrals::status.eq_any(open))
            .filter(referrals::follow_up_on.lt(today))
            .filter(
                referrals::last_transition_on
                    .nullable()
                    .le(referrals::follow_up_on),
            );
    }
    if let Some((at, id)) = after {
        q = q.filter(
            referrals::created_at
                .lt(at)
                .or(referrals::created_at.eq(at).and(referrals::id.lt(id))),
        );
    }
    match limit {
        Some(l) => super::paged::Paged::new(q, l + 1).load(conn),
        None => q.load(conn),
    }
}

/// The referral with this id, if the scope reaches its case.
pub fn find_scoped(conn: &mut DbConn, id: &str, scope: &CaseScope) -> QueryResult<ReferralListRow> {
    let mut q = referral_rows!()
        .filter(referrals::id.eq(id.to_string()))
        .into_boxed();
    if let CaseScope::SchoolRaised { .. } = scope {
        // Schools never read a referral by itself.
        return Err(diesel::result::Error::NotFound);
    }
    q = referral_scoped!(q, scope);
    q.first(conn)
}

pub fn insert(conn: &mut DbConn, row: &ReferralRow, themes: &[String]) -> QueryResult<()> {
    diesel::insert_into(referrals::table)
        .values(row)
        .execute(conn)?;
    set_themes(conn, &row.id, themes)
}

pub fn set_themes(conn: &mut DbConn, referral_id: &str, themes: &[String]) -> QueryResult<()> {
    diesel::delete(referral_themes::table.filter(referral_themes::referral_id.eq(referral_id)))
        .execute(conn)?;
    for t in themes {
        diesel::insert_into(referral_themes::table)
            .values((
                referral_themes::referral_id.eq(referral_id),
                referral_themes::theme_code.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Theme codes per referral, for a page of referrals in one query.
pub fn themes_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashMap<String, Vec<String>>> {
    let rows: Vec<(String, String)> = referral_themes::table
        .filter(referral_themes::referral_id.eq_any(ids))
        .order((referral_themes::referral_id, referral_themes::theme_code))
        .select((referral_themes::referral_id, referral_themes::theme_code))
        .load(conn)?;
    Ok(super::grouped(rows))
}

/// The status history, oldest first, with each actor's name.
pub fn history(conn: &mut DbConn, referral_id: &str) -> QueryResult<Vec<(TransitionRow, String)>> {
    referral_transitions::table
        .inner_join(users::table.on(users::id.eq(referral_transitions::actor_id)))
        .filter(referral_transitions::referral_id.eq(referral_id))
        .order((referral_transitions::at, referral_transitions::id))
        .select((TransitionRow::as_select(), users::display_name))
        .load(conn)
}

/// The status history with each actor's name and whether the actor is a partner account,
/// oldest first (the partner's view tells its own steps from the case team's).
pub fn history_with_sides(
    conn: &mut DbConn,
    referral_id: &str,
) -> QueryResult<Vec<(TransitionRow, String, bool)>> {
    referral_transitions::table
        .inner_join(users::table.on(users::id.eq(referral_transitions::actor_id)))
        .filter(referral_transitions::referral_id.eq(referral_id))
        .order((referral_transitions::at, referral_transitions::id))
        .select((
            TransitionRow::as_select(),
            users::display_name,
            users::partner_id.is_not_null(),
        ))
        .load(conn)
}

/// For each (case, partner) among `case_ids` with a live `refer_to_partner` consent at `at`:
/// whether a live one shares the family's contact data with the partner.
pub fn live_partner_consent_sharing(
    conn: &mut DbConn,
    case_ids: &[String],
    at: NaiveDateTime,
) -> QueryResult<HashMap<(String, String), bool>> {
    let rows: Vec<(String, Option<String>, bool)> = case_consents::table
        .filter(case_consents::case_id.eq_any(case_ids))
        .filter(case_consents::kind.eq(ConsentKind::ReferToPartner.as_str()))
        .filter(case_consents::given_at.le(at))
        .filter(
            case_consents::withdrawn_at
                .is_null()
                .or(case_consents::withdrawn_at.gt(at)),
        )
        .select((
            case_consents::case_id,
            case_consents::partner_id,
            case_consents::share_contact_with_partner,
        ))
        .load(conn)?;
    let mut out: HashMap<(String, String), bool> = HashMap::new();
    for (c, p, share) in rows {
        if let Some(p) = p {
            *out.entry((c, p)).or_insert(false) |= share;
        }
    }
    Ok(out)
}

/// Name and e-mail of each of these accounts (the referring workers).
pub fn worker_contacts(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<HashMap<String, (String, String)>> {
    let rows: Vec<(String, String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name, users::email))
        .load(conn)?;
    Ok(rows.into_iter().map(|(i, n, e)| (i, (n, e))).collect())
}

/// The family's contact data per case: name, phone, language, interpreter needed.
pub type FamilyContactRow = (Option<String>, Option<String>, Option<String>, Option<bool>);

pub fn family_contacts(
    conn: &mut DbConn,
    case_ids: &[String],
) -> QueryResult<HashMap<String, FamilyContactRow>> {
    let rows: Vec<(String, FamilyContactRow)> = cases::table
        .filter(cases::id.eq_any(case_ids))
        .select((
            cases::id,
            (
                cases::family_name,
                cases::family_phone,
                cases::family_language,
                cases::interpreter_needed,
            ),
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// (case, partner) pairs among `case_ids` with a live `refer_to_partner` consent at `at`.
pub fn live_partner_consents(
    conn: &mut DbConn,
    case_ids: &[String],
    at: NaiveDateTime,
) -> QueryResult<HashSet<(String, String)>> {
    let rows: Vec<(String, Option<String>)> = case_consents::table
        .filter(case_consents::case_id.eq_any(case_ids))
        .filter(case_consents::kind.eq(ConsentKind::ReferToPartner.as_str()))
        .filter(case_consents::given_at.le(at))
        .filter(
            case_consents::withdrawn_at
                .is_null()
                .or(case_consents::withdrawn_at.gt(at)),
        )
        .select((case_consents::case_id, case_consents::partner_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, p)| p.map(|p| (c, p)))
        .collect())
}

/// Whether the case has a referral that was sent at some point (whatever happened after).
pub fn case_has_sent_referral(conn: &mut DbConn, case_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        referrals::table
            .filter(referrals::case_id.eq(case_id))
            .filter(referrals::sent_at.is_not_null()),
    ))
    .get_result(conn)
}

/// One sent referral as the partner statistics need it.
#[derive(Debug, Clone, Queryable)]
pub struct StatRow {
    pub id: String,
    pub partner_id: String,
    pub partner_name: String,
    pub service_id: String,
    pub service_name: String,
    pub consent_override_basis: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
}

/// The states each referral ever reached, by referral id.
pub type ReachedStates = HashMap<String, HashSet<String>>;

/// Every referral sent in `[from, before)`, with the states it ever reached.
pub fn sent_for_stats(
    conn: &mut DbConn,
    scope: &crate::db::stats::StatScope,
) -> QueryResult<(Vec<StatRow>, ReachedStates)> {
    let (from, before) = (scope.from, scope.before);
    let mut q = referrals::table
        .inner_join(cases::table.on(cases::id.eq(referrals::case_id)))
        .inner_join(services::table.on(services::id.eq(referrals::service_id)))
        .inner_join(partners::table.on(partners::id.eq(referrals::partner_id)))
        .filter(referrals::sent_at.is_not_null())
        .select((
            referrals::id,
            referrals::partner_id,
            partners::name,
            referrals::service_id,
            services::name,
            referrals::consent_override_basis,
            referrals::sent_at,
            referrals::answered_at,
            referrals::completed_at,
        ))
        .order((partners::name, services::name, referrals::id))
        .into_boxed();
    if let Some(ids) = &scope.school_ids {
        q = q.filter(cases::school_id.eq_any(ids.clone()));
    }
    if let Some(p) = &scope.partner_ids {
        q = q.filter(referrals::partner_id.eq_any(p.clone()));
    }
    if let Some(n) = &scope.network_id {
        q = q.filter(
            cases::school_id.eq_any(
                schools::table
                    .filter(schools::network_id.eq(n.clone()))
                    .select(schools::id),
            ),
        );
    }
    if let Some(f) = from {
        q = q.filter(referrals::sent_at.ge(f));
    }
    if let Some(b) = before {
        q = q.filter(referrals::sent_at.lt(b));
    }
    let rows: Vec<StatRow> = q.load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut reached: HashMap<String, HashSet<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let t: Vec<(String, String)> = referral_transitions::table
            .filter(referral_transitions::referral_id.eq_any(chunk))
            .select((
                referral_transitions::referral_id,
                referral_transitions::to_status,
            ))
            .load(conn)?;
        for (id, s) in t {
            reached.entry(id).or_default().insert(s);
        }
    }
    Ok((rows, reached))
}

/// The why of each referral's current state: the comment of its latest transition into it, and
/// whether that step was the partner's (taken by a partner account or recorded on its behalf).
pub fn current_reasons(
    conn: &mut DbConn,
    rows: &[(String, ReferralStatus)],
) -> QueryResult<HashMap<String, (String, bool)>> {
    let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    let transitions: Vec<(
        String,
        ReferralStatus,
        Option<String>,
        crate::domain::Role,
        bool,
    )> = referral_transitions::table
        .inner_join(users::table.on(users::id.eq(referral_transitions::actor_id)))
        .filter(referral_transitions::referral_id.eq_any(ids))
        .order((
            referral_transitions::at.asc(),
            referral_transitions::id.asc(),
        ))
        .select((
            referral_transitions::referral_id,
            referral_transitions::to_status,
            referral_transitions::comment,
            users::role,
            referral_transitions::on_behalf_of_partner,
        ))
        .load(conn)?;
    let now: HashMap<&str, ReferralStatus> = rows.iter().map(|(id, s)| (id.as_str(), *s)).collect();
    let mut out = HashMap::new();
    for (id, to, comment, role, on_behalf) in transitions {
        if now.get(id.as_str()) == Some(&to) {
            let partner_side = on_behalf || role == crate::domain::Role::Partner;
            match comment {
                Some(c) => out.insert(id, (c, partner_side)),
                None => out.remove(&id),
            };
        }
    }
    Ok(out)
}
