//! Dutch and English labels of the report's tables, columns and codes (themes carry their own).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

/// (Dutch, English) of a column or row code; an unknown code is its own label.
fn pair(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "all" => ("Totaal", "All"),
        "cases" => ("Dossiers", "Cases"),
        "closed" => ("Afgesloten", "Closed"),
        // origins
        "checklist" => ("Signaallijst", "Checklist"),
        "school_request" => ("Vraag van de school", "School request"),
        "office_hours" => ("Zitdag", "Office hours"),
        "parent" => ("Ouder", "Parent"),
        "social_worker" => ("Maatschappelijk werker", "Social worker"),
        // outcomes
        "resolved" => ("Opgelost", "Resolved"),
        "referred" => ("Doorverwezen", "Referred"),
        "declined_by_family" => ("Geweigerd door het gezin", "Declined by the family"),
        "no_contact" => ("Geen contact", "No contact"),
        "moved_away" => ("Verhuisd", "Moved away"),
        "other" => ("Andere", "Other"),
        // reach, first contact
        "known" => ("Gekend bij het OCMW", "Known to the OCMW"),
        "new" => ("Nieuw voor het OCMW", "New to the OCMW"),
        "unknown" => ("Niet geregistreerd", "Not recorded"),
        "share_new" => ("Aandeel nieuw", "Share new"),
        "contacted" => ("Dossiers met eerste contact", "Cases with a first contact"),
        "median_days" => ("Mediaan dagen", "Median days"),
        "p90_days" => ("90e percentiel dagen", "90th percentile days"),
        // checklists
        "submissions" => ("Signaallijsten", "Submissions"),
        "submitted" => ("Ingediend", "Submitted"),
        "triaged" => ("Bekeken", "Triaged"),
        "case_opened" => ("Dossier geopend", "Case opened"),
        "no_action" => ("Geen actie", "No action"),
        "share_became_case" => ("Aandeel dossier", "Share that became a case"),
        // referrals
        "sent" => ("Verstuurd", "Sent"),
        "accepted" => ("Aanvaard", "Accepted"),
        "declined" => ("Geweigerd", "Declined"),
        "completed" => ("Afgerond", "Completed"),
        "failed" => ("Mislukt", "Failed"),
        "overrides" => (
            "Zonder toestemming (andere rechtsgrond)",
            "Consent overrides",
        ),
        "median_days_to_answer" => ("Mediaan dagen tot antwoord", "Median days to answer"),
        "median_days_to_completion" => ("Mediaan dagen tot afronding", "Median days to completion"),
        // presence
        "sessions_held" => ("Zitdagen gehouden", "Sessions held"),
        "contacts" => ("Contacten", "Contacts"),
        "consult_requests" => ("Consultvragen", "Consult requests"),
        "requested" => ("Gevraagd", "Requested"),
        "scheduled" => ("Gepland", "Scheduled"),
        "done" => ("Uitgevoerd", "Done"),
        "cancelled" => ("Geannuleerd", "Cancelled"),
        // activities
        "activities" => ("Activiteiten", "Activities"),
        "participants" => ("Deelnemers", "Participants"),
        "posters" => ("Affiches", "Posters"),
        "folders" => ("Folders", "Folders"),
        "training" => ("Vorming", "Training"),
        "school_activity" => ("Schoolactiviteit", "School activity"),
        "coaching" => ("Coaching", "Coaching"),
        "publicity" => ("Bekendmaking", "Publicity"),
        "pupils" => ("Leerlingen", "Pupils"),
        "pupil_counsellors" => ("Leerlingenbegeleiders", "Pupil counsellors"),
        "teachers" => ("Leerkrachten", "Teachers"),
        "clb_staff" => ("CLB-medewerkers", "CLB staff"),
        "parents" => ("Ouders", "Parents"),
        "partners" => ("Partners", "Partners"),
        _ => return None,
    })
}

pub fn label(key: &str, lang: Lang) -> String {
    match (pair(key), lang) {
        (Some((nl, _)), Lang::Nl) => nl.to_string(),
        (Some((_, en)), Lang::En) => en.to_string(),
        (None, _) => key.to_string(),
    }
}

/// (title nl, title en, sheet nl, sheet en, rows nl, rows en) of a table; sheet names are at
/// most 31 characters, as Excel requires.
pub fn table(
    key: &str,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    match key {
        "cases_by_network_theme" => (
            "Dossiers per netwerk en thema",
            "Cases by network and theme",
            "Dossiers per thema",
            "Cases by theme",
            "Netwerk",
            "Network",
        ),
        "cases_by_network_origin" => (
            "Dossiers per netwerk en herkomst",
            "Cases by network and origin",
            "Dossiers per herkomst",
            "Cases by origin",
            "Netwerk",
            "Network",
        ),
        "cases_by_network_outcome" => (
            "Afgesloten dossiers per netwerk en resultaat",
            "Closed cases by network and outcome",
            "Dossiers per resultaat",
            "Cases by outcome",
            "Netwerk",
            "Network",
        ),
        "reach" => (
            "Bereik: gezinnen nieuw voor het OCMW",
            "Reach: families new to the OCMW",
            "Bereik",
            "Reach",
            "Netwerk",
            "Network",
        ),
        "first_contact" => (
            "Dagen tot het eerste contact",
            "Days to first contact",
            "Eerste contact",
            "First contact",
            "Netwerk",
            "Network",
        ),
        "checklists" => (
            "Signaallijsten en hoeveel een dossier werden",
            "Checklist submissions and how many became cases",
            "Signaallijsten",
            "Checklists",
            "Netwerk",
            "Network",
        ),
        "referrals" => (
            "Doorverwijzingen per partner en resultaat",
            "Referrals by partner and outcome",
            "Doorverwijzingen",
            "Referrals",
            "Partner",
            "Partner",
        ),
        "consent_overrides" => (
            "Doorverwijzingen zonder toestemming van het gezin",
            "Referrals sent on a consent override",
            "Zonder toestemming",
            "Consent overrides",
            "Partner",
            "Partner",
        ),
        "office_hours" => (
            "Zitdagen gehouden en contacten",
            "Office hours held and contacts",
            "Zitdagen",
            "Office hours",
            "Netwerk",
            "Network",
        ),
        "consult_requests" => (
            "Consultvragen",
            "Consult requests",
            "Consultvragen",
            "Consult requests",
            "Netwerk",
            "Network",
        ),
        "activities" => (
            "Activiteiten per soort en doelgroep, met deelnemers",
            "Activities by kind and audience, with participants",
            "Activiteiten",
            "Activities",
            "Soort – doelgroep",
            "Kind – audience",
        ),
        "publicity" => (
            "Bekendmaking: affiches en folders verspreid",
            "Publicity: posters and folders distributed",
            "Bekendmaking",
            "Publicity",
            "Netwerk",
            "Network",
        ),
        _ => ("", "", "", "", "", ""),
    }
}
