//! What is waiting, for `/metrics`: audit events not yet in the chain, webhook deliveries
//! pending and given up, and how old the oldest of each is.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{audit_head, audit_pending, webhook_deliveries};

/// Counts and oldest times, read in one go.
#[derive(Debug, Default, Clone)]
pub struct Backlog {
    /// The chain head's sequence number: events in the chain.
    pub chain_events: i64,
    /// Events written but not yet sealed into the chain.
    pub audit_pending: i64,
    pub audit_pending_oldest: Option<NaiveDateTime>,
    pub webhooks_pending: i64,
    pub webhooks_pending_oldest: Option<NaiveDateTime>,
    /// Pending deliveries that failed at least once.
    pub webhooks_retrying: i64,
    pub webhooks_failed: i64,
    pub webhooks_failed_oldest: Option<NaiveDateTime>,
}

fn deliveries(conn: &mut DbConn, status: &str) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(status))
        .select((count_star(), min(webhook_deliveries::created_at)))
        .first(conn)
}

pub fn read(conn: &mut DbConn) -> QueryResult<Backlog> {
    let chain_events = audit_head::table
        .select(audit_head::seq)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0);
    let (audit_pending, audit_pending_oldest) = audit_pending::table
        .select((count_star(), min(audit_pending::at)))
        .first(conn)?;
    let (webhooks_pending, webhooks_pending_oldest) = deliveries(conn, "pending")?;
    let (webhooks_failed, webhooks_failed_oldest) = deliveries(conn, "failed")?;
    let webhooks_retrying = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::attempts.gt(0))
        .count()
        .get_result(conn)?;
    Ok(Backlog {
        chain_events,
        audit_pending,
        audit_pending_oldest,
        webhooks_pending,
        webhooks_pending_oldest,
        webhooks_retrying,
        webhooks_failed,
        webhooks_failed_oldest,
    })
}
