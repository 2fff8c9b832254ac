//! The message catalogue: every problem title, detail and field message the API writes, in
//! Dutch and English, keyed by a stable code. `{name}` is filled from the message's values.
//! A code is part of the API: clients branch on it, so once published it keeps its meaning.

use super::Lang;

macro_rules! catalogue {
    ($( $variant:ident = $code:literal { nl: $nl:literal, en: $en:literal $(,)? } ),+ $(,)?) => {
        /// A message's stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),+ }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The code as clients see it (`unknown_value`).
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),+ }
            }

            /// The code for its text form (a `validator` rule names its message by code).
            pub fn parse(code: &str) -> Option<Code> {
                match code { $($code => Some(Code::$variant),)+ _ => None }
            }

            /// The text with `{placeholders}`, in `lang`.
            pub fn text(self, lang: Lang) -> &'static str {
                match lang {
                    Lang::Nl => match self { $(Code::$variant => $nl),+ },
                    Lang::En => match self { $(Code::$variant => $en),+ },
                }
            }
        }
    };
}

catalogue! {
    // ---- problem titles, one per problem type -------------------------------------------
    TitleBadRequest = "title.bad_request" { nl: "Ongeldig verzoek", en: "Bad request" },
    TitleValidation = "title.validation" { nl: "Ongeldige invoer", en: "Validation failed" },
    TitleUnauthorized = "title.unauthorized" { nl: "Aanmelden vereist", en: "Authentication required" },
    TitleForbidden = "title.forbidden" { nl: "Niet toegestaan", en: "Not allowed" },
    TitlePasswordChangeRequired = "title.password_change_required" { nl: "Wachtwoord wijzigen vereist", en: "Password change required" },
    TitleNotFound = "title.not_found" { nl: "Niet gevonden", en: "Not found" },
    TitleMethodNotAllowed = "title.method_not_allowed" { nl: "Methode niet toegestaan", en: "Method not allowed" },
    TitleConflict = "title.conflict" { nl: "Conflict", en: "Conflict" },
    TitlePreconditionFailed = "title.precondition_failed" { nl: "Voorwaarde niet vervuld", en: "Precondition failed" },
    TitlePreconditionRequired = "title.precondition_required" { nl: "Voorwaarde vereist", en: "Precondition required" },
    TitlePayloadTooLarge = "title.payload_too_large" { nl: "Verzoek te groot", en: "Payload too large" },
    TitleUnsupportedMediaType = "title.unsupported_media_type" { nl: "Niet-ondersteund mediatype", en: "Unsupported media type" },
    TitleNotAcceptable = "title.not_acceptable" { nl: "Niet aanvaardbaar", en: "Not acceptable" },
    TitleRequestTimeout = "title.request_timeout" { nl: "Verzoek verlopen", en: "Request timeout" },
    TitleTooManyRequests = "title.too_many_requests" { nl: "Te veel verzoeken", en: "Too many requests" },
    TitleGone = "title.gone" { nl: "Verdwenen", en: "Gone" },
    TitleUnavailable = "title.unavailable" { nl: "Dienst niet beschikbaar", en: "Service unavailable" },
    TitleInternal = "title.internal" { nl: "Interne fout", en: "Internal error" },

    // ---- problem details: the protocol -------------------------------------------------
    ValidationFailed = "validation_failed" {
        nl: "{count} velden zijn ongeldig",
        en: "{count} fields are invalid",
    },
    ValidationFailedOne = "validation_failed_one" { nl: "{field}: {message}", en: "{field}: {message}" },
    NotFound = "not_found" {
        nl: "bestaat niet, of je mag het niet zien",
        en: "no such resource, or it is not yours to see",
    },
    PasswordChangeRequired = "password_change_required" {
        nl: "het wachtwoord van deze account werd door iemand anders ingesteld; wijzig het eerst met POST /api/v1/me/password (GET /api/v1/me antwoordt nog)",
        en: "this account's password was set by someone else; change it with POST /api/v1/me/password first (GET /api/v1/me still answers)",
    },
    MethodNotAllowed = "method_not_allowed" {
        nl: "deze resource laat {allow} toe",
        en: "this resource allows {allow}",
    },
    PreconditionFailed = "precondition_failed" {
        nl: "het object is gewijzigd sinds je het las (If-Match komt niet overeen met de ETag)",
        en: "the object changed since you read it (If-Match does not match its ETag)",
    },
    PreconditionRequired = "precondition_required" {
        nl: "stuur If-Match mee met de ETag die je las",
        en: "send If-Match with the ETag you read",
    },
    PayloadTooLarge = "payload_too_large" {
        nl: "het verzoek is groter dan {limit} bytes",
        en: "the body exceeds {limit} bytes",
    },
    RequestTimeout = "request_timeout" {
        nl: "het verzoek kwam niet binnen {seconds} s toe",
        en: "the request was not received within {seconds} s",
    },
    TooManyRequests = "too_many_requests" {
        nl: "te veel pogingen; probeer opnieuw over {seconds} s",
        en: "too many attempts; retry after {seconds} s",
    },
    InternalError = "internal_error" {
        nl: "er liep intern iets mis; het werd gelogd",
        en: "an internal error occurred; it has been logged",
    },
    AnswerErased = "answer_erased" {
        nl: "het antwoord op dit verzoek werd gewist met de persoonsgegevens van het dossier",
        en: "the answer to this request was erased with the personal data of its case",
    },
    HttpError = "http_error" { nl: "HTTP-fout: {reason}", en: "HTTP error: {reason}" },
    BodyReadFailed = "body_read_failed" {
        nl: "het verzoek kon niet gelezen worden: {reason}",
        en: "reading the body failed: {reason}",
    },
    JsonBodyMissing = "json_body_missing" {
        nl: "dit verzoek heeft een JSON-body nodig",
        en: "the request needs a JSON body",
    },
    JsonMalformed = "json_malformed" {
        nl: "geen geldige JSON: {reason}",
        en: "malformed JSON: {reason}",
    },
    JsonContentTypeRequired = "json_content_type_required" {
        nl: "stuur de body als JSON met Content-Type: application/json",
        en: "send the body as JSON with Content-Type: application/json",
    },
    CsvContentTypeRequired = "csv_content_type_required" {
        nl: "stuur het bestand met Content-Type: text/csv",
        en: "send the file with Content-Type: text/csv",
    },
    PathInvalid = "path_invalid" { nl: "ongeldig pad: {reason}", en: "invalid path: {reason}" },
    CursorInvalid = "cursor_invalid" {
        nl: "geen cursor die deze lijst uitgaf",
        en: "not a cursor this list gave out",
    },

    // ---- who is calling ------------------------------------------------------------------
    AuthHeaderMissing = "auth_header_missing" {
        nl: "stuur een header Authorization: Bearer <token>",
        en: "send an Authorization: Bearer <token> header",
    },
    AuthHeaderMalformed = "auth_header_malformed" {
        nl: "ongeldige Authorization-header",
        en: "malformed Authorization header",
    },
    AuthSchemeNotBearer = "auth_scheme_not_bearer" {
        nl: "de Authorization-header moet het Bearer-schema gebruiken",
        en: "the Authorization header must use the Bearer scheme",
    },
    TokenInvalid = "token_invalid" {
        nl: "het token is ongeldig of verlopen",
        en: "the token is invalid or expired",
    },
    AccountMissing = "account_missing" { nl: "de account bestaat niet", en: "the account does not exist" },
    AccountDeactivated = "account_deactivated" { nl: "de account is gedeactiveerd", en: "the account is deactivated" },
    SessionEnded = "session_ended" {
        nl: "de sessie is beëindigd: het wachtwoord of de account is gewijzigd sinds dit token werd uitgegeven; meld je opnieuw aan",
        en: "the session ended: the password or the account changed since this token was issued; log in again",
    },
    CredentialsWrong = "credentials_wrong" {
        nl: "het e-mailadres of het wachtwoord is fout",
        en: "the e-mail address or the password is wrong",
    },
    CurrentPasswordWrong = "current_password_wrong" {
        nl: "het huidige wachtwoord is fout",
        en: "the current password is wrong",
    },
    PublicityCountsOnly = "publicity_counts_only" {
        nl: "telt wat een publiciteitsactiviteit uitdeelde: moet 0 zijn tenzij kind publicity is",
        en: "counts what a publicity activity handed out: must be 0 unless kind is publicity",
    },
    MetricsTokenMissing = "metrics_token_missing" {
        nl: "stuur METRICS_TOKEN mee als Authorization: Bearer <token>",
        en: "send METRICS_TOKEN as Authorization: Bearer <token>",
    },
    FeedTokenMissing = "feed_token_missing" {
        nl: "stuur het feedtoken mee als ?token=",
        en: "send the feed token as ?token=",
    },
    FeedTokenInvalid = "feed_token_invalid" {
        nl: "het feedtoken is ongeldig of werd vervangen",
        en: "the feed token is invalid or was rotated",
    },
    RoleForbidden = "role_forbidden" {
        nl: "de rol {role} mag dit niet",
        en: "the {role} role may not do this",
    },
    CalendarRoleNone = "calendar_role_none" {
        nl: "deze rol heeft geen agendafeeds",
        en: "this role has no calendar feeds",
    },
    AccountNotBoundToSchool = "account_not_bound_to_school" {
        nl: "deze account is niet aan een school gekoppeld",
        en: "this account is not bound to a school",
    },
    SubmissionsCountsOnly = "submissions_counts_only" {
        nl: "de rol {role} ziet ingevulde signaallijsten enkel als aantallen (GET /api/v1/checklist-submissions/counts)",
        en: "the {role} role sees checklist submissions as counts only (GET /api/v1/checklist-submissions/counts)",
    },
    PartnerContactOnly = "partner_contact_only" {
        nl: "een partneraccount wijzigt enkel de contactgegevens van zijn organisatie (website, telefoon, e-mail, adres)",
        en: "a partner account changes only its organisation's contact data (website, phone, e-mail, address)",
    },
    SchoolContactOnly = "school_contact_only" {
        nl: "een schoolaccount mag enkel de `contact` en de `wishes` van zijn school wijzigen",
        en: "a school account may change only its school's `contact` and `wishes`",
    },
    // ---- allocation plans and the complete calendar (issue 20, items 4 and 5) ---------------
    AssignmentClash = "assignment_clash" {
        nl: "de werker is dan al elders: opdracht {other} ({school}, dag {weekday}, {start}–{end}), met {gap} minuten reistijd ertussen",
        en: "the worker is elsewhere then: assignment {other} ({school}, day {weekday}, {start}–{end}), with {gap} minutes of travel between",
    },
    PlanLineClash = "plan_line_clash" {
        nl: "de werker is dan al elders volgens lijn {other} van dit plan (dag {weekday}, {start}–{end}), met {gap} minuten reistijd ertussen",
        en: "the worker is elsewhere then by line {other} of this plan (day {weekday}, {start}–{end}), with {gap} minutes of travel between",
    },
    PlanApplied = "plan_applied" {
        nl: "het plan is al toegepast; maak een nieuw plan",
        en: "the plan has been applied; make a new plan",
    },
    CapacityNotSet = "capacity_not_set" {
        nl: "de capaciteit (uren per week) van deze werker is niet ingesteld",
        en: "this worker's capacity (hours a week) is not set",
    },
    NoWorkersWithCapacity = "no_workers_with_capacity" {
        nl: "geen actieve maatschappelijk werker heeft een capaciteit (uren per week)",
        en: "no active social worker has a capacity (hours a week)",
    },
    WorkerAway = "worker_away" {
        nl: "de maatschappelijk werker is afwezig",
        en: "the social worker is away",
    },
    SubstituteNotAbsentWorker = "substitute_not_absent_worker" {
        nl: "moet een andere actieve maatschappelijk werker zijn",
        en: "must be another active social worker",
    },
    ReasonWeight = "allocation.reason.weight" {
        nl: "gewicht {weight}: {pupils} leerlingen × {ses}% met een SES-kenmerk plus {help} hulpvraag/-vragen",
        en: "weight {weight}: {pupils} pupils × {ses}% with an SES indicator plus {help} help request(s)",
    },
    ReasonSpoc = "allocation.reason.spoc" {
        nl: "vaste aanspreekpunt (SPOC): de werker met de meeste vrije uren toen de school aan de beurt was ({left} uur vrij)",
        en: "single point of contact (SPOC): the worker with the most free hours when the school's turn came ({left} hours free)",
    },
    ReasonWishConsult = "allocation.reason.wish_consult" {
        nl: "de school wenst consult: een bezoek op aanvraag, geen zitdag",
        en: "the school wishes consult: a visit on request, no office hours",
    },
    ReasonWishSpoc = "allocation.reason.wish_spoc" {
        nl: "de school wenst enkel een aanspreekpunt (SPOC): geen zitdag",
        en: "the school wishes a point of contact (SPOC) only: no office hours",
    },
    ReasonOfficeHoursShare = "allocation.reason.office_hours_share" {
        nl: "zitdag {number} van {of} voor deze school: haar deel van de zitdagen volgens gewicht (grootste rest)",
        en: "office hours {number} of {of} for this school: its share of the sessions by weight (largest remainder)",
    },
    ReasonWishDayMet = "allocation.reason.wish_day_met" {
        nl: "op een gewenste dag en binnen de gewenste uren van de school",
        en: "on a day and within the hours the school wishes",
    },
    ReasonWishDayMissed = "allocation.reason.wish_day_missed" {
        nl: "geen vrij moment op een gewenste dag of uur van de school: het eerste vrije moment",
        en: "no free moment on a day or at an hour the school wishes: the first free moment",
    },
    ReasonNoClash = "allocation.reason.no_clash" {
        nl: "de werker is dan nergens anders (minstens {gap} minuten reistijd tussen twee scholen)",
        en: "the worker is nowhere else then (at least {gap} minutes of travel between two schools)",
    },
    ReasonCapacity = "allocation.reason.capacity" {
        nl: "binnen de capaciteit van de werker: {used} van {capacity} uur per week",
        en: "within the worker's capacity: {used} of {capacity} hours a week",
    },
    ReasonManual = "allocation.reason.manual" {
        nl: "met de hand toegevoegd of gewijzigd door de coördinator",
        en: "added or changed by hand by the coordinator",
    },
    ReasonUnplaced = "allocation.reason.unplaced" {
        nl: "geen werker had nog een vrij moment binnen de capaciteit",
        en: "no worker had a free moment left within capacity",
    },
    AgendaNotModerator = "agenda_not_moderator" {
        nl: "enkel de maatschappelijk werkers van de scholen van het netwerk en de coördinator modereren de agenda",
        en: "only the social workers of the network's schools and the coordinator moderate its agenda",
    },
    AgendaOnlyAuthor = "agenda_only_author" {
        nl: "enkel de auteur wijzigt een agendapunt",
        en: "only its author changes an agenda item",
    },
    AgendaSchoolOwnOnly = "agenda_school_own_only" {
        nl: "een school trekt enkel haar eigen agendapunten in",
        en: "a school withdraws only its own agenda items",
    },

    // ---- conflicts ---------------------------------------------------------------------------
    UniqueViolation = "unique_violation" {
        nl: "er bestaat al een object met dezelfde unieke waarde",
        en: "an object with the same unique value exists already",
    },
    ForeignKeyViolation = "foreign_key_violation" {
        nl: "het object wordt door andere objecten gebruikt, of verwijst ernaar",
        en: "the object is referenced by, or refers to, other objects",
    },
    InvalidTransition = "invalid_transition" {
        nl: "{object} kan `{action}` enkel in toestand {allowed}; de toestand is {current}",
        en: "{object} can `{action}` only when it is {allowed}; it is {current}",
    },
    ListOr = "list.or" { nl: "{first} of {rest}", en: "{first} or {rest}" },
    ListSpace = "list.space" { nl: "{first} {rest}", en: "{first} {rest}" },
    PasswordReasons = "password.reasons" { nl: ": {list}", en: ": {list}" },
    Verbatim = "verbatim" { nl: "{text}", en: "{text}" },
    ObjectCase = "object.case" { nl: "een dossier", en: "a case" },
    ObjectNeed = "object.need" { nl: "een nood", en: "a need" },
    ObjectReferral = "object.referral" { nl: "een doorverwijzing", en: "a referral" },
    ObjectConsult = "object.consult" { nl: "een consultaanvraag", en: "a consult request" },
    ObjectAgendaItem = "object.agenda_item" { nl: "een agendapunt", en: "an agenda item" },
    UserEmailExists = "user_email_exists" {
        nl: "er bestaat al een gebruiker met e-mailadres {email}",
        en: "a user with e-mail {email} exists already",
    },
    CannotDeactivateSelf = "cannot_deactivate_self" {
        nl: "je kan je eigen account niet deactiveren",
        en: "you cannot deactivate your own account",
    },
    CannotResetOwnPassword = "cannot_reset_own_password" {
        nl: "je eigen wachtwoord wijzig je met POST /api/v1/me/password, met je huidige wachtwoord",
        en: "change your own password with POST /api/v1/me/password, giving your current one",
    },
    CaseClosedNoReferrals = "case_closed_no_referrals" {
        nl: "een afgesloten dossier krijgt geen nieuwe doorverwijzingen; heropen het eerst",
        en: "a closed case takes no new referrals; reopen it first",
    },
    ReferralOnlyDraftChanges = "referral_only_draft_changes" {
        nl: "enkel een ontwerp van doorverwijzing kan gewijzigd worden; deze is {status}",
        en: "only a draft referral can be changed; it is {status}",
    },
    ReferralConsentWithdrawn = "referral_consent_withdrawn" {
        nl: "versturen vraagt een geldige toestemming refer_to_partner van het gezin voor partner {partner} ({partner_id}): die toestemming werd ingetrokken; {advice}",
        en: "sending needs a live refer_to_partner consent of the family for partner {partner} ({partner_id}): the family's refer_to_partner consent for {partner} was withdrawn; {advice}",
    },
    ReferralFinalNoFollowUp = "referral_final_no_follow_up" {
        nl: "een doorverwijzing in toestand {status} is afgerond: de opvolgdatum verandert niet meer",
        en: "a referral in state {status} is final: its follow-up day no longer changes",
    },
    ReferralConsentGone = "referral_consent_gone" {
        nl: "de familie heeft haar toestemming voor deze doorverwijzing ingetrokken: {action} kan niet meer; weigeren of laten mislukken kan wel",
        en: "the family withdrew its consent for this referral: {action} is no longer possible; decline or fail it instead",
    },
    ReferralConsentWithdrawnReason = "referral_consent_withdrawn_reason" {
        nl: "toestemming ingetrokken",
        en: "consent withdrawn",
    },
    ReferralConsentOnlyOthers = "referral_consent_only_other_partners" {
        nl: "versturen vraagt een geldige toestemming refer_to_partner van het gezin voor partner {partner} ({partner_id}): het dossier heeft enkel toestemming refer_to_partner voor andere partners, niet voor {partner} (de partner van deze dienst); {advice}",
        en: "sending needs a live refer_to_partner consent of the family for partner {partner} ({partner_id}): the case has refer_to_partner consent only for other partners, not for {partner} (the partner of this service); {advice}",
    },
    ReferralConsentNone = "referral_consent_none" {
        nl: "versturen vraagt een geldige toestemming refer_to_partner van het gezin voor partner {partner} ({partner_id}): het dossier heeft geen toestemming refer_to_partner voor {partner}; {advice}",
        en: "sending needs a live refer_to_partner consent of the family for partner {partner} ({partner_id}): the case has no refer_to_partner consent for {partner}; {advice}",
    },
    ReferralConsentAdvice = "referral_consent_advice" {
        nl: "registreer de toestemming op het dossier, of verstuur met consent_override {legal_basis: vital_interest | legal_obligation, reason}",
        en: "record the consent on the case, or send with consent_override {legal_basis: vital_interest | legal_obligation, reason}",
    },
    SubmissionWrongState = "submission_wrong_state" {
        nl: "enkel een signaallijst in toestand {needs} kan {action}; deze is {status}",
        en: "only a {needs} submission can be {action}; this one is {status}",
    },
    SubmissionActionTriage = "submission_action.triage" { nl: "getrieerd worden", en: "triaged" },
    SubmissionActionNoAction = "submission_action.no_action" { nl: "zonder actie afgesloten worden", en: "closed without action" },
    SubmissionActionOpenCase = "submission_action.open_case" { nl: "een dossier worden", en: "turned into a case" },
    SubmissionNotTriaged = "submission_not_triaged" {
        nl: "enkel een getrieerde signaallijst kan een dossier worden; deze is {status}",
        en: "only a triaged submission can become a case; this one is {status}",
    },
    NoPublishedChecklist = "no_published_checklist" {
        nl: "er is nog geen versie van de signaallijst gepubliceerd; vraag het de coördinator",
        en: "no checklist version is published yet; ask the coordinator",
    },
    CaseErasedNothingToCorrect = "case_erased_nothing_to_correct" {
        nl: "de persoonsgegevens van dit dossier werden gewist; er valt niets meer te verbeteren",
        en: "this case's personal data was erased; nothing is left to correct",
    },
    CaseErasedAlready = "case_erased_already" {
        nl: "de persoonsgegevens van dit dossier werden al gewist",
        en: "this case's personal data was erased already",
    },
    EraseOnlyClosed = "erase_only_closed" {
        nl: "enkel een afgesloten dossier kan gewist worden; sluit het eerst af",
        en: "only a closed case can be erased; close it first",
    },
    ConsentWithdrawnAlready = "consent_withdrawn_already" {
        nl: "deze toestemming werd al ingetrokken",
        en: "this consent was withdrawn already",
    },
    ShareConsentMissing = "share_consent_missing" {
        nl: "het gezin heeft niet toegestaan dat met de school gedeeld wordt: registreer eerst een geldige toestemming share_with_school",
        en: "the family has not allowed sharing with the school: record a live share_with_school consent first",
    },
    CloseReferredNeedsSentReferral = "close_referred_needs_sent_referral" {
        nl: "een dossier sluit enkel af als `referred` wanneer minstens één doorverwijzing verstuurd werd; verstuur eerst een doorverwijzing, of sluit af met een andere uitkomst",
        en: "a case closes as `referred` only when at least one of its referrals was sent; send a referral first, or close with another outcome",
    },
    ThemeExists = "theme_exists" {
        nl: "er bestaat al een thema met code `{code}`; om een stopgezet thema terug te brengen, PATCH het met active: true",
        en: "a theme with code `{code}` exists already; to bring a retired one back, PATCH it with active: true",
    },
    ConsultCancelledNoCase = "consult_cancelled_no_case" {
        nl: "een geannuleerde consultaanvraag kan geen dossier openen",
        en: "a cancelled consult request cannot open a case",
    },
    ConsultCaseOpenedAlready = "consult_case_opened_already" {
        nl: "deze consultaanvraag opende al een dossier",
        en: "this consult request opened a case already",
    },
    VersionPublishedImmutable = "version_published_immutable" {
        nl: "een gepubliceerde versie verandert nooit; maak in de plaats een nieuwe versie",
        en: "a published version never changes; draft a new version instead",
    },
    VersionPublishedAlready = "version_published_already" {
        nl: "deze versie is al gepubliceerd",
        en: "this version is published already",
    },
    SessionHeldImmutable = "session_held_immutable" {
        nl: "een zitdag die als gehouden geregistreerd is, kan niet geannuleerd of verplaatst worden",
        en: "a session logged as held cannot be cancelled or moved",
    },
    SessionExceptionExists = "session_exception_exists" {
        nl: "deze zitdag heeft al een uitzondering; verwijder die eerst",
        en: "this session has an exception already; delete it first",
    },
    SessionCancelledNotHeld = "session_cancelled_not_held" {
        nl: "een geannuleerde zitdag kan niet als gehouden geregistreerd worden",
        en: "a cancelled session cannot be logged as held",
    },
    SessionLoggedAlready = "session_logged_already" {
        nl: "deze zitdag is al geregistreerd",
        en: "this session is logged already",
    },
    SchoolNumberExists = "school_number_exists" {
        nl: "er bestaat al een school met instellingsnummer {number}",
        en: "a school with institution number {number} exists already",
    },
    SchoolNumberTaken = "school_number_taken" {
        nl: "een andere school heeft dit instellingsnummer",
        en: "another school has this institution number",
    },
    NetworkInUse = "network_in_use" {
        nl: "er horen nog scholen of diensten bij dit netwerk; deactiveer het in de plaats (active: false)",
        en: "schools or services still belong to this network; deactivate it instead (active: false)",
    },
    SchoolInUse = "school_in_use" {
        nl: "er verwijzen nog gebruikers of toewijzingen naar deze school; deactiveer ze in de plaats (active: false)",
        en: "users or assignments still refer to this school; deactivate it instead (active: false)",
    },
    PartnerHasChildren = "partner_has_children" {
        nl: "andere organisaties hebben deze partner als bovenliggende organisatie; verplaats ze eerst, of deactiveer hem in de plaats (active: false)",
        en: "other organisations name this partner as their parent; move them first, or deactivate it instead (active: false)",
    },
    PartnerHasServices = "partner_has_services" {
        nl: "er horen nog diensten bij deze partner; deactiveer hem in de plaats (active: false)",
        en: "services still belong to this partner; deactivate it instead (active: false)",
    },
    IdempotencyInProgress = "idempotency_in_progress" {
        nl: "een verzoek met deze Idempotency-Key is nog bezig",
        en: "a request with this Idempotency-Key is still in progress",
    },
    IdempotencyAnswerLost = "idempotency_answer_lost" {
        nl: "het eerste verzoek met deze Idempotency-Key werd uitgevoerd, maar het antwoord ging verloren; zoek het object op in plaats van opnieuw te proberen",
        en: "the first request with this Idempotency-Key was carried out, but its answer was lost; look the object up instead of retrying",
    },
    IdempotencyFirstFailed = "idempotency_first_failed" {
        nl: "het eerste verzoek met deze Idempotency-Key mislukte; probeer het opnieuw",
        en: "the first request with this Idempotency-Key failed; retry it",
    },
    IdempotencyTakenOver = "idempotency_taken_over" {
        nl: "een nieuwe poging met deze Idempotency-Key nam dit verzoek over; er werd niets gewijzigd",
        en: "a retry with this Idempotency-Key took over this request; nothing was changed",
    },

    // ---- unavailable -------------------------------------------------------------------------
    DatabaseUnreachable = "database_unreachable" {
        nl: "de databank is niet bereikbaar; probeer zo dadelijk opnieuw",
        en: "the database is not reachable; try again shortly",
    },
    DatabaseNotAnswering = "database_not_answering" {
        nl: "de databank antwoordt niet: {reason}",
        en: "the database does not answer: {reason}",
    },
    NoConnectionFree = "no_connection_free" {
        nl: "er kwam niet tijdig een databankverbinding vrij; probeer zo dadelijk opnieuw",
        en: "no database connection became free in time; try again shortly",
    },
    AuditNotRecorded = "audit_not_recorded" {
        nl: "de toegang kon niet geregistreerd worden; probeer zo dadelijk opnieuw",
        en: "the access could not be recorded; try again shortly",
    },
    ServiceStopping = "service_stopping" { nl: "de dienst stopt", en: "the service is stopping" },

    // ---- field messages: shape of the input (serde) ------------------------------------
    Required = "required" { nl: "is verplicht", en: "is required" },
    UnknownField = "unknown_field" {
        nl: "is geen bekend veld; verwacht: {allowed}",
        en: "is not a known field; expected: {allowed}",
    },
    UnknownFieldNone = "unknown_field_none" {
        nl: "is geen bekend veld; hier worden geen velden verwacht",
        en: "is not a known field; none are expected here",
    },
    DuplicateField = "duplicate_field" { nl: "komt twee keer voor", en: "appears twice" },
    // ---- FHIR (/fhir/r4): search parameters and Task updates ------------------------------
    FhirSearchParamUnknown = "fhir.search_param_unknown" {
        nl: "is geen zoekparameter van deze resource; toegelaten: {allowed}",
        en: "is not a search parameter of this resource; allowed: {allowed}",
    },
    FhirDateInvalid = "fhir.date_invalid" {
        nl: "verwacht een prefix ge, gt, le of lt en een datum (JJJJ-MM-DD) of tijdstip met tijdzone",
        en: "expects a prefix ge, gt, le or lt and a date (YYYY-MM-DD) or a date-time with a zone",
    },
    FhirOwnerInvalid = "fhir.owner_invalid" {
        nl: "verwacht Organization/<id> van een partnerorganisatie",
        en: "expects Organization/<id> of a partner organisation",
    },
    FhirTaskStatusUnknown = "fhir.task_status_unknown" {
        nl: "onbekende FHIR Task-status `{value}`; toegelaten: {allowed}",
        en: "unknown FHIR Task status `{value}`; allowed: {allowed}",
    },
    FhirTaskStatusNotSettable = "fhir.task_status_not_settable" {
        nl: "een doorverwijzing kan niet naar `{status}` gaan; ze staat nu op `{current}`",
        en: "a referral cannot move to `{status}`; it is `{current}` now",
    },
    FhirPatchOperationUnsupported = "fhir.patch_operation_unsupported" {
        nl: "niet-ondersteunde bewerking `{op}`; toegelaten: replace, add, test",
        en: "unsupported operation `{op}`; allowed: replace, add, test",
    },
    FhirPatchPathUnsupported = "fhir.patch_path_unsupported" {
        nl: "dit pad kan niet gewijzigd worden; toegelaten: /status, /statusReason, /output, /output/-",
        en: "this path cannot be changed; allowed: /status, /statusReason, /output, /output/-",
    },
    FhirPatchStatusRequired = "fhir.patch_status_required" {
        nl: "een wijziging van een Task zet /status",
        en: "a change of a Task sets /status",
    },
    FhirPatchValueInvalid = "fhir.patch_value_invalid" {
        nl: "ongeldige waarde; verwacht: {expected}",
        en: "invalid value; expected {expected}",
    },
    FhirPatchTestFailed = "fhir.patch_test_failed" {
        nl: "de test faalt: de Task heeft hier een andere waarde",
        en: "the test fails: the Task holds another value here",
    },
    UnknownValue = "unknown_value" {
        nl: "onbekende waarde `{value}`; toegelaten: {allowed}",
        en: "unknown value `{value}`; allowed: {allowed}",
    },
    InvalidType = "invalid_type" {
        nl: "heeft het verkeerde type; verwacht: {expected}",
        en: "has the wrong type; expected {expected}",
    },
    InvalidValue = "invalid_value" {
        nl: "ongeldige waarde; verwacht: {expected}",
        en: "invalid value; expected {expected}",
    },
    InvalidLength = "invalid_length" {
        nl: "heeft het verkeerde aantal elementen ({length}), verwacht {expected}",
        en: "has the wrong number of elements ({length}), expected {expected}",
    },
    InvalidUuid = "invalid_uuid" { nl: "moet een UUID zijn", en: "must be a UUID" },
    InvalidDateTime = "invalid_date_time" {
        nl: "is geen geldige datum of tijd (ISO 8601, bv. 2026-09-01 of 2026-09-01T08:30:00Z)",
        en: "is not a valid date or time (ISO 8601, e.g. 2026-09-01 or 2026-09-01T08:30:00Z)",
    },
    InvalidNumber = "invalid_number" { nl: "moet een getal zijn", en: "must be a number" },
    InvalidBoolean = "invalid_boolean" { nl: "moet true of false zijn", en: "must be true or false" },
    Invalid = "invalid" { nl: "is ongeldig: {reason}", en: "is invalid: {reason}" },
    TypeString = "type.string" { nl: "tekst", en: "a string" },
    TypeInteger = "type.integer" { nl: "een geheel getal", en: "a whole number" },
    TypeNumber = "type.number" { nl: "een getal", en: "a number" },
    TypeBoolean = "type.boolean" { nl: "true of false", en: "true or false" },
    TypeList = "type.list" { nl: "een lijst", en: "a list" },
    TypeObject = "type.object" { nl: "een object", en: "an object" },
    TypeNull = "type.null" { nl: "null", en: "null" },
    TypeUuid = "type.uuid" { nl: "een UUID", en: "a UUID" },
    TypeDateTime = "type.date_time" { nl: "een datum of tijd (ISO 8601)", en: "a date or time (ISO 8601)" },
    ControlCharacter = "control_character" {
        nl: "mag geen stuurtekens bevatten (gevonden: U+{codepoint}); enkel tab, nieuwe regel en regelterugloop zijn toegelaten",
        en: "must not contain control characters (found U+{codepoint}); only tab, newline and carriage return are allowed",
    },
    ControlCharacterInKey = "control_character_in_key" {
        nl: "een sleutel mag geen stuurtekens bevatten (gevonden: U+{codepoint})",
        en: "a key must not contain control characters (found U+{codepoint})",
    },
    ControlCharacterInParameterName = "control_character_in_parameter_name" {
        nl: "een parameternaam mag geen stuurtekens bevatten (gevonden: U+{codepoint})",
        en: "a parameter name must not contain control characters (found U+{codepoint})",
    },

    // ---- field messages: the validator's rules ---------------------------------------
    LengthBetween = "length_between" {
        nl: "de lengte moet tussen {min} en {max} liggen",
        en: "length must be between {min} and {max}",
    },
    LengthMin = "length_min" { nl: "de lengte moet minstens {min} zijn", en: "length must be at least {min}" },
    LengthMax = "length_max" { nl: "de lengte mag hoogstens {max} zijn", en: "length must be at most {max}" },
    RangeBetween = "range_between" { nl: "moet tussen {min} en {max} liggen", en: "must be between {min} and {max}" },
    BirthYearSchoolAge = "birth_year_school_age" {
        nl: "moet tussen {min} en {max} liggen: 2 tot 21 jaar voor dit jaar",
        en: "must be between {min} and {max}: 2 to 21 years before this year",
    },
    RangeMin = "range_min" { nl: "moet minstens {min} zijn", en: "must be at least {min}" },
    RangeMax = "range_max" { nl: "mag hoogstens {max} zijn", en: "must be at most {max}" },
    InvalidEmail = "invalid_email" { nl: "moet een geldig e-mailadres zijn", en: "must be a valid e-mail address" },
    InvalidUrl = "invalid_url" { nl: "moet een geldige URL zijn", en: "must be a valid URL" },
    InvalidRule = "invalid_rule" { nl: "is ongeldig ({rule})", en: "is invalid ({rule})" },
    SnakeCaseCode = "snake_case_code" {
        nl: "moet snake_case zijn: een kleine letter, dan kleine letters, cijfers of _ (2 tot 50 tekens)",
        en: "must be snake_case: a lower-case letter, then lower-case letters, digits or _ (2 to 50 characters)",
    },

    // ---- field messages: the programme's rules ---------------------------------------
    Blank = "blank" { nl: "mag niet leeg zijn", en: "must not be blank" },
    CharsMax = "chars_max" { nl: "mag hoogstens {max} tekens lang zijn", en: "must be at most {max} characters" },
    CharsBetween = "chars_between" { nl: "moet {min} tot {max} tekens lang zijn", en: "must be {min} to {max} characters" },
    ListedTwice = "listed_twice" { nl: "staat er twee keer in", en: "listed twice" },
    CodeListedTwice = "code_listed_twice" { nl: "`{code}` staat er twee keer in", en: "`{code}` is listed twice" },
    WebUrl = "web_url" {
        nl: "moet een http(s)-URL zijn, zoals https://www.example.be",
        en: "must be an http(s) URL such as https://www.example.be",
    },
    HttpUrl = "http_url" { nl: "moet een http- of https-URL zijn", en: "must be an http or https URL" },
    UrlNotPublic = "url_not_public" {
        nl: "moet naar een publiek internetadres wijzen (geen loopback, privé, link-local, gedeeld, multicast, gereserveerd adres of metadatadienst)",
        en: "must point to a public internet address (not loopback, private, link-local, shared, multicast, reserved or a metadata service)",
    },
    NotInPast = "not_in_past" { nl: "mag niet in het verleden liggen", en: "must not be in the past" },
    NotInFuture = "not_in_future" { nl: "mag niet in de toekomst liggen", en: "must not be in the future" },
    NotBefore = "not_before" { nl: "mag niet vóór {other} liggen", en: "must not be before {other}" },
    TooFarInFuture = "too_far_in_future" { nl: "ligt te ver in de toekomst", en: "is too far in the future" },
    TooFarInPast = "too_far_in_past" { nl: "ligt te ver in het verleden", en: "is too far in the past" },
    RangeMaxDays = "range_max_days" {
        nl: "de periode mag hoogstens {max} dagen beslaan",
        en: "the range may span at most {max} days",
    },
    EndAfterStart = "end_after_start" { nl: "moet na start_time liggen", en: "must be after start_time" },
    NotForPartners = "not_for_partners" {
        nl: "is niet beschikbaar voor een partneraccount",
        en: "is not available to a partner account",
    },
    NotAReference = "not_a_reference" {
        nl: "moet een dossierreferentie zijn, zoals KE-2026-00042",
        en: "must be a case reference such as KE-2026-00042",
    },
    TimeHhMm = "time_hh_mm" { nl: "moet een tijdstip zijn als UU:MM", en: "must be a time as HH:MM" },
    NoSuchTheme = "no_such_theme" { nl: "dit thema bestaat niet", en: "no such theme" },
    ThemeUnknown = "theme_unknown" { nl: "het thema `{code}` bestaat niet", en: "no such theme `{code}`" },
    ThemeRetired = "theme_retired" {
        nl: "het thema `{code}` is stopgezet; kies een ander",
        en: "the theme `{code}` is retired; choose another",
    },
    NoSuchSchool = "no_such_school" { nl: "deze school bestaat niet", en: "no such school" },
    NoSuchNetwork = "no_such_network" { nl: "dit netwerk bestaat niet", en: "no such network" },
    NoSuchPartner = "no_such_partner" { nl: "deze partnerorganisatie bestaat niet", en: "no such partner" },
    NoSuchService = "no_such_service" { nl: "deze dienst bestaat niet", en: "no such service" },
    NoSuchUser = "no_such_user" { nl: "deze gebruiker bestaat niet", en: "no such user" },
    NetworkInactive = "network_inactive" { nl: "het netwerk is niet actief", en: "the network is inactive" },
    ServiceNotOffered = "service_not_offered" {
        nl: "deze dienst wordt niet meer aangeboden",
        en: "this service is no longer offered",
    },
    SchoolAccountNeedsSchool = "school_account_needs_school" {
        nl: "een schoolaccount heeft zijn school nodig",
        en: "a school account needs its school",
    },
    OnlySchoolAccountsHaveSchool = "only_school_accounts_have_school" {
        nl: "enkel schoolaccounts horen bij een school",
        en: "only school accounts belong to a school",
    },
    PartnerAccountNeedsPartner = "partner_account_needs_partner" {
        nl: "een partneraccount heeft zijn partnerorganisatie nodig",
        en: "a partner account needs its partner organisation",
    },
    OnlyPartnerAccountsHavePartner = "only_partner_accounts_have_partner" {
        nl: "enkel partneraccounts horen bij een partnerorganisatie",
        en: "only partner accounts belong to a partner organisation",
    },
    PasswordTooShort = "password_too_short" {
        nl: "moet minstens {min} tekens lang zijn",
        en: "must be at least {min} characters",
    },
    PasswordTooLong = "password_too_long" {
        nl: "mag hoogstens {max} tekens lang zijn",
        en: "must be at most {max} characters",
    },
    PasswordContainsEmail = "password_contains_email" {
        nl: "mag je e-mailadres niet bevatten",
        en: "must not contain your e-mail address",
    },
    PasswordGuessable = "password_guessable" {
        nl: "is te makkelijk te raden{why}",
        en: "is too easy to guess{why}",
    },
    PasswordMustDiffer = "password_must_differ" {
        nl: "moet verschillen van het huidige wachtwoord",
        en: "must differ from the current password",
    },
    ActiveSocialWorker = "active_social_worker" {
        nl: "moet een actieve maatschappelijk werker zijn",
        en: "must be an active social worker",
    },
    NoSuchActiveWorker = "no_such_active_worker" {
        nl: "er is geen actieve maatschappelijk werker met deze id",
        en: "no such active social worker",
    },
    WorkerNotAssignedToCaseSchool = "worker_not_assigned_to_case_school" {
        nl: "deze maatschappelijk werker is niet toegewezen aan de school van het dossier",
        en: "this social worker is not assigned to the case's school",
    },
    WorkerAssignedToSchool = "worker_assigned_to_school" {
        nl: "moet een actieve maatschappelijk werker zijn die aan de school toegewezen is",
        en: "must be an active social worker assigned to the school",
    },
    NameVisitingWorker = "name_visiting_worker" {
        nl: "noem de maatschappelijk werker die op bezoek gaat",
        en: "name the social worker who visits",
    },
    YouNotAssignedToSchool = "you_not_assigned_to_school" {
        nl: "je bent niet aan deze school toegewezen",
        en: "you are not assigned to this school",
    },
    OfficeHoursWeekday = "office_hours_weekday" {
        nl: "een zitdag heeft een weekdag van 1 (maandag) tot 7 nodig",
        en: "office hours need a weekday from 1 (Monday) to 7",
    },
    OfficeHoursStart = "office_hours_start" { nl: "een zitdag heeft een beginuur nodig", en: "office hours need a start time" },
    OfficeHoursEnd = "office_hours_end" { nl: "een zitdag heeft een einduur nodig", en: "office hours need an end time" },
    WeeklySlotOfficeHoursOnly = "weekly_slot_office_hours_only" {
        nl: "enkel een toewijzing office_hours heeft een wekelijks moment",
        en: "only office_hours assignments have a weekly slot",
    },
    ChecklistCasesByTriage = "checklist_cases_by_triage" {
        nl: "dossiers uit een signaallijst worden geopend door de ingevulde lijst te triëren",
        en: "checklist cases are opened by triaging the submission",
    },
    NothingToCorrect = "nothing_to_correct" {
        nl: "niets te verbeteren: {fields} zijn ongewijzigd",
        en: "nothing to correct: {fields} are as they were",
    },
    PartnerRequiredForReferral = "partner_required_for_referral" {
        nl: "verplicht voor refer_to_partner",
        en: "required for refer_to_partner",
    },
    PartnerOnlyForReferral = "partner_only_for_referral" {
        nl: "enkel refer_to_partner noemt een partner",
        en: "only refer_to_partner names a partner",
    },
    WithdrawnBeforeGiven = "withdrawn_before_given" {
        nl: "mag niet vóór het geven van de toestemming liggen",
        en: "must not be before the consent was given",
    },
    ConsentOverrideNotNeeded = "consent_override_not_needed" {
        nl: "niet nodig: de toestemming refer_to_partner van het gezin voor deze partner is geldig; verstuur zonder override",
        en: "not needed: the family's refer_to_partner consent for this partner is live; send without an override",
    },
    OutcomeRequired = "outcome_required" { nl: "verplicht om af te ronden", en: "required to complete" },
    RequiredToAct = "required_to_act" { nl: "verplicht om te {action}", en: "required to {action}" },
    SchoolStatsOneYear = "school_stats_one_year" {
        nl: "de cijfers van een school beslaan één kalenderjaar: from en to moeten in hetzelfde jaar vallen",
        en: "a school's figures cover one calendar year: from and to must fall in the same year",
    },
    CodeCharacters = "code_characters" {
        nl: "gebruik letters, cijfers, `_`, `-` of `.`",
        en: "use letters, digits, `_`, `-` or `.`",
    },
    SectionCodeTwice = "section_code_twice" {
        nl: "sectiecode `{code}` wordt twee keer gebruikt",
        en: "section code `{code}` is used twice",
    },
    ItemCodeTwice = "item_code_twice" {
        nl: "itemcode `{code}` wordt twee keer gebruikt in deze versie",
        en: "item code `{code}` is used twice in this version",
    },
    VersionNeedsItem = "version_needs_item" {
        nl: "een versie heeft minstens één item nodig voor ze gepubliceerd kan worden",
        en: "a version needs at least one item before it can be published",
    },
    SectionNoItems = "section_no_items" { nl: "sectie `{code}` heeft geen items", en: "section `{code}` has no items" },
    NoSessionOnDate = "no_session_on_date" {
        nl: "deze toewijzing heeft geen zitdag op deze datum",
        en: "this assignment has no office-hours session on this date",
    },
    MovedNeedsNewTime = "moved_needs_new_time" {
        nl: "een verplaatste zitdag heeft een nieuwe datum en tijd nodig",
        en: "a moved session needs its new date and time",
    },
    OnlyMovedHasNewTime = "only_moved_has_new_time" {
        nl: "enkel een verplaatste zitdag heeft een nieuwe datum en tijd",
        en: "only a moved session has a new date and time",
    },
    SessionLoggedOnOrAfter = "session_logged_on_or_after" {
        nl: "een zitdag kan op of na de datum geregistreerd worden",
        en: "a session can be logged on or after its date",
    },
    ClosedPeriodMaxYear = "closed_period_max_year" {
        nl: "een sluitingsperiode mag hoogstens een jaar beslaan",
        en: "a closed period may span at most a year",
    },
    NotNetworkSchool = "not_network_school" {
        nl: "geen school van het netwerk van de vergadering",
        en: "not a school of the meeting's network",
    },
    WasNotInvited = "was_not_invited" { nl: "was niet uitgenodigd", en: "was not invited" },
    CaseNotLinkable = "case_not_linkable" {
        nl: "geen dossier dat je behandelt van een school van het netwerk van de vergadering",
        en: "not a case you work of a school of the meeting's network",
    },
    NotSchoolsNetwork = "not_schools_network" { nl: "is niet het netwerk van de school", en: "is not the school's network" },
    SchoolOrNetworkRequired = "school_or_network_required" {
        nl: "noem de school of het netwerk (of beide)",
        en: "name the school or the network (or both)",
    },
    PartnerOwnAncestor = "partner_own_ancestor" {
        nl: "zou de partner zijn eigen bovenliggende organisatie maken",
        en: "would make the partner its own ancestor",
    },
    EventTypesEmpty = "event_types_empty" {
        nl: "noem minstens één soort gebeurtenis, of *",
        en: "name at least one event type, or *",
    },
    EventTypeUnknown = "event_type_unknown" {
        nl: "onbekende soort gebeurtenis `{value}` (een van {allowed})",
        en: "unknown event type `{value}` (one of {allowed})",
    },
    PseudonymLooksLikeName = "pseudonym_looks_like_name" {
        nl: "lijkt op een naam of adres; gebruik het eigen korte label van de school (bv. initialen en klas, of een nummer)",
        en: "looks like a name or an address; use the school's own short label (e.g. initials and class, or a number)",
    },
    NoPublishedVersionWithId = "no_published_version_with_id" {
        nl: "er is geen gepubliceerde versie van de signaallijst met deze id",
        en: "no published checklist version with this id",
    },
    VersionHasNoItem = "version_has_no_item" {
        nl: "versie {number} heeft geen item `{code}`",
        en: "version {number} has no item `{code}`",
    },
    ItemAnsweredTwice = "item_answered_twice" {
        nl: "item `{code}` is twee keer beantwoord",
        en: "item `{code}` is answered twice",
    },
    ItemNotAnswered = "item_not_answered" {
        nl: "item `{code}` is niet beantwoord",
        en: "item `{code}` is not answered",
    },
    IdempotencyKeyFormat = "idempotency_key_format" {
        nl: "moet 1 tot 255 zichtbare ASCII-tekens zijn (een UUID is een goede keuze)",
        en: "must be 1 to 255 visible ASCII characters (a UUID is a good choice)",
    },
    IdempotencyKeyReused = "idempotency_key_reused" {
        nl: "deze sleutel werd gebruikt voor een ander verzoek; gebruik een nieuwe sleutel",
        en: "this key was used for a different request; use a new key",
    },
    InstitutionNumberDigits = "institution_number_digits" {
        nl: "moet precies 6 cijfers zijn",
        en: "must be exactly 6 digits",
    },
    Percentage = "percentage" {
        nl: "moet een percentage tussen 0 en 100 zijn",
        en: "must be a percentage between 0 and 100",
    },
    AllocationCapacity = "allocation_capacity" {
        nl: "{minimum} moment(en) voor elk van {schools} scholen vraagt {needed} momenten; de werkers hebben er {capacity}",
        en: "{minimum} slot(s) for each of {schools} schools needs {needed} slots; the workers have {capacity}",
    },
    ScreenedText = "screened_text" {
        nl: "mag geen gezin identificeren: bevat {what} ({finding})",
        en: "must not identify a family: it contains {what} ({finding})",
    },
    FindingCaseReference = "finding.case_reference" { nl: "een dossierreferentie", en: "a case reference" },
    FindingPupilPseudonym = "finding.pupil_pseudonym" {
        nl: "het pseudoniem van een leerling met een dossier of signaallijst in het netwerk",
        en: "the pseudonym of a pupil with a case or checklist in the network",
    },
    FindingFamilyName = "finding.family_name" {
        nl: "een familienaam die op een dossier in het netwerk staat",
        en: "a family name recorded on a case in the network",
    },
    FindingPhoneNumber = "finding.phone_number" { nl: "een telefoonnummer", en: "a phone number" },
    FindingEmailAddress = "finding.email_address" { nl: "een e-mailadres", en: "an e-mail address" },
    FindingNationalRegisterNumber = "finding.national_register_number" {
        nl: "een rijksregisternummer",
        en: "a national register number",
    },
    FindingIban = "finding.iban" { nl: "een rekeningnummer (IBAN)", en: "a bank account number (IBAN)" },
    FindingDateOfBirth = "finding.date_of_birth" { nl: "een geboortedatum", en: "a date of birth" },

    // ---- the school import ----------------------------------------------------------------
    NetworkNameUnknown = "network_name_unknown" {
        nl: "geen netwerk met deze naam of id",
        en: "no network with this name or id",
    },
    SchoolLevelValues = "school_level_values" {
        nl: "moet basisonderwijs of secundair onderwijs zijn (primary of secondary)",
        en: "must be primary or secondary (basisonderwijs or secundair onderwijs)",
    },
    WholeNumber = "whole_number" { nl: "moet een geheel getal zijn", en: "must be a whole number" },
    NumberZeroToHundred = "number_0_100" {
        nl: "moet een getal tussen 0 en 100 zijn",
        en: "must be a number between 0 and 100",
    },
    PresenceValues = "presence_values" {
        nl: "moet office_hours, consult of spoc zijn",
        en: "must be office_hours, consult or spoc",
    },
    CsvNotCsv = "csv_not_csv" {
        nl: "geen CSV-bestand met een kopregel: {reason}",
        en: "not a CSV file with a header row: {reason}",
    },
    CsvMalformed = "csv_malformed" { nl: "ongeldige CSV: {reason}", en: "malformed CSV: {reason}" },
    CsvColumnMissing = "csv_column_missing" {
        nl: "verplichte kolom ontbreekt in de kopregel (regel 1): verwacht `{column}` of `{dutch}`",
        en: "required column is missing from the header (line 1): expected `{column}` or `{dutch}`",
    },
    CsvColumnUnknown = "csv_column_unknown" {
        nl: "onbekende kolom in de kopregel (regel 1): verwacht een van {known} (of de Nederlandse naam)",
        en: "unknown column in the header (line 1): expected one of {known} (or its Dutch name)",
    },
    CsvNumberTwice = "csv_number_twice" {
        nl: "komt twee keer voor in dit bestand",
        en: "appears twice in this file",
    },

    // ---- the social-map import and the grouped statistics ---------------------------------
    ThemeUnknownInImport = "theme_unknown_in_import" {
        nl: "onbekend thema `{value}`: verwacht een themacode of het Nederlandse of Engelse label (bijvoorbeeld `parenting`, `Opvoeding`), meerdere gescheiden door `|` of `,`",
        en: "unknown theme `{value}`: expected a theme code or its Dutch or English label (for example `parenting`, `Opvoeding`), several separated by `|` or `,`",
    },
    NetworkUnknownInImport = "network_unknown_in_import" {
        nl: "geen netwerk met de naam `{value}`: verwacht de naam of het id van een netwerk, meerdere gescheiden door `|`",
        en: "no network named `{value}`: expected the name or id of a network, several separated by `|`",
    },
    CsvPartnerColumnMissing = "csv_partner_column_missing" {
        nl: "verplichte kolom ontbreekt in de kopregel (regel 1): verwacht `partner` of `organisatie`",
        en: "required column is missing from the header (line 1): expected `partner` or `organisatie`",
    },
    CsvColumnNotExpected = "csv_column_not_expected" {
        nl: "`{column}`: {expected}",
        en: "`{column}`: {expected}",
    },
    CsvColumnTwice = "csv_column_twice" {
        nl: "komt twee keer voor in de kopregel (regel 1)",
        en: "appears twice in the header (line 1)",
    },
    CsvLineMalformed = "csv_line_malformed" {
        nl: "ongeldige CSV (elke regel heeft evenveel cellen als de kopregel nodig): {reason}",
        en: "malformed CSV (every line needs as many cells as the header): {reason}",
    },
    PartnerNameRequired = "partner_name_required" {
        nl: "mag niet leeg zijn: elke regel noemt zijn partnerorganisatie",
        en: "must not be empty: every line names its partner organisation",
    },
    DiffersForPartner = "differs_for_partner" {
        nl: "verschilt van regel {line} voor dezelfde partner: laat leeg of herhaal `{first}`",
        en: "differs from line {line} for the same partner: leave it empty or repeat `{first}`",
    },
    PartnerKindUnknown = "partner_kind_unknown" {
        nl: "onbekende soort `{value}`: verwacht een van ocmw, city (stad), caw, child_and_family (kind en gezin), ckg, clb, ngo (vzw), other (andere)",
        en: "unknown kind `{value}`: expected one of ocmw, city (stad), caw, child_and_family (kind en gezin), ckg, clb, ngo (vzw), other (andere)",
    },
    BelongsToService = "belongs_to_service" {
        nl: "hoort bij een dienst: vul `service` (dienst) in op deze regel",
        en: "belongs to a service: fill in `service` (dienst) on this line",
    },
    ContactNameRequired = "contact_name_required" {
        nl: "mag niet leeg zijn wanneer de regel een functie, telefoon of e-mail van een contactpersoon geeft",
        en: "must not be empty when the line gives a contact person's function, phone or e-mail",
    },
    DiffersForService = "differs_for_service" {
        nl: "verschilt van regel {line} voor dezelfde dienst: laat leeg of herhaal het",
        en: "differs from line {line} for the same service: leave it empty or repeat it",
    },
    ContactsAtMost = "contacts_at_most" {
        nl: "een dienst heeft hoogstens 20 contactpersonen",
        en: "a service has at most 20 contact persons",
    },
    ReferralsNotGrouped = "referrals_not_grouped" {
        nl: "verwijzingscijfers worden per partner en dienst gegeven, niet gegroepeerd: laat group_by weg",
        en: "referral figures are given per partner and service, not grouped: leave group_by out",
    },
    MonthGroupsAtMost = "month_groups_at_most" {
        nl: "maandgroepen beslaan hoogstens {max} maanden: geef een kortere periode met from en to",
        en: "month groups cover at most {max} months: give a shorter period with from and to",
    },
    ThemeGroupsCasesOnly = "theme_groups_cases_only" {
        nl: "themagroepen zijn er enkel voor dossiercijfers: gebruik hier network, school of month",
        en: "theme groups are for case figures only: use network, school or month here",
    },

    // ---- zxcvbn's reasons, translated ------------------------------------------------------
    PwStraightRows = "password.straight_rows" { nl: "Rechte rijen toetsen zijn makkelijk te raden.", en: "Straight rows of keys are easy to guess." },
    PwShortKeyboardPatterns = "password.short_keyboard_patterns" { nl: "Korte toetsenbordpatronen zijn makkelijk te raden.", en: "Short keyboard patterns are easy to guess." },
    PwRepeatsAaa = "password.repeats_aaa" { nl: "Herhalingen zoals \"aaa\" zijn makkelijk te raden.", en: "Repeats like \"aaa\" are easy to guess." },
    PwRepeatsAbcAbc = "password.repeats_abcabc" { nl: "Herhalingen zoals \"abcabcabc\" zijn nauwelijks moeilijker te raden dan \"abc\".", en: "Repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\"." },
    PwTop10 = "password.top_10" { nl: "Dit is een van de 10 meest gebruikte wachtwoorden.", en: "This is a top-10 common password." },
    PwTop100 = "password.top_100" { nl: "Dit is een van de 100 meest gebruikte wachtwoorden.", en: "This is a top-100 common password." },
    PwVeryCommon = "password.very_common" { nl: "Dit is een zeer vaak gebruikt wachtwoord.", en: "This is a very common password." },
    PwSimilarToCommon = "password.similar_to_common" { nl: "Dit lijkt op een vaak gebruikt wachtwoord.", en: "This is similar to a commonly used password." },
    PwSequences = "password.sequences" { nl: "Reeksen zoals abc of 6543 zijn makkelijk te raden.", en: "Sequences like abc or 6543 are easy to guess." },
    PwRecentYears = "password.recent_years" { nl: "Recente jaartallen zijn makkelijk te raden.", en: "Recent years are easy to guess." },
    PwWordByItself = "password.word_by_itself" { nl: "Eén woord op zich is makkelijk te raden.", en: "A word by itself is easy to guess." },
    PwDates = "password.dates" { nl: "Datums zijn vaak makkelijk te raden.", en: "Dates are often easy to guess." },
    PwNamesByThemselves = "password.names_by_themselves" { nl: "Namen en familienamen op zich zijn makkelijk te raden.", en: "Names and surnames by themselves are easy to guess." },
    PwCommonNames = "password.common_names" { nl: "Veelvoorkomende namen en familienamen zijn makkelijk te raden.", en: "Common names and surnames are easy to guess." },
    PwUseFewWords = "password.use_few_words" { nl: "Gebruik enkele woorden, vermijd gangbare uitdrukkingen.", en: "Use a few words, avoid common phrases." },
    PwNoNeedForSymbols = "password.no_need_for_symbols" { nl: "Symbolen, cijfers of hoofdletters zijn niet nodig.", en: "No need for symbols, digits, or uppercase letters." },
    PwAddWord = "password.add_word" { nl: "Voeg nog een woord of twee toe. Ongewone woorden zijn beter.", en: "Add another word or two. Uncommon words are better." },
    PwCapitalization = "password.capitalization" { nl: "Hoofdletters helpen niet veel.", en: "Capitalization doesn't help very much." },
    PwAllUppercase = "password.all_uppercase" { nl: "Alles in hoofdletters is bijna even makkelijk te raden als alles in kleine letters.", en: "All-uppercase is almost as easy to guess as all-lowercase." },
    PwReversedWords = "password.reversed_words" { nl: "Omgekeerde woorden zijn nauwelijks moeilijker te raden.", en: "Reversed words aren't much harder to guess." },
    PwPredictableSubstitutions = "password.predictable_substitutions" { nl: "Voorspelbare vervangingen zoals '@' voor 'a' helpen niet veel.", en: "Predictable substitutions like '@' instead of 'a' don't help very much." },
    PwLongerKeyboardPattern = "password.longer_keyboard_pattern" { nl: "Gebruik een langer toetsenbordpatroon met meer bochten.", en: "Use a longer keyboard pattern with more turns." },
    PwAvoidRepeats = "password.avoid_repeats" { nl: "Vermijd herhaalde woorden en tekens.", en: "Avoid repeated words and characters." },
    PwAvoidSequences = "password.avoid_sequences" { nl: "Vermijd reeksen.", en: "Avoid sequences." },
    PwAvoidRecentYears = "password.avoid_recent_years" { nl: "Vermijd recente jaartallen.", en: "Avoid recent years." },
    PwAvoidYears = "password.avoid_years" { nl: "Vermijd jaartallen die met jou te maken hebben.", en: "Avoid years that are associated with you." },
    PwAvoidDates = "password.avoid_dates" { nl: "Vermijd datums en jaartallen die met jou te maken hebben.", en: "Avoid dates and years that are associated with you." },
}

/// The language a problem title is written in (a kept answer replayed later names it again).
pub fn language_of_title(title: &str) -> Option<Lang> {
    Code::ALL
        .iter()
        .filter(|c| c.as_str().starts_with("title."))
        .find_map(|c| Lang::ALL.into_iter().find(|l| c.text(*l) == title))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            let name = &after[..close];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                out.insert(name);
            }
            rest = &after[close + 1..];
        }
        out
    }

    #[test]
    fn every_code_is_unique_and_has_both_texts_with_the_same_placeholders() {
        let mut seen = BTreeSet::new();
        for code in Code::ALL {
            let c = code.as_str();
            assert!(seen.insert(c), "code `{c}` is used twice");
            assert!(
                c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "_.".contains(ch)),
                "code `{c}` is not snake_case"
            );
            assert_eq!(Code::parse(c), Some(*code));
            let (nl, en) = (code.text(Lang::Nl), code.text(Lang::En));
            assert!(
                !nl.trim().is_empty() && !en.trim().is_empty(),
                "`{c}` lacks a text"
            );
            assert_eq!(
                placeholders(nl),
                placeholders(en),
                "`{c}` names different values in Dutch and English"
            );
        }
    }
}
