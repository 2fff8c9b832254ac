//! The message thread of a referral, between its case team and its partner's accounts: rows
//! and queries. Callers reach a thread only through a referral they reach (`referrals::
//! find_scoped`), so the scope is the referral's.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{referral_messages, users};

/// Who wrote a message: the case team (a social worker) or the partner (a partner account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    CaseTeam,
    Partner,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::CaseTeam => "case_team",
            Side::Partner => "partner",
        }
    }
    pub fn parse(s: &str) -> Side {
        if s == "partner" {
            Side::Partner
        } else {
            Side::CaseTeam
        }
    }
    /// The other side: the one that reads what this one writes.
    pub fn other(self) -> Side {
        match self {
            Side::CaseTeam => Side::Partner,
            Side::Partner => Side::CaseTeam,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = referral_messages, treat_none_as_null = true)]
pub struct MessageRow {
    pub id: String,
    pub referral_id: String,
    pub author_id: String,
    pub side: String,
    pub body: String,
    pub at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &MessageRow) -> QueryResult<()> {
    diesel::insert_into(referral_messages::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The thread, oldest first, with each author's name.
pub fn thread(conn: &mut DbConn, referral_id: &str) -> QueryResult<Vec<(MessageRow, String)>> {
    referral_messages::table
        .inner_join(users::table.on(users::id.eq(referral_messages::author_id)))
        .filter(referral_messages::referral_id.eq(referral_id))
        .order((referral_messages::at, referral_messages::id))
        .select((MessageRow::as_select(), users::display_name))
        .load(conn)
}

/// Every message of a case's referrals, oldest first, with each author's name.
pub fn of_case(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<(MessageRow, String)>> {
    use super::schema::referrals;
    referral_messages::table
        .inner_join(users::table.on(users::id.eq(referral_messages::author_id)))
        .filter(
            referral_messages::referral_id.eq_any(
                referrals::table
                    .filter(referrals::case_id.eq(case_id.to_string()))
                    .select(referrals::id),
            ),
        )
        .order((referral_messages::at, referral_messages::id))
        .select((MessageRow::as_select(), users::display_name))
        .load(conn)
}

/// Marks what the other side wrote as read by `reader` (the first read counts).
pub fn mark_read(
    conn: &mut DbConn,
    referral_id: &str,
    reader: Side,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        referral_messages::table
            .filter(referral_messages::referral_id.eq(referral_id))
            .filter(referral_messages::side.eq(reader.other().as_str()))
            .filter(referral_messages::read_at.is_null()),
    )
    .set(referral_messages::read_at.eq(Some(at)))
    .execute(conn)
}

/// Per referral, the messages `reader` has not read yet (those the other side wrote).
pub fn unread_counts(
    conn: &mut DbConn,
    referral_ids: &[String],
    reader: Side,
) -> QueryResult<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for chunk in referral_ids.chunks(500) {
        let rows: Vec<(String, i64)> = referral_messages::table
            .filter(referral_messages::referral_id.eq_any(chunk))
            .filter(referral_messages::side.eq(reader.other().as_str()))
            .filter(referral_messages::read_at.is_null())
            .group_by(referral_messages::referral_id)
            .select((referral_messages::referral_id, diesel::dsl::count_star()))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Erases the thread's texts (retention, a family's erasure): the bodies are gone, the count
/// of messages stays.
pub fn erase_for_cases(conn: &mut DbConn, case_ids: &[String]) -> QueryResult<usize> {
    use super::schema::referrals;
    diesel::update(
        referral_messages::table.filter(
            referral_messages::referral_id.eq_any(
                referrals::table
                    .filter(referrals::case_id.eq_any(case_ids))
                    .select(referrals::id),
            ),
        ),
    )
    .set(referral_messages::body.eq(""))
    .execute(conn)
}
