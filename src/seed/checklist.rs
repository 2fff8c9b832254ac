//! The first signal checklist, *Signaallijst kinderarmoede* version 1, word for word as the
//! programme wrote it (shared/CHECKLIST.md): seeded published and current.

use diesel::prelude::*;

use crate::db::checklists::{self, ItemContent, SectionContent};
use crate::db::schema::checklist_templates;
use crate::db::{DbConn, now};

pub const TEMPLATE_NAME: &str = "Signaallijst kinderarmoede";
pub const TEMPLATE_DESCRIPTION: &str = "Scholen vullen de lijst in voor één leerling wanneer ze \
zich zorgen maken: bij de inschrijving, op school en in de klas, het gezin zoals de school het ziet.";

/// Shown above the list, in every version.
pub const INTRO: &str = "Een signaal is een waarneming, geen label. Niet elk signaal wijst op \
armoede, en armoede is vaak verdoken. Bespreek signalen met de zorgcoördinator en het CLB, en met \
de ouders waar dat kan.";

/// (code, title, [(item code, text, theme code)])
pub type SeedSection = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
);

pub const SECTIONS: &[SeedSection] = &[
    (
        "A",
        "Basisbehoeften",
        &[
            (
                "A1",
                "Komt zonder ontbijt of zonder (voldoende) lunch naar school.",
                "poverty",
            ),
            (
                "A2",
                "Draagt vaak dezelfde of niet aan het weer aangepaste kleding.",
                "poverty",
            ),
            (
                "A3",
                "Heeft vaak geen of onvolledig schoolmateriaal.",
                "school_costs",
            ),
            (
                "A4",
                "Ziet er onverzorgd uit of heeft hygiëneproblemen.",
                "health_hygiene",
            ),
            (
                "A5",
                "Schoolrekeningen blijven onbetaald of worden laat betaald.",
                "finances_debt",
            ),
        ],
    ),
    (
        "B",
        "Gezondheid en welzijn",
        &[
            (
                "B1",
                "Is vaak moe of valt in slaap in de klas.",
                "health_hygiene",
            ),
            (
                "B2",
                "Heeft onbehandelde gezondheidsproblemen (tanden, ogen, oren, huid).",
                "health_hygiene",
            ),
            (
                "B3",
                "Klaagt vaak over honger, buikpijn of hoofdpijn.",
                "health_hygiene",
            ),
            (
                "B4",
                "Toont tekenen van stress, angst of trekt zich terug.",
                "wellbeing",
            ),
        ],
    ),
    (
        "C",
        "Op school",
        &[
            ("C1", "Is vaak afwezig of te laat.", "social_problems"),
            (
                "C2",
                "Heeft een leerachterstand of veranderde vaak van school.",
                "social_problems",
            ),
            (
                "C3",
                "Heeft thuis geen rustige plek, computer of internet voor schoolwerk.",
                "housing",
            ),
            (
                "C4",
                "Neemt niet deel aan betalende uitstappen, schoolreizen of activiteiten.",
                "school_costs",
            ),
            (
                "C5",
                "Wordt gepest of staat buiten de groep.",
                "social_problems",
            ),
        ],
    ),
    (
        "D",
        "Vrije tijd",
        &[
            (
                "D1",
                "Neemt niet deel aan vrijetijdsactiviteiten (sport, jeugdbeweging, academie).",
                "leisure",
            ),
            (
                "D2",
                "Vertelt nooit over uitstappen of vakanties, of nodigt nooit vrienden uit.",
                "leisure",
            ),
        ],
    ),
    (
        "E",
        "Het gezin zoals de school het ziet",
        &[
            (
                "E1",
                "Ouders zijn moeilijk bereikbaar (telefoon afgesloten, geen e-mail, geen contact).",
                "social_problems",
            ),
            (
                "E2",
                "Ouders spreken weinig of geen Nederlands; communicatie verloopt moeizaam.",
                "language",
            ),
            (
                "E3",
                "Het gezin woont krap, verhuist vaak of heeft geen vaste woonplaats.",
                "housing",
            ),
            (
                "E4",
                "Er zijn aanwijzingen van een onzeker of tijdelijk verblijfsstatuut.",
                "residence_status",
            ),
            (
                "E5",
                "Ouders vertellen over geldzorgen of schulden.",
                "finances_debt",
            ),
            (
                "E6",
                "Het gezin maakt geen gebruik van rechten waarop het recht heeft (schooltoeslag, studietoelage, verhoogde tegemoetkoming).",
                "school_costs",
            ),
            (
                "E7",
                "Ouders vragen hulp bij de opvoeding of lijken overbelast.",
                "parenting",
            ),
            (
                "E8",
                "Er was recent een ingrijpende gebeurtenis (scheiding, overlijden, werkverlies, ziekte).",
                "social_problems",
            ),
            ("E9", "Er zijn tekenen van verwaarlozing.", "neglect"),
        ],
    ),
];

/// The seed as version content.
pub fn sections() -> Vec<SectionContent> {
    SECTIONS
        .iter()
        .map(|(code, title, items)| SectionContent {
            code: code.to_string(),
            title: title.to_string(),
            items: items
                .iter()
                .map(|(code, text, theme)| ItemContent {
                    code: code.to_string(),
                    text: text.to_string(),
                    theme: theme.to_string(),
                    help_text: String::new(),
                })
                .collect(),
        })
        .collect()
}

/// Seeds the template with version 1, published and current, when there is no template yet.
/// Runs after the themes are seeded (items refer to them).
pub fn ensure(conn: &mut DbConn) -> QueryResult<()> {
    let count: i64 = checklist_templates::table.count().get_result(conn)?;
    if count > 0 {
        return Ok(());
    }
    let at = now();
    let template_id = uuid::Uuid::now_v7().to_string();
    let version_id = uuid::Uuid::now_v7().to_string();
    checklists::insert_template(conn, &template_id, TEMPLATE_NAME, TEMPLATE_DESCRIPTION, at)?;
    checklists::insert_draft(conn, &version_id, &template_id, 1, INTRO, at)?;
    checklists::insert_content(conn, &version_id, &sections())?;
    checklists::publish(conn, &version_id, at).map_err(|e| {
        diesel::result::Error::QueryBuilderError(format!("publishing the seed: {e}").into())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seeded_item_names_a_seeded_theme_and_codes_are_unique() {
        let mut codes = std::collections::HashSet::new();
        for (_, _, items) in SECTIONS {
            for (code, _, theme) in *items {
                assert!(codes.insert(*code), "item {code} twice");
                assert!(
                    crate::seed::THEMES.iter().any(|(t, _, _)| t == theme),
                    "{code}: unknown theme {theme}"
                );
            }
        }
        assert_eq!(codes.len(), 25);
    }
}
