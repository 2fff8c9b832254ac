//! Every code list the API speaks, each code with its Dutch and English label: a client shows
//! Dutch labels from this answer alone. The fixed lists are read from the OpenAPI document's
//! enums (so a new enum or variant is listed without anyone remembering to), their labels from
//! the catalogue (`i18n::labels`); the themes from the database.

use std::sync::OnceLock;

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::auth::policy::{Action, require};
use crate::db::themes as theme_repo;
use crate::domain::EVENT_TYPES;
use crate::error::ApiResult;
use crate::i18n::Lang;
use crate::i18n::labels::{self, Label};
use crate::state::AppState;

/// One code with its labels.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"code": "in_progress", "label_nl": "In behandeling", "label_en": "In progress", "active": true}))]
pub struct VocabularyValue {
    /// The code, exactly as requests and answers carry it.
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
    /// False only for a retired theme: it stays on old records, new ones may not use it.
    pub active: bool,
}

/// One code list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Vocabulary {
    /// The list's name: its schema's name in snake_case (`case_status` for `CaseStatus`), or
    /// `theme` and `event_type`.
    #[schema(example = "case_status")]
    pub name: String,
    /// The schema of this document whose values these are (`CaseStatus`); null for the themes
    /// (managed at `/api/v1/themes`) and the webhook event types.
    #[schema(example = "CaseStatus")]
    pub schema: Option<String>,
    #[schema(example = "Toestand van het dossier")]
    pub label_nl: String,
    #[schema(example = "Case statuses")]
    pub label_en: String,
    pub values: Vec<VocabularyValue>,
}

/// Every code list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Vocabularies {
    pub vocabularies: Vec<Vocabulary>,
}

/// `CaseStatus` → `case_status`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn value(list: &str, code: &str, active: bool) -> VocabularyValue {
    let label = |lang| labels::label(list, code, lang).unwrap_or(code).to_string();
    VocabularyValue {
        code: code.to_string(),
        label_nl: label(Lang::Nl),
        label_en: label(Lang::En),
        active,
    }
}

fn list_label(name: &str) -> Label {
    labels::vocabulary(name).map_or(("", "", ""), |(own, _)| own)
}

fn vocabulary(name: &str, schema: Option<String>, codes: &[String]) -> Vocabulary {
    let own = list_label(name);
    Vocabulary {
        name: name.to_string(),
        schema,
        label_nl: labels::pick(own, Lang::Nl).to_string(),
        label_en: labels::pick(own, Lang::En).to_string(),
        values: codes.iter().map(|c| value(name, c, true)).collect(),
    }
}

/// The string enums of the OpenAPI document: (schema name, codes), by name.
pub fn document_enums() -> Vec<(String, Vec<String>)> {
    let doc = crate::openapi::document();
    let schemas = doc.components.map(|c| c.schemas).unwrap_or_default();
    let mut out = Vec::new();
    for (name, schema) in schemas {
        let Ok(value) = serde_json::to_value(&schema) else {
            continue;
        };
        let Some(codes) = value.get("enum").and_then(|e| e.as_array()) else {
            continue;
        };
        let codes: Vec<String> = codes
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect();
        if !codes.is_empty() {
            out.push((name, codes));
        }
    }
    out
}

/// The fixed lists, built once: the document's enums and the event types.
fn fixed() -> &'static [Vocabulary] {
    static FIXED: OnceLock<Vec<Vocabulary>> = OnceLock::new();
    FIXED.get_or_init(|| {
        let mut lists: Vec<Vocabulary> = document_enums()
            .into_iter()
            .map(|(schema, codes)| vocabulary(&snake(&schema), Some(schema), &codes))
            .collect();
        let events: Vec<String> = EVENT_TYPES.iter().map(|e| e.to_string()).collect();
        lists.push(vocabulary("event_type", None, &events));
        lists.sort_by(|a, b| a.name.cmp(&b.name));
        lists
    })
}

