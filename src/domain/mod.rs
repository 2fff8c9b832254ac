//! Value types parsed once at the edge, so the rest of the code never re-checks them.

pub mod agenda;
pub mod case;
pub mod ical;
pub mod ids;
pub mod json_time;
pub mod lifecycle;
pub mod planning;
pub mod presence;
pub mod referral;
pub mod screening;
pub mod social_map;
pub mod text;
pub mod time_of_day;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::i18n::{Code, Msg};

case::code_enum! {
    /// Who a user is in the programme; decides what the API lets them see and do.
    pub enum Role {
        /// The programme's coordinator at the OCMW.
        Coordinator = "coordinator",
        /// An OCMW social worker assigned to schools.
        SocialWorker = "social_worker",
        /// School staff (care coordinator, pupil counsellor), bound to one school.
        School = "school",
        /// A partner organisation's staff (a CAW's family coach, an OCMW service), bound to one
        /// partner organisation: answers the referrals sent to it.
        Partner = "partner",
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s).ok_or_else(|| {
            format!("unknown role `{s}` (coordinator, social_worker, school, partner)")
        })
    }
}

/// An e-mail address, trimmed and lower-cased, so lookups and uniqueness ignore case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, Msg> {
        let e = raw.trim().to_lowercase();
        if e.len() > 254 || !validator::ValidateEmail::validate_email(&e) {
            return Err(Code::InvalidEmail.into());
        }
        Ok(Email(e))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The rules a new password must meet; the reasons are shown to the user.
