//! Dutch and English labels of every code list the API speaks (`GET /api/v1/vocabularies`) and
//! of the CSV exports' column headers. Codes never change; labels may be improved freely.
//!
//! A list is named after its schema in the OpenAPI document, in snake_case (`CaseStatus` →
//! `case_status`); a test walks every enum of the document and fails when a code has no label.

use super::Lang;

/// `(code, Dutch, English)`.
pub type Label = (&'static str, &'static str, &'static str);

/// Each code list: its name, its own label and the labels of its codes.
pub const VOCABULARIES: &[(&str, Label, &[Label])] = &[
    // The themes' codes and labels live in the database (`/api/v1/themes`); only the list's own
    // label is here.
    ("theme", ("theme", "Thema's", "Themes"), &[]),
    (
        "role",
        ("role", "Rollen", "Roles"),
        &[
            ("coordinator", "Coördinator", "Coordinator"),
            ("social_worker", "Maatschappelijk werker", "Social worker"),
            (
                "school",
                "School (brugfiguur, zorgcoördinator)",
                "School (care coordinator)",
            ),
            ("partner", "Partnerorganisatie", "Partner organisation"),
        ],
    ),
    (
        "message_side",
        (
            "message_side",
            "Afzender van een bericht bij een doorverwijzing",
            "Sides of a referral's message thread",
        ),
        &[
            ("case_team", "Dossierteam", "Case team"),
            ("partner", "Partnerorganisatie", "Partner organisation"),
        ],
    ),
    (
        "case_origin",
        ("case_origin", "Herkomst van het dossier", "Case origins"),
        &[
            ("checklist", "Signaallijst", "Signal checklist"),
            ("school_request", "Vraag van de school", "School request"),
            ("office_hours", "Zitdag", "Office hours"),
            ("parent", "Ouder", "Parent"),
            ("social_worker", "Maatschappelijk werker", "Social worker"),
        ],
    ),
    (
        "case_priority",
        (
            "case_priority",
            "Prioriteit van het dossier",
            "Case priorities",
        ),
        &[
            ("low", "Laag", "Low"),
            ("normal", "Normaal", "Normal"),
            ("high", "Hoog", "High"),
            ("urgent", "Dringend", "Urgent"),
        ],
    ),
    (
        "case_status",
        ("case_status", "Toestand van het dossier", "Case statuses"),
        &[
            ("new", "Nieuw", "New"),
            ("in_progress", "In behandeling", "In progress"),
            ("waiting", "Wachtend", "Waiting"),
            ("closed", "Afgesloten", "Closed"),
        ],
    ),
    (
        "case_outcome",
        ("case_outcome", "Uitkomst van het dossier", "Case outcomes"),
        &[
            ("resolved", "Opgelost", "Resolved"),
            ("referred", "Doorverwezen", "Referred"),
            (
                "declined_by_family",
                "Geweigerd door het gezin",
                "Declined by the family",
            ),
            ("no_contact", "Geen contact", "No contact"),
            ("moved_away", "Verhuisd", "Moved away"),
            ("other", "Andere", "Other"),
        ],
    ),
    (
        "need_raised_by",
        ("need_raised_by", "Nood aangebracht door", "Need raised by"),
        &[
            ("parent", "Ouder", "Parent"),
            ("child", "Kind", "Child"),
            ("school", "School", "School"),
            ("social_worker", "Maatschappelijk werker", "Social worker"),
        ],
    ),
    (
        "need_state",
        ("need_state", "Toestand van een nood", "Need states"),
        &[
            ("open", "Open", "Open"),
            ("met", "Vervuld", "Met"),
            ("not_met", "Niet vervuld", "Not met"),
            ("withdrawn", "Ingetrokken", "Withdrawn"),
        ],
    ),
    (
        "contact_kind",
        ("contact_kind", "Soort contact", "Contact kinds"),
        &[
            ("office_hours", "Zitdag", "Office hours"),
            ("consult", "Consult", "Consult"),
            ("phone", "Telefoon", "Phone"),
            ("home_visit", "Huisbezoek", "Home visit"),
            ("meeting", "Overleg", "Meeting"),
            ("other", "Andere", "Other"),
        ],
    ),
    (
        "consent_kind",
        (
            "consent_kind",
            "Doel van de toestemming",
            "Consent purposes",
        ),
        &[
            (
                "share_with_school",
                "Delen met de school",
                "Share with the school",
            ),
            (
                "refer_to_partner",
                "Doorverwijzen naar een partner",
                "Refer to a partner",
            ),
        ],
    ),
    (
        "consent_given_by",
        (
            "consent_given_by",
            "Toestemming gegeven door",
            "Consent given by",
        ),
        &[
            ("parent", "Ouder", "Parent"),
            ("guardian", "Voogd", "Guardian"),
            ("pupil", "Leerling", "Pupil"),
        ],
    ),
    (
        "consent_method",
        (
            "consent_method",
            "Vorm van de toestemming",
            "Consent methods",
        ),
        &[
            ("verbal", "Mondeling", "Verbal"),
            ("written", "Schriftelijk", "Written"),
        ],
    ),
    (
        "referral_status",
        (
            "referral_status",
            "Toestand van de doorverwijzing",
            "Referral states",
        ),
        &[
            ("draft", "Ontwerp", "Draft"),
            ("sent", "Verstuurd", "Sent"),
            ("accepted", "Aanvaard", "Accepted"),
            ("declined", "Geweigerd", "Declined"),
            ("in_progress", "In behandeling", "In progress"),
            ("on_hold", "On hold", "On hold"),
            ("completed", "Afgerond", "Completed"),
            ("failed", "Mislukt", "Failed"),
            ("cancelled", "Geannuleerd", "Cancelled"),
        ],
    ),
    (
        "referral_urgency",
        (
            "referral_urgency",
            "Dringendheid van de doorverwijzing",
            "Referral urgencies",
        ),
        &[
            ("low", "Laag", "Low"),
            ("normal", "Normaal", "Normal"),
            ("high", "Hoog", "High"),
            ("urgent", "Dringend", "Urgent"),
        ],
    ),
    (
        "legal_basis",
        (
            "legal_basis",
            "Rechtsgrond zonder toestemming",
            "Legal bases without consent",
        ),
        &[
            (
                "vital_interest",
                "Vitaal belang (kind in gevaar)",
                "Vital interest (child in danger)",
            ),
            (
                "legal_obligation",
                "Wettelijke verplichting",
                "Legal obligation",
            ),
        ],
    ),
    (
        "agenda_status",
        (
            "agenda_status",
            "Toestand van een agendapunt",
            "Agenda item states",
        ),
        &[
            ("proposed", "Voorgesteld", "Proposed"),
            ("released", "Vrijgegeven", "Released"),
            ("returned", "Teruggestuurd", "Returned"),
            ("withdrawn", "Ingetrokken", "Withdrawn"),
        ],
    ),
    (
        "session_status",
        (
            "session_status",
            "Toestand van een zitdag",
            "Office-hours session states",
        ),
        &[
            ("planned", "Gepland", "Planned"),
            ("cancelled", "Geannuleerd", "Cancelled"),
            ("moved", "Verplaatst", "Moved"),
            ("held", "Gehouden", "Held"),
        ],
    ),
    (
        "exception_kind",
        (
            "exception_kind",
            "Uitzondering op een zitdag",
            "Session exceptions",
        ),
        &[
            ("cancelled", "Geannuleerd", "Cancelled"),
            ("moved", "Verplaatst", "Moved"),
        ],
    ),
    (
        "consult_status",
        (
            "consult_status",
            "Toestand van een consultaanvraag",
            "Consult request states",
        ),
        &[
            ("requested", "Aangevraagd", "Requested"),
            ("scheduled", "Ingepland", "Scheduled"),
            ("done", "Uitgevoerd", "Done"),
            ("cancelled", "Geannuleerd", "Cancelled"),
        ],
    ),
    (
        "consult_urgency",
        (
            "consult_urgency",
            "Dringendheid van een consultaanvraag",
            "Consult urgencies",
        ),
        &[
            ("low", "Laag", "Low"),
            ("normal", "Normaal", "Normal"),
            ("high", "Hoog", "High"),
            ("urgent", "Dringend", "Urgent"),
        ],
    ),
    (
        "activity_kind",
        ("activity_kind", "Soort activiteit", "Activity kinds"),
        &[
            ("training", "Vorming", "Training"),
            ("school_activity", "Schoolactiviteit", "School activity"),
            ("coaching", "Coaching", "Coaching"),
            (
                "publicity",
                "Bekendmaking (affiches, folders)",
                "Publicity (posters, folders)",
            ),
        ],
    ),
    (
        "audience",
        ("audience", "Doelgroep", "Audiences"),
        &[
            ("pupils", "Leerlingen", "Pupils"),
            (
                "pupil_counsellors",
                "Leerlingenbegeleiders",
                "Pupil counsellors",
            ),
            ("teachers", "Leerkrachten", "Teachers"),
            ("clb_staff", "CLB-medewerkers", "CLB staff"),
            ("parents", "Ouders", "Parents"),
            ("partners", "Partners", "Partners"),
        ],
    ),
    (
        "presence_mode",
        ("presence_mode", "Vorm van aanwezigheid", "Presence modes"),
        &[
            ("office_hours", "Zitdag", "Office hours"),
            ("consult", "Consult", "Consult"),
            (
                "spoc",
                "Vast aanspreekpunt (SPOC)",
                "Single point of contact (SPOC)",
            ),
        ],
    ),
    (
        "partner_kind",
        ("partner_kind", "Soort partnerorganisatie", "Partner kinds"),
        &[
            ("ocmw", "OCMW", "OCMW (public social welfare centre)"),
            ("city", "Stadsdienst", "City service"),
            ("caw", "CAW", "CAW (general welfare centre)"),
            (
                "child_and_family",
                "Kind en Gezin / Huis van het Kind",
                "Child and Family",
            ),
            ("ckg", "CKG", "CKG (childcare and family support centre)"),
            ("clb", "CLB", "CLB (pupil guidance centre)"),
            ("ngo", "Vzw", "Non-profit"),
            ("other", "Andere", "Other"),
        ],
    ),
    (
        "school_level",
        ("school_level", "Onderwijsniveau", "School levels"),
        &[
            ("primary", "Basisonderwijs", "Primary"),
            ("secondary", "Secundair onderwijs", "Secondary"),
        ],
    ),
    (
        "submission_status",
        (
            "submission_status",
            "Toestand van een signaallijst",
            "Checklist submission states",
        ),
        &[
            ("submitted", "Ingediend", "Submitted"),
            ("triaged", "Getrieerd", "Triaged"),
            ("case_opened", "Dossier geopend", "Case opened"),
            ("no_action", "Geen actie", "No action"),
        ],
    ),
    (
        "submission_concern",
        (
            "submission_concern",
            "Mate van bezorgdheid",
            "Levels of concern",
        ),
        &[
            ("low", "Laag", "Low"),
            ("medium", "Middelmatig", "Medium"),
            ("high", "Hoog", "High"),
        ],
    ),
    (
        "signal_answer",
        ("signal_answer", "Antwoord op een signaal", "Signal answers"),
        &[
            ("yes", "Ja", "Yes"),
            ("no", "Nee", "No"),
            ("unknown", "Weet niet", "Unknown"),
        ],
    ),
    (
        "checklist_version_status",
        (
            "checklist_version_status",
            "Toestand van een versie van de signaallijst",
            "Checklist version states",
        ),
        &[
            ("draft", "Ontwerp", "Draft"),
            ("published", "Gepubliceerd", "Published"),
        ],
    ),
    (
        "screening_finding",
        (
            "screening_finding",
            "Identificerend gegeven in vrije tekst",
            "Identifying details in free text",
        ),
        &[
            ("case_reference", "Dossierreferentie", "Case reference"),
            (
                "pupil_pseudonym",
                "Pseudoniem van een leerling",
                "Pupil pseudonym",
            ),
            ("family_name", "Familienaam", "Family name"),
            ("phone_number", "Telefoonnummer", "Phone number"),
            ("email_address", "E-mailadres", "E-mail address"),
            (
                "national_register_number",
                "Rijksregisternummer",
                "National register number",
            ),
            (
                "iban",
                "Rekeningnummer (IBAN)",
                "Bank account number (IBAN)",
            ),
            ("date_of_birth", "Geboortedatum", "Date of birth"),
        ],
    ),
    (
        "ses_source",
        (
            "ses_source",
            "Bron van de SES-cijfers",
            "SES figure sources",
        ),
        &[
            ("ses_any", "SES-totaal", "SES total"),
            (
                "indicator_mean",
                "Gemiddelde van de indicatoren",
                "Mean of the indicators",
            ),
            ("none", "Geen", "None"),
        ],
    ),
    (
        "period_grid",
        ("period_grid", "Indeling van de periode", "Period grids"),
        &[
            ("free", "Vrij", "Free"),
            ("calendar_year", "Kalenderjaar", "Calendar year"),
        ],
    ),
    (
        "import_action",
        (
            "import_action",
            "Resultaat van een importregel",
            "Import line results",
        ),
        &[
            ("created", "Aangemaakt", "Created"),
            ("updated", "Bijgewerkt", "Updated"),
            ("rejected", "Geweigerd", "Rejected"),
        ],
    ),
    (
        "social_map_action",
        (
            "social_map_action",
            "Resultaat voor een partner of dienst bij de import van de sociale kaart",
            "Social map import results per partner or service",
        ),
        &[
            ("created", "Aangemaakt", "Created"),
            ("updated", "Bijgewerkt", "Updated"),
            ("unchanged", "Ongewijzigd", "Unchanged"),
        ],
    ),
    (
        "social_map_line_action",
        (
            "social_map_line_action",
            "Resultaat van een regel bij de import van de sociale kaart",
            "Social map import line results",
        ),
        &[
            ("applied", "Verwerkt", "Applied"),
            ("rejected", "Geweigerd", "Rejected"),
        ],
    ),
    (
        "column_kind",
        (
            "column_kind",
            "Soort kolom in een rapport",
            "Report column kinds",
        ),
        &[
            ("count", "Aantal", "Count"),
            ("share", "Aandeel", "Share"),
            ("days", "Dagen", "Days"),
        ],
    ),
    (
        "audit_action",
        (
            "audit_action",
            "Handeling in het auditspoor",
            "Audit actions",
        ),
        &[
            ("read", "Gelezen", "Read"),
            ("list", "Lijst opgevraagd", "Listed"),
            ("create", "Aangemaakt", "Created"),
            ("update", "Gewijzigd", "Updated"),
            ("correct", "Verbeterd", "Corrected"),
            ("status_change", "Toestand gewijzigd", "Status changed"),
            ("export", "Uitgevoerd (export)", "Exported"),
            ("erase", "Gewist", "Erased"),
            (
                "consent_override",
                "Verstuurd zonder toestemming",
                "Sent without consent",
            ),
            (
                "password_change",
                "Wachtwoord gewijzigd",
                "Password changed",
            ),
            (
                "password_reset",
                "Wachtwoord opnieuw ingesteld",
                "Password reset",
            ),
            ("deactivate", "Gedeactiveerd", "Deactivated"),
            ("reactivate", "Opnieuw geactiveerd", "Reactivated"),
            ("delete", "Verwijderd", "Deleted"),
        ],
    ),
    (
        "checkpoint_consistency",
        (
            "checkpoint_consistency",
            "Vergelijking met een controlepunt",
            "Checkpoint comparisons",
        ),
        &[
            ("consistent", "Consistent", "Consistent"),
            ("rewritten", "Herschreven", "Rewritten"),
            ("removed", "Verwijderd", "Removed"),
            ("not_reached", "Niet bereikt", "Not reached"),
            (
                "signature_invalid",
                "Ongeldige handtekening",
                "Invalid signature",
            ),
        ],
    ),
    (
        "event_type",
        (
            "event_type",
            "Soort gebeurtenis (webhooks)",
            "Event types (webhooks)",
        ),
        &[
            ("case.opened", "Dossier geopend", "Case opened"),
            (
                "case.status_changed",
                "Toestand van een dossier gewijzigd",
                "Case status changed",
            ),
            ("referral.sent", "Doorverwijzing verstuurd", "Referral sent"),
            (
                "referral.accepted",
                "Doorverwijzing aanvaard",
                "Referral accepted",
            ),
            (
                "referral.declined",
                "Doorverwijzing geweigerd",
                "Referral declined",
            ),
            (
                "referral.in_progress",
                "Doorverwijzing in behandeling",
                "Referral in progress",
            ),
            (
                "referral.on_hold",
                "Doorverwijzing on hold",
                "Referral on hold",
            ),
            (
                "referral.completed",
                "Doorverwijzing afgerond",
                "Referral completed",
            ),
            (
                "referral.failed",
                "Doorverwijzing mislukt",
                "Referral failed",
            ),
            (
                "referral.cancelled",
                "Doorverwijzing geannuleerd",
                "Referral cancelled",
            ),
            (
                "referral.consent_withdrawn",
                "Toestemming voor een doorverwijzing ingetrokken",
                "Consent for a referral withdrawn",
            ),
            (
                "referral.message",
                "Bericht bij een doorverwijzing",
                "Message on a referral",
            ),
            (
                "referral.follow_up_changed",
                "Opvolgdatum van een doorverwijzing verplaatst",
                "Referral follow-up day moved",
            ),
            (
                "audit.checkpoint",
                "Controlepunt van het auditspoor",
                "Audit trail checkpoint",
            ),
            ("*", "Alle gebeurtenissen", "All events"),
        ],
    ),
];

/// The list `list`, if there is one.
pub fn vocabulary(list: &str) -> Option<(Label, &'static [Label])> {
    VOCABULARIES
        .iter()
        .find(|(name, _, _)| *name == list)
        .map(|(_, label, codes)| (*label, *codes))
}

/// The label of `code` in the list `list`, in `lang`.
pub fn label(list: &str, code: &str, lang: Lang) -> Option<&'static str> {
    let (_, codes) = vocabulary(list)?;
    codes
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|l| pick(*l, lang))
}