#[utoipa::path(
    get, path = "/api/v1/vocabularies", tag = "vocabularies", operation_id = "list_vocabularies",
    summary = "Every code list, with Dutch and English labels",
    description = "Each code list the API uses — themes, case statuses, origins, priorities, outcomes, roles, \
need states, contact kinds, consent purposes, referral states and urgencies, presence modes, activity kinds, \
audiences, partner kinds, school levels, checklist answers, webhook event types and the rest — with the Dutch \
(`label_nl`) and English (`label_en`) label of every code, sorted by list name. The fixed lists are generated \
from the same types as the rest of this document (each is named after its schema, in snake_case); the themes \
come from the database, retired ones with `active: false`. Codes never change; labels may be improved. \
The answer holds both languages, so it does not depend on `Accept-Language`. \
Roles: coordinator, social_worker, school, partner.",
    security(("bearer" = [])),
    responses((status = 200, description = "The code lists", body = Vocabularies))
)]
#[get("/api/v1/vocabularies")]
pub async fn list_vocabularies(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<Vocabularies>> {
    require(&user, Action::ReadVocabularies)?;
    let themes = state
        .db
        .run(move |conn| Ok(theme_repo::list(conn, None, None, 10_000)?))
        .await?;
    let own = list_label("theme");
    let theme = Vocabulary {
        name: "theme".into(),
        schema: None,
        label_nl: labels::pick(own, Lang::Nl).to_string(),
        label_en: labels::pick(own, Lang::En).to_string(),
        values: themes
            .into_iter()
            .map(|t| VocabularyValue {
                code: t.code,
                label_nl: t.label_nl,
                label_en: t.label_en,
                active: t.active,
            })
            .collect(),
    };
    let mut vocabularies = fixed().to_vec();
    let at = vocabularies
        .binary_search_by(|v| v.name.as_str().cmp("theme"))
        .unwrap_or_else(|i| i);
    vocabularies.insert(at, theme);
    Ok(web::Json(Vocabularies { vocabularies }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_become_snake_case_list_names() {
        assert_eq!(snake("CaseStatus"), "case_status");
        assert_eq!(snake("Role"), "role");
        assert_eq!(snake("ScreeningFinding"), "screening_finding");
    }

    /// A new enum, or a new variant of one, fails here until the catalogue labels it.
    #[test]
    fn every_code_of_every_enum_in_the_document_has_both_labels() {
        let enums = document_enums();
        assert!(enums.len() > 25, "only {} enums found", enums.len());
        let mut missing = Vec::new();
        for (schema, codes) in &enums {
            let list = snake(schema);
            if labels::vocabulary(&list).is_none() {
                missing.push(format!("list `{list}` ({schema})"));
                continue;
            }
            for code in codes {
                for lang in Lang::ALL {
                    if labels::label(&list, code, lang).is_none() {
                        missing.push(format!("{list}.{code} in {lang}"));
                    }
                }
            }
        }
        for code in EVENT_TYPES {
            if labels::label("event_type", code, Lang::Nl).is_none() {
                missing.push(format!("event_type.{code}"));
            }
        }
        assert!(missing.is_empty(), "labels missing: {missing:#?}");
        // And no list in the catalogue names codes the API does not have.
        for (list, _, codes) in labels::VOCABULARIES {
            let actual: Vec<String> = match *list {
                "event_type" => EVENT_TYPES.iter().map(|e| e.to_string()).collect(),
                "theme" => continue,
                _ => enums
                    .iter()
                    .find(|(s, _)| snake(s) == *list)
                    .map(|(_, c)| c.clone())
                    .unwrap_or_else(|| panic!("the catalogue's list `{list}` is no enum")),
            };
            for (code, _, _) in *codes {
                assert!(actual.iter().any(|a| a == code), "{list}.{code} is no code");
            }
        }
    }
}