pub fn check_password_rules(password: &str, email: &str, display_name: &str) -> Result<(), Msg> {
    let chars = password.chars().count();
    if chars < 12 {
        return Err(crate::msg!(PasswordTooShort, min = 12));
    }
    if chars > 256 {
        return Err(crate::msg!(PasswordTooLong, max = 256));
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if lower == email.to_lowercase() || (local.len() >= 4 && lower.contains(&local)) {
        return Err(Code::PasswordContainsEmail.into());
    }
    check_password_strength(password, email, display_name)
}

/// The least zxcvbn score a password must reach: 3, "safely unguessable" (about 10^8 to 10^10
/// guesses), which an online attacker throttled per account and client cannot reach.
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// Refuses guessable passwords (repeats, sequences, keyboard walks, common words and names,
/// dates, the account's own e-mail and name) with zxcvbn's own reason.
fn check_password_strength(password: &str, email: &str, display_name: &str) -> Result<(), Msg> {
    // zxcvbn's matching grows fast with length; beyond 100 characters only the start is
    // estimated, and such a passphrase is strong enough on length alone.
    let head: String = password.chars().take(100).collect();
    let mut context: Vec<&str> = vec![email];
    context.extend(
        email
            .split(['@', '.', '-', '_', '+'])
            .filter(|p| p.len() >= 3),
    );
    context.extend(display_name.split_whitespace().filter(|p| p.len() >= 3));
    let estimate = zxcvbn::zxcvbn(&head, &context);
    if u8::from(estimate.score()) >= MIN_PASSWORD_SCORE {
        return Ok(());
    }
    // zxcvbn's warning and tips, each in the catalogue's words: ": <warning> <tips…>".
    let mut why = Msg::new(Code::Verbatim).arg("text", "");
    if let Some(feedback) = estimate.feedback() {
        let mut parts: Vec<Msg> = Vec::new();
        if let Some(w) = feedback.warning() {
            parts.push(password_warning(w).into());
        }
        parts.extend(
            feedback
                .suggestions()
                .iter()
                .map(|s| Msg::from(password_suggestion(*s))),
        );
        let list = parts.into_iter().rev().fold(None::<Msg>, |rest, part| {
            Some(match rest {
                None => part,
                Some(rest) => Msg::new(Code::ListSpace)
                    .arg_msg("first", part)
                    .arg_msg("rest", rest),
            })
        });
        if let Some(list) = list {
            why = Msg::new(Code::PasswordReasons).arg_msg("list", list);
        }
    }
    Err(Msg::new(Code::PasswordGuessable).arg_msg("why", why))
}

fn password_warning(w: zxcvbn::feedback::Warning) -> Code {
    use zxcvbn::feedback::Warning as W;
    match w {
        W::StraightRowsOfKeysAreEasyToGuess => Code::PwStraightRows,
        W::ShortKeyboardPatternsAreEasyToGuess => Code::PwShortKeyboardPatterns,
        W::RepeatsLikeAaaAreEasyToGuess => Code::PwRepeatsAaa,
        W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => Code::PwRepeatsAbcAbc,
        W::ThisIsATop10Password => Code::PwTop10,
        W::ThisIsATop100Password => Code::PwTop100,
        W::ThisIsACommonPassword => Code::PwVeryCommon,
        W::ThisIsSimilarToACommonlyUsedPassword => Code::PwSimilarToCommon,
        W::SequencesLikeAbcAreEasyToGuess => Code::PwSequences,
        W::RecentYearsAreEasyToGuess => Code::PwRecentYears,
        W::AWordByItselfIsEasyToGuess => Code::PwWordByItself,
        W::DatesAreOftenEasyToGuess => Code::PwDates,
        W::NamesAndSurnamesByThemselvesAreEasyToGuess => Code::PwNamesByThemselves,
        W::CommonNamesAndSurnamesAreEasyToGuess => Code::PwCommonNames,
    }
}

fn password_suggestion(s: zxcvbn::feedback::Suggestion) -> Code {
    use zxcvbn::feedback::Suggestion as S;
    match s {
        S::UseAFewWordsAvoidCommonPhrases => Code::PwUseFewWords,
        S::NoNeedForSymbolsDigitsOrUppercaseLetters => Code::PwNoNeedForSymbols,
        S::AddAnotherWordOrTwo => Code::PwAddWord,
        S::CapitalizationDoesntHelpVeryMuch => Code::PwCapitalization,
        S::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => Code::PwAllUppercase,
        S::ReversedWordsArentMuchHarderToGuess => Code::PwReversedWords,
        S::PredictableSubstitutionsDontHelpVeryMuch => Code::PwPredictableSubstitutions,
        S::UseALongerKeyboardPatternWithMoreTurns => Code::PwLongerKeyboardPattern,
        S::AvoidRepeatedWordsAndCharacters => Code::PwAvoidRepeats,
        S::AvoidSequences => Code::PwAvoidSequences,
        S::AvoidRecentYears => Code::PwAvoidRecentYears,
        S::AvoidYearsThatAreAssociatedWithYou => Code::PwAvoidYears,
        S::AvoidDatesAndYearsThatAreAssociatedWithYou => Code::PwAvoidDates,
    }
}

/// Formats a stored UTC timestamp as RFC 3339 (`2026-11-24T09:30:00Z`).
pub fn utc(ts: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    ts.and_utc()
}

/// SHA-256 of `bytes`, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The event types, for webhook subscriptions (`*` subscribes to all).
pub const EVENT_TYPES: &[&str] = &[
    "case.opened",
    "case.status_changed",
    "referral.sent",
    "referral.accepted",
    "referral.declined",
    "referral.in_progress",
    "referral.on_hold",
    "referral.completed",
    "referral.failed",
    "referral.cancelled",
    "referral.consent_withdrawn",
    "referral.message",
    "referral.follow_up_changed",
    "audit.checkpoint",
    "checklist.submitted",
    "checklist.triaged",
    "checklist.case_opened",
    "checklist.no_action",
    "consult.requested",
    "consult.scheduled",
    "consult.done",
    "consult.cancelled",
    "case.feedback_written",
    "assignment.changed",
    "*",
];

/// The schema of a subscription's `event_types`: one or more of `EVENT_TYPES`.
pub fn event_types_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(EVENT_TYPES.iter().copied())),
        )
        .min_items(Some(1))
        .description(Some(
            "Event types (see `GET /api/v1/events`), or `*` for all",
        ))
        .build()
}

/// The same in a change, where `null` (or leaving it out) keeps the subscription's types.
pub fn event_types_patch_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{SchemaType, Type};
    let mut schema = event_types_schema();
    schema.schema_type = SchemaType::from_iter([Type::Array, Type::Null]);
    schema
}
