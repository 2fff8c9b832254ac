//! The event outbox and webhook deliveries: rows and queries. Events are written in the
//! transaction of the change they describe; each event is fanned out into one delivery per
//! matching active subscription in that same transaction, so nothing is lost between the two.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{outbox_events, webhook_deliveries, webhook_subscriptions};
use super::{DbConn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct EventRow {
    pub position: i64,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    /// The partner organisation whose referral the event is about.
    pub partner_id: Option<String>,
}

/// What a partner sees of an event's payload: the referral's ids and states, never the case's
/// or school's ids (and no personal data, which no event carries).
pub fn partner_payload(payload: &serde_json::Value) -> serde_json::Value {
    const KEEP: &[&str] = &[
        "referral_id",
        "service_id",
        "partner_id",
        "from_status",
        "to_status",
        "fhir_status",
        "on_behalf_of_partner",
        "reason_code",
        "message_id",
        "side",
        "at",
    ];
    match payload {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.iter()
                .filter(|(k, _)| KEEP.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `id` and the organisations above it (its parent, their parent).
fn ancestors(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    use super::schema::partners;
    let mut out = vec![id.to_string()];
    let mut at = id.to_string();
    while out.len() < 64 {
        let parent: Option<Option<String>> = partners::table
            .find(&at)
            .select(partners::parent_id)
            .first(conn)
            .optional()?;
        match parent.flatten() {
            Some(p) if !out.contains(&p) => {
                out.push(p.clone());
                at = p;
            }
            _ => break,
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: String,
    pub url: String,
    pub event_types: String,
    pub secret: String,
    pub description: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Made by a partner account: it receives only events about that partner's referrals.
    pub partner_id: Option<String>,
}

impl SubscriptionRow {
    pub fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }
    pub fn wants(&self, event_type: &str) -> bool {
        self.types().iter().any(|t| t == "*" || t == event_type)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_null = true)]
pub struct DeliveryRow {
    pub id: String,
    pub subscription_id: String,
    pub event_position: i64,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Records an event and its deliveries. Call inside the write transaction of the change.
///
/// On PostgreSQL a transaction-scoped advisory lock makes event writers take turns from here to
/// their commit, so positions become visible in order and a poller reading `after=<position>`
/// never skips an event that commits late. (SQLite has one writer at a time anyway.)
pub fn record(
    conn: &mut DbConn,
    event_type: &str,
    data: &serde_json::Value,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    record_for_partner(conn, event_type, data, at, None)
}

/// Records an event about one partner organisation's referral: the partner's accounts poll
/// it, and subscriptions owned by that partner or an organisation above it receive it.
pub fn record_for_partner(
    conn: &mut DbConn,
    event_type: &str,
    data: &serde_json::Value,
    at: NaiveDateTime,
    partner_id: Option<&str>,
) -> QueryResult<i64> {
    use diesel::connection::SimpleConnection;
    if let DbConn::Postgres(c) = conn {
        c.batch_execute("SELECT pg_advisory_xact_lock(4242002)")?;
    }
    let event_id = Uuid::now_v7().to_string();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::event_id.eq(&event_id),
            outbox_events::event_type.eq(event_type),
            outbox_events::payload.eq(data.to_string()),
            outbox_events::created_at.eq(at),
            outbox_events::partner_id.eq(partner_id),
        ))
        .execute(conn)?;
    let position: i64 = outbox_events::table
        .filter(outbox_events::event_id.eq(&event_id))
        .select(outbox_events::position)
        .first(conn)?;
    let subs: Vec<SubscriptionRow> = webhook_subscriptions::table
        .filter(webhook_subscriptions::active.eq(true))
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    // A partner's subscription receives events about its own organisation and those below it.
    let owners = match partner_id {
        Some(p) => ancestors(conn, p)?,
        None => Vec::new(),
    };
    let reaches = |s: &SubscriptionRow| match &s.partner_id {
        None => true,
        Some(owner) => owners.contains(owner),
    };
    for s in subs.iter().filter(|s| s.wants(event_type) && reaches(s)) {
        diesel::insert_into(webhook_deliveries::table)
            .values(&DeliveryRow {
                id: Uuid::now_v7().to_string(),
                subscription_id: s.id.clone(),
                event_position: position,
                status: "pending".into(),
                attempts: 0,
                next_attempt_at: at,
                locked_until: None,
                claimed_by: None,
                last_attempt_at: None,
                last_status_code: None,
                last_error: None,
                delivered_at: None,
                created_at: at,
                updated_at: at,
            })
            .execute(conn)?;
    }
    Ok(position)
}

/// Events after `position`, oldest first; with `partners`, only those about these
/// organisations' referrals.
pub fn after(
    conn: &mut DbConn,
    position: i64,
    limit: i64,
    partners: Option<&[String]>,
) -> QueryResult<Vec<EventRow>> {
    let mut q = outbox_events::table
        .filter(outbox_events::position.gt(position))
        .order(outbox_events::position)
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(p) = partners {
        q = q.filter(outbox_events::partner_id.eq_any(p.to_vec()));
    }
    q.load(conn)
}

pub fn event(conn: &mut DbConn, position: i64) -> QueryResult<EventRow> {
    outbox_events::table
        .find(position)
        .select(EventRow::as_select())
        .first(conn)
}

/// Whether any delivery is due: a cheap read, so an idle instance does not take the SQLite
/// write lock on every poll.
pub fn any_due(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq("pending"))
            .filter(webhook_deliveries::next_attempt_at.le(now))
            .filter(
                webhook_deliveries::locked_until
                    .is_null()
                    .or(webhook_deliveries::locked_until.le(now)),
            )
            .filter(
                webhook_deliveries::subscription_id.eq_any(
                    webhook_subscriptions::table
                        .filter(webhook_subscriptions::active.eq(true))
                        .select(webhook_subscriptions::id),
                ),
            ),
    ))
    .get_result(conn)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// Claims up to `limit` due deliveries for `worker` until `lease_until`, so that no other
/// instance sends them meanwhile. The one place the dialects differ: PostgreSQL skips rows
/// another instance is claiming at this moment (`FOR UPDATE SKIP LOCKED`); SQLite's write lock
/// (`BEGIN IMMEDIATE`) serialises claimers.
pub fn claim_due(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    use diesel::sql_types::{BigInt, Text, Timestamp};
    const PICK: &str = "SELECT id FROM webhook_deliveries \
         WHERE status = 'pending' AND next_attempt_at <= $3 \
         AND (locked_until IS NULL OR locked_until <= $3) \
         AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE active) \
         ORDER BY next_attempt_at, id LIMIT $4";
    let rows: Vec<Claimed> = match conn {
        DbConn::Postgres(c) => diesel::sql_query(format!(
            "UPDATE webhook_deliveries SET locked_until = $1, claimed_by = $2 \
             WHERE id IN ({PICK} FOR UPDATE SKIP LOCKED) RETURNING id"
        ))
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(c)?,
        DbConn::Sqlite(_) => write_tx(conn, |conn| {
            let DbConn::Sqlite(c) = conn else {
                unreachable!("matched above")
            };
            diesel::sql_query(format!(
                "UPDATE webhook_deliveries SET locked_until = ?1, claimed_by = ?2 \
                 WHERE id IN ({}) RETURNING id",
                PICK.replace('$', "?")
            ))
            .bind::<Timestamp, _>(lease_until)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(c)
        })?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// A claimed delivery with what sending it needs.
pub fn load_claimed(
    conn: &mut DbConn,
    id: &str,
) -> QueryResult<(DeliveryRow, SubscriptionRow, EventRow)> {
    let d: DeliveryRow = webhook_deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)?;
    let s: SubscriptionRow = webhook_subscriptions::table
        .find(&d.subscription_id)
        .select(SubscriptionRow::as_select())
        .first(conn)?;
    let e = event(conn, d.event_position)?;
    Ok((d, s, e))
}

/// How one attempt ended.
pub enum Attempt {
    Delivered {
        status_code: i32,
    },
    /// Retry at `next` (None: attempts exhausted, the delivery fails for good).
    Failed {
        status_code: Option<i32>,
        error: String,
        next: Option<NaiveDateTime>,
    },
}

/// Stores an attempt's result and releases the claim; only the instance holding the claim can.
pub fn finish_attempt(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    at: NaiveDateTime,
    result: Attempt,
) -> QueryResult<usize> {
    let target = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::claimed_by.eq(worker))
        .filter(webhook_deliveries::status.eq("pending"));
    let common = (
        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        webhook_deliveries::last_attempt_at.eq(Some(at)),
        webhook_deliveries::locked_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::claimed_by.eq(None::<String>),
        webhook_deliveries::updated_at.eq(at),
    );
    match result {
        Attempt::Delivered { status_code } => diesel::update(target)
            .set((
                common,
                webhook_deliveries::status.eq("delivered"),
                webhook_deliveries::last_status_code.eq(Some(status_code)),
                webhook_deliveries::last_error.eq(None::<String>),
                webhook_deliveries::delivered_at.eq(Some(at)),
            ))
            .execute(conn),
        Attempt::Failed {
            status_code,
            error,
            next,
        } => diesel::update(target)
            .set((
                common,
                webhook_deliveries::status.eq(if next.is_some() { "pending" } else { "failed" }),
                webhook_deliveries::last_status_code.eq(status_code),
                webhook_deliveries::last_error.eq(Some(error)),
                webhook_deliveries::next_attempt_at.eq(next.unwrap_or(at)),
            ))
            .execute(conn),
    }
}

pub fn subscriptions(conn: &mut DbConn) -> QueryResult<Vec<SubscriptionRow>> {
    webhook_subscriptions::table
        .order((webhook_subscriptions::created_at, webhook_subscriptions::id))
        .select(SubscriptionRow::as_select())
        .load(conn)
}

pub fn subscription(conn: &mut DbConn, id: &str) -> QueryResult<SubscriptionRow> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
}

/// A subscription's deliveries, newest first, with their event; `before` is the last row's
/// (created_at, id) key.
pub fn deliveries(
    conn: &mut DbConn,
    subscription_id: &str,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<(DeliveryRow, EventRow)>> {
    let mut q = webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .select((DeliveryRow::as_select(), EventRow::as_select()))
        .into_boxed();
    if let Some((at, id)) = before {
        q = q.filter(
            webhook_deliveries::created_at
                .lt(at)
                .or(webhook_deliveries::created_at
                    .eq(at)
                    .and(webhook_deliveries::id.lt(id))),
        );
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}
