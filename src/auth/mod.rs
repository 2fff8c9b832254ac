//! Who is calling: passwords, tokens, the request extractors, the one policy table, and the
//! viewer that decides what each caller reaches.

pub mod audit_key;
pub mod extractor;
pub mod jwt;
pub mod oidc;
pub mod password;
pub mod policy;
pub mod viewer;

pub use extractor::{AuthUser, DeferredViewer};
pub use viewer::{Sees, Viewer};
