//! What hangs on one case (needs, contact moments with their author's name, consents, and the
//! earlier versions of corrected needs and contact moments), read in one statement: each list is aggregated to JSON by the database. The worker's case view is
//! the most frequent audited read; three statements less per view is most of its database time.
//!
//! The statement is the same on both backends but for how each list becomes JSON (PostgreSQL
//! `array_to_json(ARRAY(SELECT json_build_array(…) … ORDER BY …))`; SQLite `json_group_array`
//! and `json_array`, 3.44+ for `ORDER BY` inside an aggregate): the one place this module forks
//! per backend (`lists_sql`).

use chrono::NaiveDateTime;
use diesel::backend::Backend as DieselBackend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Nullable, Text};

use super::cases::{ConsentRow, ContactHistoryRow, ContactRow, NeedHistoryRow, NeedRow};
use super::{Backend, DbConn};
use crate::domain::case::{
    ConsentGivenBy, ConsentKind, ConsentMethod, ContactKind, NeedRaisedBy, NeedState,
};

/// A case's needs (oldest first), contact moments (by when they happened, with the author's
/// name), consents (by when they were given), and the earlier versions of its needs and
/// contact moments (oldest first, with the name of who changed them).
#[derive(Debug, Default)]
pub struct Children {
    pub needs: Vec<NeedRow>,
    pub contacts: Vec<(ContactRow, String)>,
    pub consents: Vec<ConsentRow>,
    pub need_history: Vec<(NeedHistoryRow, String)>,
    pub contact_history: Vec<(ContactHistoryRow, String)>,
}

pub fn of_case(conn: &mut DbConn, case_id: &str) -> QueryResult<Children> {
    let q = ChildrenQuery {
        backend: conn.backend(),
        case_id: case_id.to_string(),
    };
    decode(case_id, q.get_result(conn)?)
}

/// The five lists as `of_case`'s statement returns them, for a statement that reads the case
/// itself too (see `cases::find_scoped_with_children`): each a correlated sub-select on
/// `"cases"."id"`, in `Lists` order.
pub fn columns_on_case(backend: Backend) -> [String; 5] {
    lists_sql(backend).map(|(head, tail)| format!("{head}\"cases\".\"id\"{tail}"))
}

/// The children of one case from the five aggregated lists.
pub fn decode(case_id: &str, lists: Lists) -> QueryResult<Children> {
    let (needs, contacts, consents, need_history, contact_history) = lists;
    let id = || case_id.to_string();
    Ok(Children {
        needs: rows::<NeedJson>(needs)?
            .into_iter()
            .map(
                |(nid, text, theme_code, raised_by, author_id, created_at, state, updated_at)| {
                    Ok(NeedRow {
                        id: nid,
                        case_id: id(),
                        text,
                        theme_code,
                        raised_by: code(NeedRaisedBy::parse, &raised_by)?,
                        author_id,
                        created_at: time(&created_at)?,
                        state: code(NeedState::parse, &state)?,
                        updated_at: time(&updated_at)?,
                    })
                },
            )
            .collect::<QueryResult<_>>()?,
        contacts: rows::<ContactJson>(contacts)?
            .into_iter()
            .map(
                |(cid, occurred_at, kind, summary, author_id, created_at, author, updated_at)| {
                    let row = ContactRow {
                        id: cid,
                        case_id: id(),
                        occurred_at: time(&occurred_at)?,
                        kind: code(ContactKind::parse, &kind)?,
                        summary,
                        author_id,
                        created_at: time(&created_at)?,
                        updated_at: time(&updated_at)?,
                    };
                    Ok((row, author))
                },
            )
            .collect::<QueryResult<_>>()?,
        consents: rows::<ConsentJson>(consents)?
            .into_iter()
            .map(|c| {
                let (kid, kind, partner_id, given_by, method, given_at, withdrawn_at, note) =
                    (c.0, c.1, c.2, c.3, c.4, c.5, c.6, c.7);
                Ok(ConsentRow {
                    id: kid,
                    case_id: id(),
                    kind: code(ConsentKind::parse, &kind)?,
                    partner_id,
                    given_by: code(ConsentGivenBy::parse, &given_by)?,
                    method: code(ConsentMethod::parse, &method)?,
                    given_at: time(&given_at)?,
                    withdrawn_at: withdrawn_at.as_deref().map(time).transpose()?,
                    note,
                    recorded_by: c.8,
                    created_at: time(&c.9)?,
                    updated_at: time(&c.10)?,
                    // A boolean on PostgreSQL, 0 or 1 on SQLite.
                    share_contact_with_partner: c.11.as_bool().unwrap_or(c.11.as_i64() == Some(1)),
                })
            })
            .collect::<QueryResult<_>>()?,
        need_history: rows::<NeedHistoryJson>(need_history)?
            .into_iter()
            .map(|h| {
                let row = NeedHistoryRow {
                    id: h.0,
                    need_id: h.1,
                    case_id: id(),
                    text: h.2,
                    theme_code: h.3,
                    raised_by: code(NeedRaisedBy::parse, &h.4)?,
                    state: code(NeedState::parse, &h.5)?,
                    reason: h.6,
                    corrected_by: h.7,
                    corrected_at: time(&h.8)?,
                };
                Ok((row, h.9))
            })
            .collect::<QueryResult<_>>()?,
        contact_history: rows::<ContactHistoryJson>(contact_history)?
            .into_iter()
            .map(|h| {
                let row = ContactHistoryRow {
                    id: h.0,
                    contact_id: h.1,
                    case_id: id(),
                    occurred_at: time(&h.2)?,
                    kind: code(ContactKind::parse, &h.3)?,
                    summary: h.4,
                    reason: h.5,
                    corrected_by: h.6,
                    corrected_at: time(&h.7)?,
                };
                Ok((row, h.8))
            })
            .collect::<QueryResult<_>>()?,
    })
}

