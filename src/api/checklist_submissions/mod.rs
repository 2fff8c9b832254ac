//! Signal checklist submissions: a school fills in the current version for one pupil; a social
//! worker assigned to that school triages it. Two views, two schemas: the school sees its own
//! input and the status, never what a worker wrote; the worker sees everything, with a summary of
//! the signals per theme. The coordinator sees counts only.
//!
//! The room is split by job: `types` (the wire), `views` (who sees what), `checks` (validating a
//! submission), `read` (submit, list, count, get) and `lifecycle` (triage, no action).

mod checks;
mod lifecycle;
mod read;
pub mod types;
pub mod views;

pub use checks::looks_like_full_name;
pub use lifecycle::*;
pub use read::*;
pub use types::*;
