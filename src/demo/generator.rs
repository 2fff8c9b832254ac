//! The generator's state: the seeded RNG, the schools and services drawn so far.

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;
use rand::rngs::StdRng;

use super::writer::*;
use crate::db::audit::{AuditRow, hash_of};

// ---------------------------------------------------------------------------------------------
// The generator

pub(super) struct School {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) network: String,
    pub(super) worker: usize,
    pub(super) account: usize,
}

pub(super) struct Service {
    pub(super) id: String,
    pub(super) partner_id: String,
}

pub(super) struct Gen {
    pub(super) rng: StdRng,
    pub(super) rows: Rows,
    pub(super) users: Vec<String>,
    /// Each user's display name, by the index in `users`.
    pub(super) user_names: Vec<String>,
    pub(super) audit_seq: i64,
    pub(super) audit_hash: String,
    pub(super) outbox: i64,
    /// The end of the generated history: nothing happens after it.
    pub(super) until: NaiveDateTime,
}

impl Gen {
    /// A UUIDv7 at `at`, its random part drawn from the seeded RNG (reproducible).
    pub(super) fn id(&mut self, at: NaiveDateTime) -> String {
        let ms = at.and_utc().timestamp_millis().max(0) as u64;
        let bytes: [u8; 10] = self.rng.random();
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes)
            .into_uuid()
            .to_string()
    }

    /// A moment `lo..hi` after `at`, to the microsecond.
    pub(super) fn after(&mut self, at: NaiveDateTime, lo_s: i64, hi_s: i64) -> NaiveDateTime {
        let s = self.rng.random_range(lo_s..hi_s.max(lo_s + 1));
        let us = self.rng.random_range(0..1_000_000);
        at + TimeDelta::seconds(s) + TimeDelta::microseconds(us)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn audit(
        &mut self,
        at: NaiveDateTime,
        actor: usize,
        role: &str,
        action: &str,
        object_type: &str,
        object_id: &str,
        case_id: Option<&str>,
    ) {
        self.audit_seq += 1;
        let id = self.id(at);
        let request_id = self.id(at);
        let addr = format!(
            "10.0.{}.{}",
            self.rng.random_range(0..8),
            self.rng.random_range(2..250)
        );
        let mut row = AuditRow {
            seq: self.audit_seq,
            id,
            at,
            actor_id: Some(self.users[actor].clone()),
            actor_role: role.to_string(),
            action: action.to_string(),
            object_type: object_type.to_string(),
            object_id: Some(object_id.to_string()),
            case_id: case_id.map(String::from),
            request_id,
            client_addr: addr,
            prev_hash: std::mem::take(&mut self.audit_hash),
            hash: String::new(),
            object_ids: None,
            case_ids: None,
        };
        row.hash = hash_of(&row);
        self.rows
            .row(T::Audit)
            .i(row.seq)
            .s(&row.id)
            .ts(row.at)
            .os(row.actor_id.as_deref())
            .s(&row.actor_role)
            .s(&row.action)
            .s(&row.object_type)
            .os(row.object_id.as_deref())
            .os(row.case_id.as_deref())
            .s(&row.request_id)
            .s(&row.client_addr)
            .s(&row.prev_hash)
            .s(&row.hash)
            .os(None)
            .os(None)
            .end();
        self.audit_hash = row.hash;
    }

    pub(super) fn event(
        &mut self,
        at: NaiveDateTime,
        event_type: &str,
        payload: serde_json::Value,
    ) {
        self.outbox += 1;
        let id = self.id(at);
        let pos = self.outbox;
        self.rows
            .row(T::Outbox)
            .i(pos)
            .s(&id)
            .s(event_type)
            .s(&payload.to_string())
            .ts(at)
            // Events about a referral are its partner's too.
            .os(payload["partner_id"]
                .as_str()
                .filter(|_| event_type.starts_with("referral.")))
            .end();
    }
}

pub(super) fn z(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
