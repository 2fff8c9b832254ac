//! Screens free text that leaves the case team (agenda items, minutes, action points, notes of
//! held sessions, activity texts) against what could identify a family of the network; see
//! `domain::screening` for what is looked for. A refusal names the field and the kind of
//! finding, never the text found; nothing of the text is logged.

use chrono::NaiveDate;

use crate::db::{DbConn, identifiers};
use crate::domain::screening::{Known, screen};
use crate::error::{ApiResult, Checks, FieldError};

/// The screen of one network: its pupils' pseudonyms and family names, loaded once for all
/// the fields of a request.
pub struct Screen {
    known: Known,
    today: NaiveDate,
}

impl Screen {
    pub fn for_network(conn: &mut DbConn, network_id: &str) -> ApiResult<Screen> {
        let ids = identifiers::of_network(conn, network_id)?;
        Ok(Screen {
            known: Known::new(
                ids.pseudonyms.iter().map(String::as_str),
                ids.family_names.iter().map(String::as_str),
            ),
            today: chrono::Utc::now().date_naive(),
        })
    }

    /// The screen of the network `school_id` belongs to.
    pub fn for_school(conn: &mut DbConn, school_id: &str) -> ApiResult<Screen> {
        let network = identifiers::network_of_school(conn, school_id)?;
        Screen::for_network(conn, &network)
    }

    /// Adds one refusal to `checks` per kind of identifying detail `text` holds.
    pub fn check(&self, checks: &mut Checks, field: &str, text: &str) {
        for finding in screen(text, &self.known, self.today) {
            checks.0.push(FieldError::screened(field, finding));
        }
    }
}
