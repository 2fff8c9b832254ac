//! What could identify a family of a network in free text: the pupils' pseudonyms of its
//! cases and checklist submissions, and the family names recorded on its cases.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{cases, checklist_submissions, schools};

/// The names screening looks for in a network's free text.
#[derive(Debug, Default)]
pub struct Identifiers {
    pub pseudonyms: Vec<String>,
    pub family_names: Vec<String>,
}

/// Every pseudonym and family name still kept for the schools of `network_id` (erased ones
/// are gone: NULL on cases, empty on submissions).
pub fn of_network(conn: &mut DbConn, network_id: &str) -> QueryResult<Identifiers> {
    let of_network = schools::table
        .filter(schools::network_id.eq(network_id))
        .select(schools::id);
    let mut pseudonyms: Vec<String> = cases::table
        .filter(cases::school_id.eq_any(of_network))
        .filter(cases::pupil_pseudonym.is_not_null())
        .select(cases::pupil_pseudonym.assume_not_null())
        .distinct()
        .load(conn)?;
    pseudonyms.extend(
        checklist_submissions::table
            .filter(checklist_submissions::school_id.eq_any(of_network))
            .filter(checklist_submissions::pupil_pseudonym.ne(""))
            .select(checklist_submissions::pupil_pseudonym)
            .distinct()
            .load::<String>(conn)?,
    );
    let family_names: Vec<String> = cases::table
        .filter(cases::school_id.eq_any(of_network))
        .filter(cases::family_name.is_not_null())
        .select(cases::family_name.assume_not_null())
        .distinct()
        .load(conn)?;
    Ok(Identifiers {
        pseudonyms,
        family_names,
    })
}

/// The network of a school.
pub fn network_of_school(conn: &mut DbConn, school_id: &str) -> QueryResult<String> {
    schools::table
        .find(school_id)
        .select(schools::network_id)
        .first(conn)
}
