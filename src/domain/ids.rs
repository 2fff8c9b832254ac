//! One type per id, so that ids of different things cannot be swapped: a case id where a school
//! id belongs is a compile error. Stored as text on both backends (a UUID's canonical form), read
//! and written by diesel as such, and shown in the API as the UUID string.

/// Declares id newtypes usable in diesel queries and rows on both backends.
macro_rules! id_types {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// A new, time-ordered id.
            pub fn new() -> Self {
                $name(uuid::Uuid::now_v7().to_string())
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(u: uuid::Uuid) -> Self {
                $name(u.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                String::from_sql(bytes).map($name)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.0.to_sql(out)
            }
        }
    )*};
}

id_types!(
    /// A case (a help request about one pupil's family).
    CaseId,
    /// A school.
    SchoolId,
    /// A network of schools and partners.
    NetworkId,
    /// A user account.
    UserId,
    /// A referral to a partner service.
    ReferralId,
    /// A partner organisation.
    PartnerId,
    /// A partner's service.
    ServiceId,
    /// A checklist submission.
    SubmissionId,
    /// A consult request.
    ConsultId,
    /// A network meeting.
    MeetingId,
    /// An activity (training, coaching, publicity).
    ActivityId,
    /// An assignment of a worker to a school.
    AssignmentId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_with_text_and_serialise_as_a_plain_string() {
        let id = CaseId::from("0193a1b2-0000-7000-8000-0000000000d1");
        assert_eq!(id, "0193a1b2-0000-7000-8000-0000000000d1");
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"0193a1b2-0000-7000-8000-0000000000d1\""
        );
        assert_ne!(CaseId::new(), CaseId::new());
    }
}
