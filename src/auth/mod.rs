//! Who is calling: passwords, tokens, the request extractor, and the one policy table.

pub mod extractor;
pub mod jwt;
pub mod password;
pub mod policy;

pub use extractor::AuthUser;
