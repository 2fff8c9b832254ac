//! What a new installation starts with: the themes of DOMAIN.md, Antwerp's seven networks, the
//! partner organisations its brochure lists and the first signal checklist. Each part is seeded
//! only into an empty table, so a coordinator's later changes are never overwritten.

pub mod checklist;

use diesel::prelude::*;

use crate::db::schema::{networks, partners, service_networks, service_themes, services, themes};
use crate::db::{DbConn, now};

pub const THEMES: [(&str, &str, &str); 13] = [
    ("language", "Taal", "Language"),
    ("residence_status", "Verblijfsstatuut", "Residence status"),
    ("social_problems", "Sociale problemen", "Social problems"),
    ("poverty", "(Verdoken) armoede", "(Hidden) poverty"),
    ("leisure", "Vrijetijdstoeleiding", "Leisure participation"),
    (
        "health_hygiene",
        "Gezondheid en hygiëne",
        "Health and hygiene",
    ),
    ("parenting", "Opvoeding", "Parenting"),
    (
        "school_costs",
        "Schoolkosten en studietoelage",
        "School costs and study grant",
    ),
    (
        "finances_debt",
        "Financiën en schulden",
        "Finances and debts",
    ),
    ("housing", "Huisvesting", "Housing"),
    (
        "wellbeing",
        "Medisch of psychisch welzijn",
        "Medical or psychological wellbeing",
    ),
    ("neglect", "Verwaarlozing", "Neglect"),
    ("other", "Andere", "Other"),
];

/// Antwerp's networks, exactly as the brochure names them.
pub const NETWORKS: [&str; 7] = [
    "Antwerpen 2060 - Atheneum",
    "Deurne-Noord",
    "Luchtbal",
    "Antwerpen-Kiel",
    "Antwerpen 2018",
    "Merksem",
    "Deurne-Zuid, Borgerhout Extra-Muros, Berchem",
];

struct SeedService {
    name: &'static str,
    description: &'static str,
    themes: &'static [&'static str],
}

struct SeedPartner {
    name: &'static str,
    kind: &'static str,
    parent: Option<&'static str>,
    description: &'static str,
    services: &'static [SeedService],
}

const fn svc(
    name: &'static str,
    description: &'static str,
    themes: &'static [&'static str],
) -> SeedService {
    SeedService {
        name,
        description,
        themes,
    }
}

/// The partner organisations the Antwerp brochure lists, with the services it names. Contact
/// persons are left for the coordinator to fill in: the brochure names none.
const PARTNERS: &[SeedPartner] = &[
    SeedPartner {
        name: "OCMW Antwerpen",
        kind: "ocmw",
        parent: None,
        description: "Openbaar centrum voor maatschappelijk welzijn van de stad Antwerpen.",
        services: &[
            svc(
                "Sociale centra (wijkwerk)",
                "Het wijkwerk van het OCMW: maatschappelijk werkers in de sociale centra helpen gezinnen hun rechten uit te putten.",
                &[
                    "poverty",
                    "finances_debt",
                    "housing",
                    "school_costs",
                    "residence_status",
                    "social_problems",
                ],
            ),
            svc(
                "X-Stra!",
                "Vrijetijdsaanbod en -toeleiding voor kinderen en jongeren in armoede.",
                &["leisure", "poverty"],
            ),
            svc(
                "Binnenste Buiten",
                "Ondersteuning van kinderen en gezinnen in kwetsbare situaties.",
                &["poverty", "parenting", "social_problems"],
            ),
            svc(
                "Kansen voor Kinderen",
                "Extra kansen voor kinderen in armoede, in samenwerking met scholen en partners.",
                &["poverty", "school_costs", "leisure"],
            ),
        ],
    },
    SeedPartner {
        name: "Stad Antwerpen",
        kind: "city",
        parent: None,
        description: "Diensten van de stad Antwerpen.",
        services: &[
            svc(
                "X-Stra!",
                "Stedelijk vrijetijdsaanbod voor kinderen en jongeren.",
                &["leisure"],
            ),
            svc(
                "Jeugdinterventie",
                "Stedelijke interventie bij problemen met en rond jongeren.",
                &["social_problems", "parenting"],
            ),
            svc(
                "Buurtregie",
                "Stedelijke regie van het werk in de buurt: signalen en vragen naar de juiste dienst.",
                &["social_problems", "housing", "other"],
            ),
        ],
    },
    SeedPartner {
        name: "Samenlevingsopbouw Antwerpen vzw",
        kind: "ngo",
        parent: None,
        description: "Werkt met en voor mensen in maatschappelijk kwetsbare posities aan structurele verandering.",
        services: &[svc(
            "Samenlevingsopbouw in de wijk",
            "Buurtwerk en collectieve acties rond wonen, armoede en onderwijs.",
            &["poverty", "housing", "social_problems"],
        )],
    },
    SeedPartner {
        name: "Centrum voor Algemeen Welzijnswerk (CAW) Antwerpen",
        kind: "caw",
        parent: None,
        description: "Algemeen welzijnswerk: onthaal, begeleiding en opvang.",
        services: &[
            svc(
                "Inloopteams",
                "Laagdrempelige ontmoeting en ondersteuning voor gezinnen met jonge kinderen.",
                &["parenting", "poverty", "social_problems"],
            ),
            svc(
                "IVCA",
                "Centrum voor integrale gezinszorg en begeleiding.",
                &["parenting", "social_problems"],
            ),
            svc(
                "Wijkteams",
                "Welzijnswerk in de wijk, dicht bij de gezinnen.",
                &["social_problems", "finances_debt", "housing"],
            ),
            svc(
                "Opvoedingswinkel",
                "Vragen over opvoeding: informatie, advies en korte begeleiding.",
                &["parenting"],
            ),
        ],
    },
    SeedPartner {
        name: "Gezinscoaches 03",
        kind: "caw",
        parent: Some("Centrum voor Algemeen Welzijnswerk (CAW) Antwerpen"),
        description: "De gezinscoaches van het CAW.",
        services: &[svc(
            "Gezinscoaching",
            "Intensieve begeleiding van gezinnen aan huis.",
            &["parenting", "social_problems", "neglect"],
        )],
    },
    SeedPartner {
        name: "Kind & Gezin",
        kind: "child_and_family",
        parent: None,
        description: "Vlaams agentschap voor kinderen en gezinnen.",
        services: &[svc(
            "Preventieve gezinsondersteuning",
            "Ondersteuning van gezinnen met jonge kinderen: gezondheid, opvoeding, kinderopvang.",
            &["health_hygiene", "parenting"],
        )],
    },
    SeedPartner {
        name: "Huizen van het Kind",
        kind: "child_and_family",
        parent: Some("Kind & Gezin"),
        description: "Lokale samenwerkingsverbanden rond gezinsondersteuning.",
        services: &[svc(
            "Huis van het Kind",
            "Eén adres voor vragen over opvoeding, gezondheid en gezinsondersteuning.",
            &["parenting", "health_hygiene", "poverty"],
        )],
    },
    SeedPartner {
        name: "Centra voor Kinderzorg en Gezinsondersteuning (CKG)",
        kind: "ckg",
        parent: None,
        description: "Opvang van kinderen en ondersteuning van gezinnen in moeilijke situaties.",
        services: &[svc(
            "Kinderzorg en gezinsondersteuning",
            "Dag- en nachtopvang van kinderen en begeleiding van ouders.",
            &["parenting", "neglect", "wellbeing"],
        )],
    },
    SeedPartner {
        name: "Centra voor Leerlingenbegeleiding (CLB)",
        kind: "clb",
        parent: None,
        description: "Begeleiding van leerlingen op school: leren, onderwijsloopbaan, psychisch en sociaal functioneren, preventieve gezondheidszorg.",
        services: &[svc(
            "Leerlingenbegeleiding",
            "Het CLB begeleidt leerlingen, ouders en scholen, ook bij signalen van armoede.",
            &[
                "wellbeing",
                "health_hygiene",
                "school_costs",
                "social_problems",
            ],
        )],
    },
];