/// A label's text in `lang`.
pub fn pick(label: Label, lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => label.1,
        Lang::En => label.2,
    }
}

/// The CSV exports' column headers, by their English name.
pub const CSV_COLUMNS: &[Label] = &[
    ("section", "sectie", "section"),
    ("key", "sleutel", "key"),
    ("value", "waarde", "value"),
    ("suppressed", "afgeschermd", "suppressed"),
    ("partner", "partner", "partner"),
    ("service", "dienst", "service"),
    ("figure", "cijfer", "figure"),
];

/// A CSV column header in `lang`; a column not in the table keeps its English name.
pub fn csv_column(en: &'static str, lang: Lang) -> &'static str {
    CSV_COLUMNS
        .iter()
        .find(|(c, _, _)| *c == en)
        .map_or(en, |l| pick(*l, lang))
}

/// A yes/no cell: `ja`/`nee` in Dutch; English keeps the JSON's `true`/`false`.
pub fn yes_no(b: bool, lang: Lang) -> &'static str {
    match (lang, b) {
        (Lang::Nl, true) => "ja",
        (Lang::Nl, false) => "nee",
        (Lang::En, true) => "true",
        (Lang::En, false) => "false",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_has_unique_codes_and_both_labels() {
        let mut names = std::collections::BTreeSet::new();
        for (name, own, codes) in VOCABULARIES {
            assert!(names.insert(*name), "list `{name}` twice");
            assert_eq!(own.0, *name);
            assert!(!codes.is_empty() || *name == "theme", "`{name}` is empty");
            let mut seen = std::collections::BTreeSet::new();
            for (code, nl, en) in *codes {
                assert!(seen.insert(*code), "`{name}.{code}` twice");
                assert!(
                    !nl.trim().is_empty() && !en.trim().is_empty(),
                    "`{name}.{code}`"
                );
            }
        }
        assert_eq!(label("case_status", "closed", Lang::Nl), Some("Afgesloten"));
        assert_eq!(label("case_status", "closed", Lang::En), Some("Closed"));
        assert_eq!(label("case_status", "nope", Lang::En), None);
    }
}
