//! The audit trail: appending a hash-chained event, reading events, verifying the chain.
//!
//! An event's hash is SHA-256 over the previous event's hash and the event's own fields, in a
//! fixed order with a separator that cannot occur in them. `audit_head` holds the last sequence
//! number and hash: appending first increments it, which takes its row lock (PostgreSQL) or runs
//! under the write lock (SQLite), so appends form one chain even when many run at once. The head
//! also makes a removed last event visible.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{audit_events, audit_head};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub case_id: Option<String>,
    pub request_id: String,
    pub client_addr: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What an event says, before it is placed in the chain.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub case_id: Option<String>,
    pub request_id: String,
    pub client_addr: String,
}

/// The hash of an event: every field but the hash itself, the previous hash included.
pub fn hash_of(r: &AuditRow) -> String {
    let at = r.at.and_utc().timestamp_micros().to_string();
    let seq = r.seq.to_string();
    let fields: [&str; 12] = [
        &r.prev_hash,
        &seq,
        &r.id,
        &at,
        r.actor_id.as_deref().unwrap_or(""),
        &r.actor_role,
        &r.action,
        &r.object_type,
        r.object_id.as_deref().unwrap_or(""),
        r.case_id.as_deref().unwrap_or(""),
        &r.request_id,
        &r.client_addr,
    ];
    // Unit separator: none of the fields (ids, codes, addresses) can contain it.
    let text = fields.join("\u{1f}");
    crate::domain::sha256_hex(text.as_bytes())
}

/// Appends one event to the chain. Call inside the transaction of the write it records, so
/// both commit or neither does.
pub fn append(conn: &mut DbConn, e: NewEvent) -> QueryResult<AuditRow> {
    diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq + 1))
        .execute(conn)?;
    let (seq, prev_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    let mut row = AuditRow {
        seq,
        id: uuid::Uuid::now_v7().to_string(),
        at: super::now(),
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        case_id: e.case_id,
        request_id: e.request_id,
        client_addr: e.client_addr,
        prev_hash,
        hash: String::new(),
    };
    row.hash = hash_of(&row);
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(conn)?;
    diesel::update(audit_head::table.find(1))
        .set(audit_head::hash.eq(&row.hash))
        .execute(conn)?;
    Ok(row)
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub case_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub before: Option<NaiveDateTime>,
}

/// Events newest first; `before_seq` is the last row of the previous page.
pub fn list(
    conn: &mut DbConn,
    f: AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_events::table
        .select(AuditRow::as_select())
        .order(audit_events::seq.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(a) = f.actor_id {
        q = q.filter(audit_events::actor_id.eq(a));
    }
    if let Some(t) = f.object_type {
        q = q.filter(audit_events::object_type.eq(t));
    }
    if let Some(o) = f.object_id {
        q = q.filter(audit_events::object_id.eq(o));
    }
    if let Some(c) = f.case_id {
        q = q.filter(audit_events::case_id.eq(c));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_events::at.ge(from));
    }
    if let Some(before) = f.before {
        q = q.filter(audit_events::at.lt(before));
    }
    if let Some(s) = before_seq {
        q = q.filter(audit_events::seq.lt(s));
    }
    q.load(conn)
}

/// Where the chain first breaks, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The sequence number of the first event that does not fit (or the head's).
    pub seq: i64,
    pub reason: String,
}

/// Walks the whole chain in order, in batches, recomputing every hash.
pub fn verify(conn: &mut DbConn) -> QueryResult<(i64, Option<Break>)> {
    const BATCH: i64 = 5_000;
    let mut checked = 0i64;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    loop {
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::seq.ge(expected_seq))
            .order(audit_events::seq)
            .limit(BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            let fail = |reason: &str| {
                Some(Break {
                    seq: r.seq,
                    reason: reason.to_string(),
                })
            };
            if r.seq != expected_seq {
                return Ok((
                    checked,
                    Some(Break {
                        seq: expected_seq,
                        reason: format!("event {expected_seq} is missing"),
                    }),
                ));
            }
            if r.prev_hash != prev {
                return Ok((
                    checked,
                    fail("its previous hash does not match the event before it"),
                ));
            }
            if hash_of(&r) != r.hash {
                return Ok((checked, fail("its content does not match its hash")));
            }
            prev = r.hash;
            expected_seq += 1;
            checked += 1;
        }
    }
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    if head_seq != expected_seq - 1 || head_hash != prev {
        return Ok((
            checked,
            Some(Break {
                seq: expected_seq,
                reason: format!(
                    "the chain ends at event {} but its head names event {head_seq}",
                    expected_seq - 1
                ),
            }),
        ));
    }
    Ok((checked, None))
}
