//! Importing a city's social map (partners, services, contact persons) from CSV as Belgian
//! Excel saves it: Windows-1252 or UTF-8 with BOM, `;` or `,`, Dutch or English headers; dry
//! runs, per-line errors, idempotent re-imports, coordinator only.

use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp, TestUser};
use kinderen_eerst::domain::Role;

const GHENT_NETWORKS: [&str; 3] = [
    "Gent - Brugse Poort",
    "Gent - Sint-Amandsberg",
    "Gent - Nieuw Gent",
];

/// Ghent's social map as a coordinator types it in Excel with a Belgian locale: Dutch headers,
/// accented names, two contact persons on one service, themes by their Dutch labels.
const GHENT: &str = "\
Organisatie;Soort;Website;Telefoon;Straat;Postcode;Gemeente;Dienst;Beschrijving;Doelgroep;Thema's;Netwerken;Contactpersoon;Functie;Contact_telefoon;Contact e-mail
Vzw Ondersteuning Gezinnen – Sint-Amandsberg;vzw;https://ondersteuning-gezinnen.example;09 000 00 10;Antwerpsesteenweg 120;9040;Gent;Gezinsondersteuning aan huis;Wekelijkse begeleiding van gezinnen met jonge kinderen.;Gezinnen met kinderen tot 12 jaar in Sint-Amandsberg;Opvoeding|Huisvesting;Gent - Sint-Amandsberg;Anaïs Dewaele;gezinsondersteuner;09 000 00 11;anais@ondersteuning-gezinnen.example
Vzw Ondersteuning Gezinnen – Sint-Amandsberg;;;;;;;Gezinsondersteuning aan huis;;;;;Jörgen Van Hecke;maatschappelijk werker;09 000 00 12;jorgen@ondersteuning-gezinnen.example
Sociaal Huis Gent – Brugse Poort;ocmw;https://sociaalhuis.gent.example;09 000 00 20;Phoenixstraat 9;9000;Gent;Wijkwerk Brugse Poort;Eerste hulp bij vragen over inkomen, huur en schulden.;Iedereen die in de Brugse Poort woont;Financiën en schulden,(Verdoken) armoede;Gent - Brugse Poort|Gent - Nieuw Gent;Fatma El Amrani;maatschappelijk werker;09 000 00 21;fatma@sociaalhuis.gent.example
Huis van het Kind Gent;kind en gezin;https://huisvanhetkind.gent.example;;;9000;Gent;Opvoedingswinkel;Vragen over opvoeding, ook in het Frans en het Turks.;Ouders van kinderen tot 18 jaar;Opvoeding;Gent - Brugse Poort|Gent - Sint-Amandsberg|Gent - Nieuw Gent;Sofie Claeys;opvoedingsondersteuner;;sofie@huisvanhetkind.gent.example
";

fn windows_1252_crlf(text: &str) -> Vec<u8> {
    let text = text.replace('\n', "\r\n");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable, "the fixture fits Windows-1252");
    bytes.into_owned()
}

fn utf8_bom(text: &str) -> Vec<u8> {
    let mut b = "\u{feff}".as_bytes().to_vec();
    b.extend(text.as_bytes());
    b
}

struct Ghent {
    app: TestApp,
    coord: TestUser,
}

