//! Network meetings and what hangs on them: invitees with attendance, agenda items, action
//! points.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    action_points, agenda_items, meeting_invitees, meetings, networks, partners, schools, users,
};
use crate::domain::agenda::AgendaStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = meetings, treat_none_as_null = true)]
pub struct MeetingRow {
    pub id: String,
    pub network_id: String,
    pub title: String,
    pub meeting_date: NaiveDate,
    pub start_time: Option<NaiveTime>,
    pub place: String,
    pub minutes: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A meeting with its network's name.
pub type MeetingView = (MeetingRow, String);

#[derive(Debug, Default)]
pub struct MeetingFilter {
    pub network_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Meetings newest first (date, then id, descending); `after` is the last row's key.
pub fn list(
    conn: &mut DbConn,
    f: MeetingFilter,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> QueryResult<Vec<MeetingView>> {
    let mut q = meetings::table
        .inner_join(networks::table)
        .select((MeetingRow::as_select(), networks::name))
        .order((meetings::meeting_date.desc(), meetings::id.desc()))
        .into_boxed();
    if let Some(n) = f.network_id {
        q = q.filter(meetings::network_id.eq(n));
    }
    if let Some(d) = f.from {
        q = q.filter(meetings::meeting_date.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(meetings::meeting_date.le(d));
    }
    if let Some((d, id)) = after {
        q = q.filter(
            meetings::meeting_date
                .lt(d)
                .or(meetings::meeting_date.eq(d).and(meetings::id.lt(id))),
        );
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<MeetingView> {
    find_scoped(conn, id, None)
}

/// The meeting, if it is of `network` (when given); else not found.
pub fn find_scoped(conn: &mut DbConn, id: &str, network: Option<&str>) -> QueryResult<MeetingView> {
    let mut q = meetings::table
        .inner_join(networks::table)
        .filter(meetings::id.eq(id))
        .select((MeetingRow::as_select(), networks::name))
        .into_boxed();
    if let Some(n) = network {
        q = q.filter(meetings::network_id.eq(n.to_string()));
    }
    q.first(conn)
}

pub fn insert(conn: &mut DbConn, row: &MeetingRow) -> QueryResult<()> {
    diesel::insert_into(meetings::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConn, row: &MeetingRow) -> QueryResult<()> {
    diesel::update(meetings::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn touch(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(meetings::table.find(id))
        .set(meetings::updated_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

/// An invitee: (row id, school or partner id, name, attended, is a school).
#[derive(Debug, Clone)]
pub struct Invitee {
    pub id: String,
    pub school_id: Option<String>,
    pub partner_id: Option<String>,
    pub name: String,
    pub attended: Option<bool>,
}

pub fn invitees(conn: &mut DbConn, meeting_id: &str) -> QueryResult<Vec<Invitee>> {
    let s: Vec<(String, Option<String>, String, Option<bool>)> = meeting_invitees::table
        .inner_join(schools::table.on(meeting_invitees::school_id.eq(schools::id.nullable())))
        .filter(meeting_invitees::meeting_id.eq(meeting_id))
        .select((
            meeting_invitees::id,
            meeting_invitees::school_id,
            schools::name,
            meeting_invitees::attended,
        ))
        .order(schools::name)
        .load(conn)?;
    let p: Vec<(String, Option<String>, String, Option<bool>)> = meeting_invitees::table
        .inner_join(partners::table.on(meeting_invitees::partner_id.eq(partners::id.nullable())))
        .filter(meeting_invitees::meeting_id.eq(meeting_id))
        .select((
            meeting_invitees::id,
            meeting_invitees::partner_id,
            partners::name,
            meeting_invitees::attended,
        ))
        .order(partners::name)
        .load(conn)?;
    Ok(s.into_iter()
        .map(|(id, school, name, attended)| Invitee {
            id,
            school_id: school,
            partner_id: None,
            name,
            attended,
        })
        .chain(p.into_iter().map(|(id, partner, name, attended)| Invitee {
            id,
            school_id: None,
            partner_id: partner,
            name,
            attended,
        }))
        .collect())
}

/// Replaces the invitees, keeping the attendance of those still invited.
pub fn set_invitees(
    conn: &mut DbConn,
    meeting_id: &str,
    school_ids: &[String],
    partner_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(
        meeting_invitees::table
            .filter(meeting_invitees::meeting_id.eq(meeting_id))
            .filter(
                meeting_invitees::school_id
                    .is_not_null()
                    .and(meeting_invitees::school_id.ne_all(school_ids))
                    .or(meeting_invitees::partner_id
                        .is_not_null()
                        .and(meeting_invitees::partner_id.ne_all(partner_ids))),
            ),
    )
    .execute(conn)?;
    let present = invitees(conn, meeting_id)?;
    for s in school_ids {
        if !present.iter().any(|i| i.school_id.as_ref() == Some(s)) {
            diesel::insert_into(meeting_invitees::table)
                .values((
                    meeting_invitees::id.eq(uuid::Uuid::now_v7().to_string()),
                    meeting_invitees::meeting_id.eq(meeting_id),
                    meeting_invitees::school_id.eq(Some(s)),
                ))
                .execute(conn)?;
        }
    }
    for p in partner_ids {
        if !present.iter().any(|i| i.partner_id.as_ref() == Some(p)) {
            diesel::insert_into(meeting_invitees::table)
                .values((
                    meeting_invitees::id.eq(uuid::Uuid::now_v7().to_string()),
                    meeting_invitees::meeting_id.eq(meeting_id),
                    meeting_invitees::partner_id.eq(Some(p)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn set_attended(conn: &mut DbConn, invitee_id: &str, attended: bool) -> QueryResult<()> {
    diesel::update(meeting_invitees::table.find(invitee_id))
        .set(meeting_invitees::attended.eq(Some(attended)))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = agenda_items, treat_none_as_null = true)]
pub struct AgendaItemRow {
    pub id: String,
    pub meeting_id: String,
    pub position: i32,
    pub title: String,
    pub theme_code: Option<String>,
    pub description: String,
    pub school_id: Option<String>,
    pub author_id: String,
    pub created_at: NaiveDateTime,
    pub status: AgendaStatus,
    /// Why a worker or the coordinator sent it back; for the author and moderators only.
    pub return_reason: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// An agenda item with its author's name and its meeting's network.
pub type AgendaItemView = (AgendaItemRow, String, String);

/// One agenda item, with its author's name and its meeting's network. Who may see it in its
/// state is the caller's question (`domain::agenda::AgendaReach`).
pub fn find_agenda_item(conn: &mut DbConn, id: &str) -> QueryResult<AgendaItemView> {
    agenda_items::table
        .inner_join(users::table.on(users::id.eq(agenda_items::author_id)))
        .inner_join(meetings::table)
        .filter(agenda_items::id.eq(id))
        .select((
            AgendaItemRow::as_select(),
            users::display_name,
            meetings::network_id,
        ))
        .first(conn)
}

pub fn update_agenda_item(conn: &mut DbConn, row: &AgendaItemRow) -> QueryResult<()> {
    diesel::update(agenda_items::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Agenda items in order, with their author's name.
pub fn agenda(conn: &mut DbConn, meeting_id: &str) -> QueryResult<Vec<(AgendaItemRow, String)>> {
    agenda_items::table
        .inner_join(users::table.on(users::id.eq(agenda_items::author_id)))
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .order((agenda_items::position, agenda_items::id))
        .select((AgendaItemRow::as_select(), users::display_name))
        .load(conn)
}

/// Links an agenda item to the case it is about (never shown on the agenda).
pub fn link_agenda_item(conn: &mut DbConn, id: &str, case_id: &str) -> QueryResult<()> {
    diesel::update(agenda_items::table.find(id))
        .set(agenda_items::case_id.eq(Some(case_id)))
        .execute(conn)
        .map(|_| ())
}

/// The agenda items linked to a case, by meeting: `(meeting id, item ids)`.
pub fn agenda_items_of_case(
    conn: &mut DbConn,
    case_id: &str,
) -> QueryResult<Vec<(String, Vec<String>)>> {
    let rows: Vec<(String, String)> = agenda_items::table
        .filter(agenda_items::case_id.eq(case_id))
        .order((agenda_items::meeting_id, agenda_items::id))
        .select((agenda_items::meeting_id, agenda_items::id))
        .load(conn)?;
    Ok(super::grouped(rows).into_iter().collect())
}

pub fn next_position(conn: &mut DbConn, meeting_id: &str) -> QueryResult<i32> {
    let max: Option<i32> = agenda_items::table
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .select(diesel::dsl::max(agenda_items::position))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_agenda_item(conn: &mut DbConn, row: &AgendaItemRow) -> QueryResult<()> {
    diesel::insert_into(agenda_items::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = action_points, treat_none_as_null = true)]
pub struct ActionPointRow {
    pub id: String,
    pub meeting_id: String,
    pub description: String,
    pub owner: String,
    pub due_date: Option<NaiveDate>,
    pub done: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn action_points(conn: &mut DbConn, meeting_id: &str) -> QueryResult<Vec<ActionPointRow>> {
    action_points::table
        .filter(action_points::meeting_id.eq(meeting_id))
        .order((action_points::created_at, action_points::id))
        .select(ActionPointRow::as_select())
        .load(conn)
}

pub fn find_action_point(
    conn: &mut DbConn,
    meeting_id: &str,
    id: &str,
) -> QueryResult<ActionPointRow> {
    action_points::table
        .filter(action_points::meeting_id.eq(meeting_id))
        .filter(action_points::id.eq(id))
        .select(ActionPointRow::as_select())
        .first(conn)
}

pub fn insert_action_point(conn: &mut DbConn, row: &ActionPointRow) -> QueryResult<()> {
    diesel::insert_into(action_points::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_action_point(conn: &mut DbConn, row: &ActionPointRow) -> QueryResult<()> {
    diesel::update(action_points::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// The ids of a network's schools.
pub fn schools_of_network(conn: &mut DbConn, network_id: &str) -> QueryResult<Vec<String>> {
    schools::table
        .filter(schools::network_id.eq(network_id))
        .select(schools::id)
        .load(conn)
}