/// The five aggregated lists (JSON text), in the order of `Children`'s fields but consents third.
pub type Lists = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
#[rustfmt::skip]
type NeedJson = (
    String, Option<String>, Option<String>, String, String, String, String, String,
);
#[rustfmt::skip]
type ContactJson = (
    String, String, String, Option<String>, String, String, String, String,
);
#[rustfmt::skip]
type NeedHistoryJson = (
    String, String, Option<String>, Option<String>, String, String, String, String, String,
    String,
);
#[rustfmt::skip]
type ContactHistoryJson = (
    String, String, String, String, Option<String>, String, String, String, String,
);
#[rustfmt::skip]
type ConsentJson = (
    String, String, Option<String>, String, String, String, Option<String>, Option<String>,
    String, String, String, serde_json::Value,
);

fn bad(why: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(why.into())
}

/// The rows of one list (`[]` or, on SQLite, `NULL` when there are none).
fn rows<T: serde::de::DeserializeOwned>(json: Option<String>) -> QueryResult<Vec<T>> {
    match json {
        None => Ok(Vec::new()),
        Some(j) => serde_json::from_str(&j).map_err(|e| bad(format!("case children: {e}"))),
    }
}

/// A timestamp as the JSON functions write it: `2026-12-05T10:00:00.123456` (PostgreSQL) or
/// `2026-12-05 10:00:00.123456` (SQLite, as stored).
fn time(s: &str) -> QueryResult<NaiveDateTime> {
    NaiveDateTime::parse_from_str(&s.replacen(' ', "T", 1), "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|e| bad(format!("case children: timestamp `{s}`: {e}")))
}

fn code<T>(parse: fn(&str) -> Option<T>, s: &str) -> QueryResult<T> {
    parse(s).ok_or_else(|| bad(format!("case children: unknown code `{s}`")))
}

/// The statement. Its text depends only on the backend, so it is a cached prepared statement.
struct ChildrenQuery {
    backend: Backend,
    case_id: String,
}

impl Query for ChildrenQuery {
    type SqlType = (
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
    );
}

impl QueryId for ChildrenQuery {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Conn> RunQueryDsl<Conn> for ChildrenQuery {}

impl<DB> QueryFragment<DB> for ChildrenQuery
where
    DB: DieselBackend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        for (i, (head, tail)) in lists_sql(self.backend).iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_sql(head);
            out.push_bind_param::<Text, String>(&self.case_id)?;
            out.push_sql(tail);
        }
        Ok(())
    }
}

/// Each list's sub-select up to the case id it is for, as `(head, tail)`: `head` + the id (a
/// bound value, or the outer statement's case column) + `tail` is the sub-select, in
/// parentheses. PostgreSQL collects each list with `ARRAY(SELECT … ORDER BY …)`, not `json_agg`:
/// no aggregate to set up for each of the five lists on every execution (the case view's
/// statement replays 15 % faster; an empty list is `[]`, not `NULL`). SQLite aggregates with
/// `json_group_array`. An author's name is a sub-select by the user's key, not a join: joined,
/// PostgreSQL hashed the whole `users` table for a case's few contact moments (a sequential
/// scan of every account on every case view, growing with the city's accounts). The keys are
/// foreign keys that never dangle, so each sub-select finds its row, as the join did.
fn lists_sql(backend: Backend) -> [(String, String); 5] {
    let lists = [
        (
            "n.id, n.text, n.theme_code, n.raised_by, n.author_id, n.created_at, n.state, \
             n.updated_at",
            "n.created_at, n.id",
            "case_needs n WHERE n.case_id = ",
        ),
        (
            "c.id, c.occurred_at, c.kind, c.summary, c.author_id, c.created_at, \
             (SELECT u.display_name FROM users u WHERE u.id = c.author_id), c.updated_at",
            "c.occurred_at, c.id",
            "case_contacts c WHERE c.case_id = ",
        ),
        (
            "k.id, k.kind, k.partner_id, k.given_by, k.method, k.given_at, k.withdrawn_at, \
             k.note, k.recorded_by, k.created_at, k.updated_at, k.share_contact_with_partner",
            "k.given_at, k.id",
            "case_consents k WHERE k.case_id = ",
        ),
        (
            "h.id, h.need_id, h.text, h.theme_code, h.raised_by, h.state, h.reason, \
             h.corrected_by, h.corrected_at, \
             (SELECT u.display_name FROM users u WHERE u.id = h.corrected_by)",
            "h.corrected_at, h.id",
            "case_need_history h WHERE h.case_id = ",
        ),
        (
            "h.id, h.contact_id, h.occurred_at, h.kind, h.summary, h.reason, h.corrected_by, \
             h.corrected_at, (SELECT u.display_name FROM users u WHERE u.id = h.corrected_by)",
            "h.corrected_at, h.id",
            "case_contact_history h WHERE h.case_id = ",
        ),
    ];
    lists.map(|(columns, order, from)| match backend {
        Backend::Postgres => (
            format!("array_to_json(ARRAY(SELECT json_build_array({columns}) FROM {from}"),
            format!(" ORDER BY {order}))::text"),
        ),
        Backend::Sqlite => (
            format!("(SELECT json_group_array(json_array({columns}) ORDER BY {order}) FROM {from}"),
            ")".to_string(),
        ),
    })
}