fn ghent() -> Ghent {
    let app = TestApp::spawn();
    let coord = app.coordinator();
    for name in GHENT_NETWORKS {
        let r = app.post(
            "/api/v1/networks",
            Some(&coord.token),
            &json!({"name": name, "city": "Gent"}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    Ghent { app, coord }
}

impl Ghent {
    fn import(&self, body: Vec<u8>, dry_run: bool) -> Value {
        let res = self.import_as(&self.coord, body, dry_run);
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }

    fn import_as(&self, user: &TestUser, body: Vec<u8>, dry_run: bool) -> Resp {
        self.app.request(
            "POST",
            &format!("/api/v1/social-map/import?dry_run={dry_run}"),
            Some(&user.token),
            Some(("text/csv", body)),
            &[],
        )
    }

    fn partners_named(&self, text: &str) -> Vec<Value> {
        let q: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
        self.app
            .get(
                &format!("/api/v1/partners?limit=200&q={q}"),
                Some(&self.coord.token),
            )
            .json()["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn services_of(&self, partner: &str) -> Vec<Value> {
        self.app
            .get(
                &format!("/api/v1/services?partner={partner}"),
                Some(&self.coord.token),
            )
            .json()["items"]
            .as_array()
            .unwrap()
            .clone()
    }
}

fn counts(report: &Value, what: &str) -> (u64, u64, u64) {
    let c = &report[what];
    (
        c["created"].as_u64().unwrap(),
        c["updated"].as_u64().unwrap(),
        c["unchanged"].as_u64().unwrap(),
    )
}

#[test]
fn a_ghent_social_map_saved_by_belgian_excel_imports_in_one_call_and_again_changes_nothing() {
    let g = ghent();
    let file = windows_1252_crlf(GHENT);

    let dry = g.import(file.clone(), true);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(counts(&dry, "partners"), (3, 0, 0), "{dry}");
    assert_eq!(counts(&dry, "services"), (3, 0, 0), "{dry}");
    assert_eq!(dry["rejected"], 0, "{dry}");
    assert!(
        g.partners_named("Ondersteuning Gezinnen").is_empty(),
        "a dry run writes nothing"
    );

    let done = g.import(file.clone(), false);
    assert_eq!(counts(&done, "partners"), (3, 0, 0), "{done}");
    assert_eq!(counts(&done, "services"), (3, 0, 0));
    let lines: Vec<(u64, &str)> = done["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            (2, "applied"),
            (3, "applied"),
            (4, "applied"),
            (5, "applied")
        ]
    );

    let found = g.partners_named("Ondersteuning Gezinnen");
    assert_eq!(found.len(), 1);
    let vzw = &found[0];
    assert_eq!(vzw["name"], "Vzw Ondersteuning Gezinnen – Sint-Amandsberg");
    assert_eq!(vzw["kind"], "ngo");
    assert_eq!(vzw["address"]["postal_code"], "9040");
    let services = g.services_of(vzw["id"].as_str().unwrap());
    assert_eq!(services.len(), 1);
    let s = &services[0];
    assert_eq!(s["name"], "Gezinsondersteuning aan huis");
    assert_eq!(
        s["eligibility"],
        "Gezinnen met kinderen tot 12 jaar in Sint-Amandsberg"
    );
    let codes: Vec<&str> = s["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["housing", "parenting"]);
    assert_eq!(s["networks"][0]["name"], "Gent - Sint-Amandsberg");
    let contacts: Vec<&str> = s["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        contacts,
        ["Anaïs Dewaele", "Jörgen Van Hecke"],
        "in the file's order"
    );
    let wijkwerk = &g.services_of(g.partners_named("Brugse Poort")[0]["id"].as_str().unwrap())[0];
    let codes: Vec<&str> = wijkwerk["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["finances_debt", "poverty"]);
    assert_eq!(wijkwerk["networks"].as_array().unwrap().len(), 2);
    // The social map finds them by theme and network, like Antwerp's.
    let net = g
        .app
        .get("/api/v1/networks?limit=200", Some(&g.coord.token))
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "Gent - Nieuw Gent")
        .unwrap()["id"]
        .clone();
    let map = g.app.get(
        &format!(
            "/api/v1/services?theme=parenting&network={}",
            net.as_str().unwrap()
        ),
        Some(&g.coord.token),
    );
    assert_eq!(map.json()["items"][0]["name"], "Opvoedingswinkel");

    // Again: the natural keys find everything; nothing is written, no ETag moves.
    let etag = g
        .app
        .get(
            &format!("/api/v1/partners/{}", vzw["id"].as_str().unwrap()),
            Some(&g.coord.token),
        )
        .header("etag")
        .unwrap()
        .to_string();
    let again = g.import(file, false);
    assert_eq!(counts(&again, "partners"), (0, 0, 3), "{again}");
    assert_eq!(counts(&again, "services"), (0, 0, 3), "{again}");
    assert_eq!(g.partners_named("Ondersteuning Gezinnen").len(), 1);
    assert_eq!(
        g.app
            .get(
                &format!("/api/v1/partners/{}", vzw["id"].as_str().unwrap()),
                Some(&g.coord.token)
            )
            .header("etag"),
        Some(etag.as_str())
    );
}

#[test]
fn a_utf8_file_with_bom_and_english_headers_updates_what_the_first_import_made() {
    let g = ghent();
    g.import(windows_1252_crlf(GHENT), false);
    // The same partner with other spacing, English headers, `,` and a BOM: the service gets a
    // new eligibility and one contact person instead of two.
    let update = "\
partner,service,eligibility,themes,networks,contact_name,contact_email
\" Vzw Ondersteuning  Gezinnen – Sint-Amandsberg\",gezinsondersteuning AAN huis,Gezinnen met kinderen tot 14 jaar,parenting|housing,Gent - Sint-Amandsberg,Anaïs Dewaele,anais@ondersteuning-gezinnen.example
Huis van het Kind Gent,Spelotheek,Speelgoed lenen voor gezinnen,\"Leisure participation, Parenting\",Gent - Brugse Poort,,
";
    let report = g.import(utf8_bom(update), false);
    assert_eq!(report["rejected"], 0, "{report}");
    assert_eq!(counts(&report, "services"), (1, 1, 0), "{report}");
    // Names are matched ignoring case, accents and spaces, and stored with single spaces.
    assert_eq!(counts(&report, "partners"), (0, 0, 2), "{report}");
    let vzw = &g.partners_named("Ondersteuning Gezinnen")[0];
    let s = &g.services_of(vzw["id"].as_str().unwrap())[0];
    assert_eq!(s["eligibility"], "Gezinnen met kinderen tot 14 jaar");
    assert_eq!(s["contacts"].as_array().unwrap().len(), 1);
    // Columns left out keep what was stored: the description and the partner's website.
    assert_eq!(
        s["description"],
        "Wekelijkse begeleiding van gezinnen met jonge kinderen."
    );
    assert_eq!(vzw["website"], "https://ondersteuning-gezinnen.example");
    let huis = &g.partners_named("Huis van het Kind")[0];
    let services = g.services_of(huis["id"].as_str().unwrap());
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn a_bad_line_names_its_line_and_column_and_what_was_expected_and_the_rest_is_applied() {
    let g = ghent();
    let file = "\
organisatie;soort;dienst;thema's;netwerken;contactpersoon;contact_e-mail
Buurtwerk Nieuw Gent;vzw;Huiswerkklas;Taal;Gent - Nieuw Gent;Kobe Maes;kobe@buurtwerk.example
Sportclub De Ploeg;bakkerij;Sportkampen;Sport;Gent - Oostakker;Lien Peeters;niet-een-adres
;vzw;Zonder naam;Taal;Gent - Nieuw Gent;;
Buurtwerk Nieuw Gent;;;;;Eva Claes;eva@buurtwerk.example
Buurtwerk Nieuw Gent;ocmw;Huiswerkklas;;;Joris Baert;joris@buurtwerk.example
";
    let report = g.import(windows_1252_crlf(file), false);
    assert_eq!(report["rejected"], 4, "{report}");
    let line = |n: u64| -> &Value {
        report["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["line"] == n)
            .unwrap()
    };
    let fields = |n: u64| -> Vec<String> {
        line(n)["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(line(2)["action"], "applied");
    let mut bad = fields(3);
    bad.sort();
    assert_eq!(
        bad,
        ["contact_email", "networks", "partner_kind", "themes"],
        "{report}"
    );
    let message = |n: u64, field: &str| -> String {
        line(n)["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Dutch by default; each error names the value and what was expected, with a stable code.
    assert!(message(3, "themes").contains("`Sport`"), "{report}");
    assert!(message(3, "themes").contains("verwacht"), "{report}");
    assert!(
        message(3, "partner_kind").contains("verwacht een van ocmw"),
        "{report}"
    );
    assert!(
        message(3, "networks").contains("Gent - Oostakker"),
        "{report}"
    );
    assert_eq!(fields(4), ["partner"]);
    // A contact person without a service; a kind that contradicts line 2.
    assert_eq!(fields(5), ["contact_name", "contact_email"]);
    assert!(message(5, "contact_name").contains("vul `service`"));
    assert_eq!(fields(6), ["partner_kind"]);
    assert!(
        message(6, "partner_kind").contains("verschilt van regel 2"),
        "{report}"
    );
    // Only line 2 was taken.
    assert_eq!(counts(&report, "partners"), (1, 0, 0));
    assert!(g.partners_named("Sportclub").is_empty());
    let s = &g.services_of(g.partners_named("Buurtwerk")[0]["id"].as_str().unwrap())[0];
    assert_eq!(s["contacts"].as_array().unwrap().len(), 1);

    // A header that is not the social map's is refused whole, naming the column.
    let p = g
        .import_as(&g.coord, b"organisatie;kleur\nX;rood\n".to_vec(), false)
        .problem(422);
    assert!(p.to_string().contains("kleur"), "{p}");
    assert!(p.to_string().contains("verwacht een van partner"), "{p}");
}

#[test]
fn only_the_coordinator_imports_the_social_map() {
    let g = ghent();
    let worker = g.app.user(Role::SocialWorker, None);
    let nets = g.app.get("/api/v1/networks", Some(&g.coord.token)).json();
    let net = nets["items"][0]["id"].as_str().unwrap();
    let school = g.app.post(
        "/api/v1/schools",
        Some(&g.coord.token),
        &json!({"network_id": net, "name": "Basisschool", "institution_number": "200001", "level": "primary"}),
    );
    let school_user = g
        .app
        .user(Role::School, Some(school.json()["id"].as_str().unwrap()));
    let file = windows_1252_crlf(GHENT);
    for user in [&worker, &school_user] {
        for dry_run in [true, false] {
            g.import_as(user, file.clone(), dry_run).problem(403);
        }
    }
    let anonymous = g.app.request(
        "POST",
        "/api/v1/social-map/import",
        None,
        Some(("text/csv", file.clone())),
        &[],
    );
    assert_eq!(anonymous.status, 401);
    assert!(g.partners_named("Sint-Amandsberg").is_empty());
    let json_body = g.app.request(
        "POST",
        "/api/v1/social-map/import",
        Some(&g.coord.token),
        Some(("application/json", b"{}".to_vec())),
        &[],
    );
    json_body.problem(415);
}
