//! Signed checkpoints of the audit chain: the head (sequence number, hash, time) signed with
//! the audit key, stored, and published as an `audit.checkpoint` event (on `/events` and to
//! webhooks), so copies live outside the database. An auditor keeps them and later asks whether
//! the chain is still consistent with each (`POST /audit-events/verify`).

use chrono::NaiveDateTime;

use crate::auth::audit_key::AuditKey;
use crate::db::audit::{self as repo, CheckpointRow};
use crate::db::{DbConn, now, write_tx};
use crate::error::{ApiError, ApiResult};

/// What is signed: a fixed text of the head, so anyone can check it with the public key and
/// standard tools.
pub fn message(seq: i64, hash: &str, at: NaiveDateTime) -> String {
    format!(
        "kinderen-eerst audit checkpoint\nseq={seq}\nhash={hash}\nat={}\n",
        at.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}

/// Seals what is waiting and signs the head. When the head has a checkpoint already, that one
/// is returned (two instances checkpointing at once make one).
pub fn take(conn: &mut DbConn, key: &AuditKey) -> ApiResult<(CheckpointRow, bool)> {
    repo::seal(conn)?;
    write_tx(conn, |c| {
        let (seq, hash) = repo::locked_head(c)?;
        if let Some(existing) = repo::find_checkpoint(c, seq)? {
            return Ok((existing, false));
        }
        // Microseconds: what both databases keep of a timestamp.
        let at = now();
        let at = chrono::DateTime::from_timestamp_micros(at.and_utc().timestamp_micros())
            .map(|t| t.naive_utc())
            .unwrap_or(at);
        let row = CheckpointRow {
            seq,
            signature: key.sign(message(seq, &hash, at).as_bytes()),
            hash,
            at,
            key_id: key.key_id(),
        };
        repo::insert_checkpoint(c, &row)?;
        crate::db::events::record(
            c,
            "audit.checkpoint",
            &serde_json::json!({
                "seq": row.seq,
                "hash": row.hash,
                "at": row.at.and_utc(),
                "key_id": row.key_id,
                "public_key": key.public_key(),
                "signature": row.signature,
            }),
            row.at,
        )?;
        Ok::<_, ApiError>((row, true))
    })
}

/// Whether a checkpoint's signature is this key's.
pub fn signed_by(key: &AuditKey, seq: i64, hash: &str, at: NaiveDateTime, signature: &str) -> bool {
    key.verifies(message(seq, hash, at).as_bytes(), signature)
}
