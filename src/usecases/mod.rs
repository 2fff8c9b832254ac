//! Use cases several endpoints (and the command line) share: recording audit events, checking
//! theme references, creating users, opening cases. Above storage, below the HTTP handlers; no
//! handler reaches into another handler's module for these. (Named `usecases`, not "services",
//! so as not to be read as the social map's partner services.)

pub mod attempts;
pub mod audit;
pub mod cases;
pub mod checkpoints;
pub mod contact;
pub mod notify;
pub mod outbound;
pub mod screening;
pub mod search;
pub mod themes;
pub mod users;
