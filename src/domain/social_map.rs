//! Values of the social map that several resources share: partner kinds, presence modes,
//! addresses.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::case::code_enum;

/// What kind of organisation a partner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// The OCMW (public social welfare centre), e.g. its social centres or wijkwerk.
    Ocmw,
    /// A city department or service.
    City,
    /// A Centrum voor Algemeen Welzijnswerk.
    Caw,
    /// Kind & Gezin, Huizen van het Kind.
    ChildAndFamily,
    /// A Centrum voor Kinderzorg en Gezinsondersteuning.
    Ckg,
    /// A Centrum voor Leerlingenbegeleiding.
    Clb,
    /// A non-profit (vzw).
    Ngo,
    Other,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 8] = [
        PartnerKind::Ocmw,
        PartnerKind::City,
        PartnerKind::Caw,
        PartnerKind::ChildAndFamily,
        PartnerKind::Ckg,
        PartnerKind::Clb,
        PartnerKind::Ngo,
        PartnerKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::Ocmw => "ocmw",
            PartnerKind::City => "city",
            PartnerKind::Caw => "caw",
            PartnerKind::ChildAndFamily => "child_and_family",
            PartnerKind::Ckg => "ckg",
            PartnerKind::Clb => "clb",
            PartnerKind::Ngo => "ngo",
            PartnerKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> PartnerKind {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or(PartnerKind::Other)
    }
}

code_enum! {
    /// The three ways a social worker is present at a school.
    pub enum PresenceMode {
        /// A fixed weekly moment at the school (zitdag).
        OfficeHours = "office_hours",
        /// A visit on the school's request.
        Consult = "consult",
        /// The named worker the school calls with questions.
        Spoc = "spoc",
    }
}

#[kinderen_eerst_macros::document_limits]
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default)]
    #[validate(length(max = 200))]
    pub street: String,
    #[serde(default)]
    #[validate(length(max = 10))]
    pub postal_code: String,
    #[serde(default)]
    #[validate(length(max = 100))]
    pub city: String,
}
