//! The FHIR R4 shapes we serve, as typed serde structs of just the elements we fill: Task,
//! ServiceRequest, Bundle (searchset) and OperationOutcome, with the datatypes they use.
//!
//! Why not a FHIR crate: `fhir-model` (fhir-sdk) is the maintained one, but its generated R4B
//! resources alone are 7 MB of source (9 MB for R5, the default), which would dominate our build
//! on two shared cores, and its types carry no `utoipa::ToSchema`, so the OpenAPI document could
//! not describe them. These structs follow the R4 element names and cardinalities; the contract
//! suite validates every answer with the `fhir.resources` R4B models.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `http://hl7.org/fhir/CodeSystem/task-code`
pub const TASK_CODE_SYSTEM: &str = "http://hl7.org/fhir/CodeSystem/task-code";
/// The SDOH Clinical Care guide's temporary codes (`resulting-activity` for a Task's output).
pub const SDOHCC_TEMPORARY_CODES: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
/// Our referral states, as `Task.businessStatus`.
pub const REFERRAL_STATUS_SYSTEM: &str = "urn:kinderen-eerst:referral-status";
/// Our problem codes, in `OperationOutcome.issue.details`.
pub const PROBLEM_CODE_SYSTEM: &str = "urn:kinderen-eerst:problem-code";
/// Our referral ids, as `Task.identifier` and `ServiceRequest.identifier`.
pub const REFERRAL_ID_SYSTEM: &str = "urn:kinderen-eerst:referral";
/// Our themes, as `ServiceRequest.category`.
pub const THEME_SYSTEM: &str = "urn:kinderen-eerst:theme";
/// Our partner services, as `ServiceRequest.code`.
pub const SERVICE_SYSTEM: &str = "urn:kinderen-eerst:service";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default, PartialEq)]
#[schema(as = FhirCoding)]
pub struct Coding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    pub fn new(system: &str, code: &str, display: Option<&str>) -> Coding {
        Coding {
            system: Some(system.into()),
            code: Some(code.into()),
            display: display.map(String::from),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default, PartialEq)]
#[schema(as = FhirCodeableConcept)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    pub fn text(t: impl Into<String>) -> CodeableConcept {
        CodeableConcept {
            coding: vec![],
            text: Some(t.into()),
        }
    }
    pub fn coded(c: Coding, text: Option<String>) -> CodeableConcept {
        CodeableConcept {
            coding: vec![c],
            text,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = FhirIdentifier)]
pub struct Identifier {
    pub system: String,
    pub value: String,
}

/// A reference: literal (`Organization/<id>`, `#contained`) or logical (`identifier`), with a
/// display text.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default, PartialEq)]
#[schema(as = FhirReference)]
pub struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Organization/0193a1b2-0000-7000-8000-0000000000a1")]
    pub reference: Option<String>,
    /// The resource type a logical reference points at.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    pub fn to(kind: &str, id: &str, display: Option<String>) -> Reference {
        Reference {
            reference: Some(format!("{kind}/{id}")),
            display,
            ..Reference::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = FhirMeta)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Changes with every change of the resource; send it back in `If-Match` as `W/"<versionId>"`.
    #[schema(example = "1764998400123456")]
    pub version_id: String,
    pub last_updated: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = FhirAnnotation)]
pub struct Annotation {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = FhirPeriod)]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = FhirContactPoint)]
pub struct ContactPoint {
    /// `phone`, `email`, …
    pub system: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = FhirHumanName)]
pub struct HumanName {
    pub text: String,
}

/// A resource carried inside another (`#id`): the referring worker as a Practitioner, or the
/// family as a Patient when its consent passes on contact data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = FhirContained)]
#[serde(rename_all = "camelCase")]
pub struct Contained {
    /// `Practitioner` or `Patient`.
    #[schema(example = "Practitioner")]
    pub resource_type: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communication: Vec<PatientCommunication>,
}

/// A Patient's language (`communication.language`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(as = FhirPatientCommunication)]
pub struct PatientCommunication {
    pub language: CodeableConcept,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TaskRestriction {
    /// `end` is the follow-up day: by then the partner should have answered or acted.
    pub period: Period,
}

/// `Task.output`: the outcome, typed `resulting-activity` as in the SDOH Clinical Care guide.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskOutput {
    #[serde(rename = "type")]
    pub type_: CodeableConcept,
    /// The outcome as text. On update, `valueString` is taken as well.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
}

