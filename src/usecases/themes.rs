//! Theme codes that other records refer to: they must exist, be active, and not repeat.

use crate::db::DbConn;
use crate::db::themes as repo;
use crate::error::ApiResult;
use crate::error::Checks;

/// Checks theme references of a write: each code must exist, and be active unless the record
/// already had it (a retired theme stays on old records). Errors name `{field}[i]`.
pub fn check_refs(
    conn: &mut DbConn,
    field: &str,
    codes: &[String],
    already: &[String],
    checks: &mut Checks,
) -> ApiResult<()> {
    let found = repo::find_many(conn, codes)?;
    for (i, code) in codes.iter().enumerate() {
        let path = format!("{field}[{i}]");
        match found.iter().find(|t| &t.code == code) {
            None => checks.add(&path, crate::msg!(ThemeUnknown, code = code)),
            Some(t) if !t.active && !already.contains(code) => {
                checks.add(&path, crate::msg!(ThemeRetired, code = code))
            }
            Some(_) => {}
        }
        if codes[..i].contains(code) {
            checks.add(&path, crate::msg!(CodeListedTwice, code = code));
        }
    }
    Ok(())
}

/// Theme codes of a new record: they must exist and be active.
pub fn check_themes(
    conn: &mut DbConn,
    checks: &mut Checks,
    field: &str,
    codes: &[String],
) -> ApiResult<()> {
    check_refs(conn, field, codes, &[], checks)
}