fn is_empty<T>(conn: &mut DbConn, count: T) -> QueryResult<bool>
where
    T: diesel::query_dsl::LoadQuery<'static, DbConn, i64>,
{
    count.get_result::<i64>(conn).map(|n| n == 0)
}

/// Seeds whatever part is still empty. Idempotent; runs in one transaction at start.
pub fn ensure(conn: &mut DbConn, city: &str) -> QueryResult<()> {
    let at = now();
    if is_empty(conn, themes::table.count())? {
        for (code, nl, en) in THEMES {
            diesel::insert_into(themes::table)
                .values((
                    themes::code.eq(code),
                    themes::label_nl.eq(nl),
                    themes::label_en.eq(en),
                    themes::active.eq(true),
                    themes::created_at.eq(at),
                    themes::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    if is_empty(conn, networks::table.count())? {
        for name in NETWORKS {
            diesel::insert_into(networks::table)
                .values((
                    networks::id.eq(uuid::Uuid::now_v7().to_string()),
                    networks::name.eq(name),
                    networks::city.eq(city),
                    networks::description.eq(""),
                    networks::active.eq(true),
                    networks::created_at.eq(at),
                    networks::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    if is_empty(conn, partners::table.count())? {
        let network_ids: Vec<String> = networks::table.select(networks::id).load(conn)?;
        let mut ids: Vec<(&str, String)> = Vec::new();
        for p in PARTNERS {
            let id = uuid::Uuid::now_v7().to_string();
            let parent = p
                .parent
                .and_then(|n| ids.iter().find(|(name, _)| *name == n))
                .map(|(_, id)| id.clone());
            diesel::insert_into(partners::table)
                .values((
                    partners::id.eq(&id),
                    partners::parent_id.eq(parent),
                    partners::name.eq(p.name),
                    partners::kind.eq(p.kind),
                    partners::description.eq(p.description),
                    partners::city.eq(city),
                    partners::active.eq(true),
                    partners::created_at.eq(at),
                    partners::updated_at.eq(at),
                ))
                .execute(conn)?;
            for s in p.services {
                let sid = uuid::Uuid::now_v7().to_string();
                diesel::insert_into(services::table)
                    .values((
                        services::id.eq(&sid),
                        services::partner_id.eq(&id),
                        services::name.eq(s.name),
                        services::description.eq(s.description),
                        services::eligibility.eq(""),
                        services::active.eq(true),
                        services::created_at.eq(at),
                        services::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                for t in s.themes {
                    diesel::insert_into(service_themes::table)
                        .values((
                            service_themes::service_id.eq(&sid),
                            service_themes::theme_code.eq(*t),
                        ))
                        .execute(conn)?;
                }
                // City-wide services serve every network.
                for n in &network_ids {
                    diesel::insert_into(service_networks::table)
                        .values((
                            service_networks::service_id.eq(&sid),
                            service_networks::network_id.eq(n),
                        ))
                        .execute(conn)?;
                }
            }
            ids.push((p.name, id));
        }
    }
    checklist::ensure(conn)?;
    Ok(())
}