/// A referral as a FHIR R4 Task, after the SDOH Clinical Care guide's referral management Task:
/// `intent` `order`, `code` `fulfill`, `focus` the ServiceRequest, `owner` the partner
/// organisation, `requester` the referring worker; `for` only when the family's consent passes
/// on its contact data.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "resourceType": "Task", "id": "0193a1b2-0000-7000-8000-0000000000f1",
    "meta": {"versionId": "1764998400123456", "lastUpdated": "2026-12-06T10:00:00.123456Z"},
    "identifier": [{"system": "urn:kinderen-eerst:referral", "value": "0193a1b2-0000-7000-8000-0000000000f1"}],
    "status": "requested",
    "businessStatus": {"coding": [{"system": "urn:kinderen-eerst:referral-status", "code": "sent"}], "text": "sent"},
    "intent": "order", "priority": "urgent",
    "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill", "display": "Fulfill the focal request"}]},
    "focus": {"reference": "ServiceRequest/0193a1b2-0000-7000-8000-0000000000f1"},
    "authoredOn": "2026-12-06T10:00:00Z", "lastModified": "2026-12-06T10:00:00.123456Z",
    "requester": {"reference": "#requester", "display": "Wendy Peeters"},
    "owner": {"reference": "Organization/0193a1b2-0000-7000-8000-0000000000a1", "display": "CAW Antwerpen"},
    "restriction": {"period": {"end": "2026-12-13"}}
}))]
pub struct Task {
    /// Always `Task`.
    #[schema(example = "Task")]
    pub resource_type: &'static str,
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contained: Vec<Contained>,
    pub identifier: Vec<Identifier>,
    /// `requested`, `accepted`, `rejected`, `in-progress`, `on-hold`, `completed`, `failed`,
    /// `cancelled` (a draft referral is never a Task).
    #[schema(example = "requested")]
    pub status: String,
    /// Why the Task is `rejected`, `on-hold`, `failed` or `cancelled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<CodeableConcept>,
    /// The referral's own state code (`urn:kinderen-eerst:referral-status`).
    pub business_status: CodeableConcept,
    /// Always `order`.
    #[schema(example = "order")]
    pub intent: &'static str,
    /// `routine` (urgency low or normal), `urgent` (high), `asap` (urgent); absent once the
    /// family withdrew its consent (the package is withheld).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "urgent")]
    pub priority: Option<&'static str>,
    pub code: CodeableConcept,
    pub focus: Reference,
    /// The family, only when its consent passes on contact data (a contained Patient).
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<Reference>,
    /// When the referral was sent.
    pub authored_on: String,
    pub last_modified: String,
    pub requester: Reference,
    pub owner: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restriction: Option<TaskRestriction>,
    /// The outcome of a completed referral.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<TaskOutput>,
}

/// The request a Task asks to fulfil: the service, the themes, the message for the partner.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRequest {
    /// Always `ServiceRequest`.
    #[schema(example = "ServiceRequest")]
    pub resource_type: &'static str,
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contained: Vec<Contained>,
    pub identifier: Vec<Identifier>,
    /// `active` while the partner has it, `on-hold`, `completed`, or `revoked` (declined,
    /// failed or cancelled).
    #[schema(example = "active")]
    pub status: &'static str,
    /// Always `order`.
    #[schema(example = "order")]
    pub intent: &'static str,
    /// The referral's themes (`urn:kinderen-eerst:theme`).
    pub category: Vec<CodeableConcept>,
    /// Absent once the package is withheld.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "urgent")]
    pub priority: Option<&'static str>,
    /// The partner service asked for (`urn:kinderen-eerst:service`).
    pub code: CodeableConcept,
    /// The family: a contained Patient when its consent passes on contact data; otherwise a
    /// logical reference that identifies nobody (the referral's own id).
    pub subject: Reference,
    pub authored_on: String,
    pub requester: Reference,
    pub performer: Vec<Reference>,
    /// The message for the partner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BundleLink {
    /// `self` or `next`.
    pub relation: &'static str,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BundleSearch {
    /// Always `match`.
    pub mode: &'static str,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    pub full_url: String,
    pub resource: Task,
    pub search: BundleSearch,
}

/// A page of search results (`type` `searchset`), newest referral first; follow `link` `next`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Always `Bundle`.
    #[schema(example = "Bundle")]
    pub resource_type: &'static str,
    /// Always `searchset`.
    #[serde(rename = "type")]
    #[schema(example = "searchset")]
    pub type_: &'static str,
    pub link: Vec<BundleLink>,
    pub entry: Vec<BundleEntry>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OperationOutcomeIssue {
    /// `error` or `fatal`.
    #[schema(example = "error")]
    pub severity: &'static str,
    /// The FHIR issue type: `invalid`, `required`, `value`, `login`, `forbidden`, `not-found`,
    /// `conflict`, `business-rule`, `not-supported`, `too-costly`, `throttled`, `transient`,
    /// `exception`.
    #[schema(example = "not-found")]
    pub code: &'static str,
    /// Our stable problem code (`urn:kinderen-eerst:problem-code`) and the text in the answer's
    /// language.
    pub details: CodeableConcept,
    /// For invalid input: where (a FHIRPath, a search parameter, a JSON Patch path).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

/// An error, as FHIR answers one: every FHIR endpoint answers errors this way, never with
/// problem+json. Branch on `issue[].details.coding[].code` (our stable problem codes).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found",
    "details": {"coding": [{"system": "urn:kinderen-eerst:problem-code", "code": "not_found"}], "text": "Not found"}}]}))]
pub struct OperationOutcome {
    /// Always `OperationOutcome`.
    #[schema(example = "OperationOutcome")]
    pub resource_type: &'static str,
    pub issue: Vec<OperationOutcomeIssue>,
}

/// The operations a Task patch takes (`op`), as the document states them.
pub const PATCH_OPS: [&str; 3] = ["replace", "add", "test"];

fn patch_op_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(PATCH_OPS))
        .build()
}

/// One JSON Patch operation (RFC 6902) on a Task. Paths taken: `/status` (required),
/// `/statusReason` (a CodeableConcept; its `text` is the reason), `/output` (a list) or
/// `/output/-` (one output; the outcome is its `valueCodeableConcept.text` or `valueString`).
/// `test` operations are checked against the Task as it is.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"op": "replace", "path": "/status", "value": "accepted"}))]
pub struct TaskPatchOperation {
    /// `replace`, `add` or `test`.
    #[schema(example = "replace", schema_with = patch_op_schema)]
    pub op: String,
    #[schema(example = "/status")]
    pub path: String,
    /// Any JSON value; its texts and keys hold no control characters (but tab, newline and
    /// carriage return), like every text the service takes.
    #[serde(default)]
    #[schema(value_type = crate::openapi::PlainJson)]
    pub value: Option<serde_json::Value>,
}
