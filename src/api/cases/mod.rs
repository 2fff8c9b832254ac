//! Cases: a help request about one pupil's family. Three views of the same case, by role:
//! the worker's (everything, for the schools they are assigned to), the coordinator's (metadata
//! only, every case) and the school's (reference, status, dates, worker, feedback — only for the
//! cases its school raised, and feedback only while the family allows it).
//!
//! The room is split by job: `views` (what each role sees), `read` (list, get), `write` (open,
//! change, lead worker, from a submission), `lifecycle` (the status actions), `records` (needs,
//! contact moments, consents, feedback) and `family_rights` (export, erasure).

pub mod family_rights;
mod lifecycle;
mod read;
pub mod records;
pub mod views;
mod write;

pub use lifecycle::*;
pub use read::*;
pub use views::{
    CaseDetail, CaseMetadata, CasePage, CaseSchool, CaseSummary, CaseView, Consent, ContactMoment,
    LeadWorker, Need, SchoolCase,
};
pub use write::*;
