//! The words the generator draws from: names, schools, streets, languages, themes, texts.

use rand::Rng;

// ---------------------------------------------------------------------------------------------
// Vocabulary

pub(super) const FIRST_NAMES: &[&str] = &[
    "An",
    "Bram",
    "Charlotte",
    "Dirk",
    "Els",
    "Fatima",
    "Geert",
    "Hanne",
    "Ilse",
    "Jonas",
    "Karim",
    "Lotte",
    "Mehmet",
    "Nele",
    "Oumar",
    "Pieter",
    "Rania",
    "Sofie",
    "Tom",
    "Wendy",
    "Yusuf",
    "Zoë",
];
pub(super) const LAST_NAMES: &[&str] = &[
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Dubois",
    "El Amrani",
    "Yilmaz",
    "Vermeulen",
    "Van den Broeck",
    "Diallo",
    "Nowak",
];
pub(super) const SCHOOL_KINDS: &[(&str, &str)] = &[
    ("Basisschool", "primary"),
    ("Vrije Basisschool", "primary"),
    ("Stedelijke Basisschool", "primary"),
    ("GO! Basisschool", "primary"),
    ("Atheneum", "secondary"),
    ("Sint-Jan Berchmanscollege", "secondary"),
    ("Technisch Instituut", "secondary"),
];
pub(super) const SCHOOL_NAMES: &[&str] = &[
    "De Luchtballon",
    "Het Klavertje",
    "De Regenboog",
    "De Zonnebloem",
    "Sint-Lutgardis",
    "'t Kofschip",
    "De Vlieger",
    "Het Zonnetje",
    "De Boomgaard",
    "Mozaïek",
    "De Kleine Prins",
    "Kiem",
    "De Wereldreiziger",
    "Het Spoor",
    "De Notelaar",
    "Tuimelaar",
    "De Piramide",
    "Het Anker",
];
pub(super) const DISTRICTS: &[&str] = &[
    "Hoboken",
    "Wilrijk",
    "Ekeren",
    "Berendrecht",
    "Zandvliet",
    "Linkeroever",
    "Borgerhout Intra-Muros",
    "Zurenborg",
    "Seefhoek",
    "Dam",
    "Stuivenberg",
    "Haringrode",
    "Zuid",
    "Eilandje",
    "Kiel-West",
    "Hoboken-Polder",
    "Deurne-Oost",
    "Merksem-Dorp",
    "Sint-Andries",
    "Schoonselhof",
];
pub(super) const STREETS: &[&str] = &[
    "Kerkstraat",
    "Schoolstraat",
    "Lange Leemstraat",
    "Turnhoutsebaan",
    "Bredabaan",
    "Kioskplaats",
    "Columbiastraat",
    "Sint-Bernardsesteenweg",
    "Pothoekstraat",
    "Ter Heydelaan",
];
pub(super) const LANGUAGES: &[(&str, u32)] = &[
    ("Nederlands", 40),
    ("Frans", 12),
    ("Arabisch", 14),
    ("Turks", 8),
    ("Berbers", 6),
    ("Engels", 6),
    ("Pools", 5),
    ("Roemeens", 5),
    ("Somalisch", 2),
    ("Tigrinya", 2),
];
/// Theme codes with how often they come up (the brochures' help requests).
pub(super) const THEME_WEIGHTS: &[(&str, u32)] = &[
    ("poverty", 22),
    ("school_costs", 20),
    ("finances_debt", 14),
    ("parenting", 10),
    ("language", 8),
    ("housing", 8),
    ("wellbeing", 7),
    ("leisure", 6),
    ("health_hygiene", 5),
    ("social_problems", 5),
    ("residence_status", 4),
    ("neglect", 2),
    ("other", 3),
];
pub(super) const QUESTIONS: &[&str] = &[
    "Moeder vraagt hulp bij de schoolrekening.",
    "Het gezin heeft een achterstallige huur en dreigt uit huis gezet te worden.",
    "Vader zoekt een betaalbare vrijetijdsactiviteit voor de kinderen.",
    "De leerling komt vaak zonder lunch naar school.",
    "Ouders vragen hulp bij het aanvragen van de studietoelage.",
    "Het gezin woont in een te kleine, vochtige woning.",
    "Moeder voelt zich overbelast en zoekt opvoedingsondersteuning.",
    "Het gezin heeft schulden bij energieleveranciers.",
];
pub(super) const NEED_TEXTS: &[&str] = &[
    "Afbetalingsplan voor de schoolrekening",
    "Hulp bij de aanvraag van de schooltoeslag",
    "Een warme maaltijd op school",
    "Ondersteuning bij de zoektocht naar een woning",
    "Iemand om mee te praten",
    "Een sportclub of jeugdbeweging in de buurt",
    "Tolk bij het oudercontact",
    "Budgetbegeleiding",
];
pub(super) const CONTACT_SUMMARIES: &[&str] = &[
    "Kennismaking met moeder tijdens de zitdag.",
    "Telefonisch opgevolgd; documenten voor de toelage verzameld.",
    "Huisbezoek: situatie besproken, volgende stappen afgesproken.",
    "Overleg met de zorgcoördinator en het CLB.",
    "Gezin doorverwezen, afspraak bij de partner vastgelegd.",
];

pub(super) fn pick<'a, R: Rng>(rng: &mut R, xs: &'a [&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

pub(super) fn weighted<'a, R: Rng>(rng: &mut R, xs: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = xs.iter().map(|(_, w)| w).sum();
    let mut r = rng.random_range(0..total);
    for (x, w) in xs {
        if r < *w {
            return x;
        }
        r -= w;
    }
    xs[0].0
}
