//! A referral as FHIR: the Task that asks the partner to fulfil it and the ServiceRequest it is
//! about. Only what the partner's package allows goes in: the service, themes, urgency, the
//! message for the partner, the follow-up day, the referring worker's name and e-mail, the
//! partner's answers, and the family's contact data only when its consent passes it on. Never
//! the case (its id, needs, notes, school or class), other referrals or other consents.

use std::collections::HashMap;

use chrono::{NaiveDateTime, SecondsFormat};

use super::resources::*;
use crate::api::referrals::views::consent_withdrawn_reason;
use crate::auth::{Sees, Viewer};
use crate::db::referrals::{self as repo, ReferralListRow};
use crate::db::{DbConn, now};
use crate::domain::referral::{ReferralStatus, ReferralUrgency};
use crate::domain::utc;
use crate::error::ApiResult;

/// The family's contact data, for a referral whose consent passes it on.
#[derive(Debug, Clone, Default)]
pub struct Family {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
}

/// What the family's consent passes on to the partner (the JSON API's `ReferralPackage`).
#[derive(Debug, Clone)]
pub struct Package {
    pub themes: Vec<String>,
    /// The referring worker: (display name, e-mail).
    pub maker: Option<(String, String)>,
    /// Only when the consent shares the family's contact data with the partner.
    pub family: Option<Family>,
}

/// Everything one Task and its ServiceRequest are made of.
#[derive(Debug, Clone)]
pub struct TaskData {
    pub row: ReferralListRow,
    /// `None` once the family withdrew the consent the referral was sent on: the Task is then a
    /// bare reference (status, owner, service, dates, the partner's own answers).
    pub package: Option<Package>,
    /// Why the referral is in its state (declined, on hold, failed, cancelled).
    pub reason: Option<String>,
}

/// Reads what the Tasks of these referrals show, in a few queries whatever their number. The
/// same package for every caller: a Task is what the partner gets, also when a worker reads it.
pub fn load(
    conn: &mut DbConn,
    user: &Viewer,
    rows: Vec<ReferralListRow>,
) -> ApiResult<Vec<TaskData>> {
    let ids: Vec<String> = rows.iter().map(|r| r.referral.id.clone()).collect();
    let case_ids: Vec<String> = rows.iter().map(|r| r.referral.case_id.clone()).collect();
    let mut themes = repo::themes_of(conn, &ids)?;
    let consents = repo::live_partner_consent_sharing(conn, &case_ids, now())?;
    let makers: Vec<String> = rows.iter().map(|r| r.referral.created_by.clone()).collect();
    let makers = repo::worker_contacts(conn, &makers)?;
    let families = repo::family_contacts(conn, &case_ids)?;
    let with_reason: Vec<(String, ReferralStatus)> = rows
        .iter()
        .filter(|r| reason_shown(r.referral.status()))
        .map(|r| (r.referral.id.clone(), r.referral.status()))
        .collect();
    let mut reasons = if with_reason.is_empty() {
        HashMap::new()
    } else {
        repo::current_reasons(conn, &with_reason)?
    };
    // The case team's own reasons (a cancellation, say) stay with the case team.
    let all_reasons = match user.sees() {
        Sees::CaseTeam => true,
        Sees::Partner | Sees::Metadata | Sees::School => false,
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let r = &row.referral;
        let consent = consents
            .get(&(r.case_id.clone(), r.partner_id.clone()))
            .copied();
        // Sent on the family's consent and that consent is gone: a bare reference.
        let withdrawn = r.consent_override_basis.is_none() && consent.is_none();
        let package = (!withdrawn).then(|| Package {
            themes: themes.remove(&r.id).unwrap_or_default(),
            maker: makers.get(&r.created_by).cloned(),
            family: consent
                .filter(|share| *share)
                .and_then(|_| families.get(&r.case_id))
                .map(|f| Family {
                    name: f.0.clone(),
                    phone: f.1.clone(),
                    language: f.2.clone(),
                }),
        });
        let reason = match r.status() {
            ReferralStatus::Declined => r.decline_reason.clone(),
            _ => reasons
                .remove(&r.id)
                // The system's hold on a withdrawn consent says why to the partner too.
                .filter(|(c, partner_side)| {
                    all_reasons || *partner_side || c == consent_withdrawn_reason()
                })
                .map(|(c, _)| c),
        };
        out.push(TaskData {
            package,
            reason,
            row,
        });
    }
    Ok(out)
}

/// The states whose why is `statusReason`.
fn reason_shown(s: ReferralStatus) -> bool {
    match s {
        ReferralStatus::Declined
        | ReferralStatus::OnHold
        | ReferralStatus::Failed
        | ReferralStatus::Cancelled => true,
        ReferralStatus::Draft
        | ReferralStatus::Sent
        | ReferralStatus::Accepted
        | ReferralStatus::InProgress
        | ReferralStatus::Completed => false,
    }
}

pub fn instant(at: NaiveDateTime) -> String {
    utc(at).to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The version of a referral: its last change, to the microsecond (the JSON API's ETag too).
pub fn version(at: NaiveDateTime) -> String {
    at.and_utc().timestamp_micros().to_string()
}

fn meta(at: NaiveDateTime) -> Meta {
    Meta {
        version_id: version(at),
        last_updated: instant(at),
    }
}

/// FHIR's request priority: `routine` (low, normal), `urgent` (high), `asap` (urgent).
pub fn priority(u: ReferralUrgency) -> &'static str {
    match u {
        ReferralUrgency::Low | ReferralUrgency::Normal => "routine",
        ReferralUrgency::High => "urgent",
        ReferralUrgency::Urgent => "asap",
    }
}

/// The ServiceRequest's status for a referral state.
pub fn request_status(s: ReferralStatus) -> &'static str {
    match s {
        ReferralStatus::Draft => "draft",
        ReferralStatus::Sent | ReferralStatus::Accepted | ReferralStatus::InProgress => "active",
        ReferralStatus::OnHold => "on-hold",
        ReferralStatus::Completed => "completed",
        ReferralStatus::Declined | ReferralStatus::Failed | ReferralStatus::Cancelled => "revoked",
    }
}

const REQUESTER: &str = "requester";
/// The requester once the package is withheld.
const PROGRAMME: &str = "Kinderen Eerst";
const FAMILY: &str = "family";

fn identifier(id: &str) -> Vec<Identifier> {
    vec![Identifier {
        system: REFERRAL_ID_SYSTEM.into(),
        value: id.into(),
    }]
}

/// The referring worker: contained, so the partner has their name and e-mail.
fn requester(d: &TaskData) -> (Vec<Contained>, Reference) {
    match d.package.as_ref().and_then(|p| p.maker.as_ref()) {
        Some((name, email)) => (
            vec![Contained {
                resource_type: "Practitioner".into(),
                id: REQUESTER.into(),
                name: vec![HumanName { text: name.clone() }],
                telecom: vec![ContactPoint {
                    system: "email".into(),
                    value: email.clone(),
                }],
                communication: vec![],
            }],
            Reference {
                reference: Some(format!("#{REQUESTER}")),
                display: Some(name.clone()),
                ..Reference::default()
            },
        ),
        // Withheld with the package: the programme, not the person.
        None => (
            vec![],
            Reference {
                type_: Some("Organization".into()),
                display: Some(PROGRAMME.into()),
                ..Reference::default()
            },
        ),
    }
}

/// The family as a contained Patient: contact data only, never the pupil's name or school.
fn patient(f: &Family) -> Contained {
    let telecom = f
        .phone
        .iter()
        .map(|p| ContactPoint {
            system: "phone".into(),
            value: p.clone(),
        })
        .collect();
    Contained {
        resource_type: "Patient".into(),
        id: FAMILY.into(),
        name: f
            .name
            .iter()
            .map(|n| HumanName { text: n.clone() })
            .collect(),
        telecom,
        communication: f
            .language
            .iter()
            .map(|l| PatientCommunication {
                language: CodeableConcept::text(l.clone()),
            })
            .collect(),
    }
}

fn family_ref() -> Reference {
    Reference {
        reference: Some(format!("#{FAMILY}")),
        ..Reference::default()
    }
}

fn owner(d: &TaskData) -> Reference {
    Reference::to(
        "Organization",
        &d.row.referral.partner_id,
        Some(d.row.partner_name.clone()),
    )
}

pub fn task(d: &TaskData) -> Task {
    let r = &d.row.referral;
    let status = r.status();
    let (mut contained, requester) = requester(d);
    let family = d.package.as_ref().and_then(|p| p.family.as_ref());
    if let Some(f) = family {
        contained.push(patient(f));
    }
    let package = d.package.is_some();
    Task {
        resource_type: "Task",
        id: r.id.clone(),
        meta: meta(r.updated_at),
        contained,
        identifier: identifier(&r.id),
        status: status.fhir().into(),
        status_reason: d.reason.clone().map(CodeableConcept::text),
        business_status: CodeableConcept::coded(
            Coding::new(REFERRAL_STATUS_SYSTEM, status.as_str(), None),
            Some(status.as_str().into()),
        ),
        intent: "order",
        priority: package.then(|| priority(r.urgency)),
        code: CodeableConcept::coded(
            Coding::new(
                TASK_CODE_SYSTEM,
                "fulfill",
                Some("Fulfill the focal request"),
            ),
            None,
        ),
        focus: Reference::to("ServiceRequest", &r.id, None),
        for_: family.map(|_| family_ref()),
        authored_on: instant(r.sent_at.unwrap_or(r.created_at)),
        last_modified: instant(r.updated_at),
        requester,
        owner: owner(d),
        restriction: r
            .follow_up_on
            .filter(|_| package)
            .map(|day| TaskRestriction {
                period: Period {
                    start: None,
                    end: Some(day.to_string()),
                },
            }),
        output: r
            .outcome
            .iter()
            .filter(|_| status == ReferralStatus::Completed)
            .map(|o| TaskOutput {
                type_: CodeableConcept::coded(
                    Coding::new(
                        SDOHCC_TEMPORARY_CODES,
                        "resulting-activity",
                        Some("Resulting Activity"),
                    ),
                    None,
                ),
                value_codeable_concept: Some(CodeableConcept::text(o.clone())),
                value_string: None,
            })
            .collect(),
    }
}

pub fn service_request(d: &TaskData) -> ServiceRequest {
    let r = &d.row.referral;
    let (mut contained, requester) = requester(d);
    let package = d.package.as_ref();
    let subject = match package.and_then(|p| p.family.as_ref()) {
        Some(f) => {
            contained.push(patient(f));
            family_ref()
        }
        // FHIR requires a subject: a logical one that names nobody, only this referral.
        None => Reference {
            type_: Some("Patient".into()),
            identifier: Some(Identifier {
                system: format!("{REFERRAL_ID_SYSTEM}-subject"),
                value: r.id.clone(),
            }),
            ..Reference::default()
        },
    };
    ServiceRequest {
        resource_type: "ServiceRequest",
        id: r.id.clone(),
        meta: meta(r.updated_at),
        contained,
        identifier: identifier(&r.id),
        status: request_status(r.status()),
        intent: "order",
        category: package
            .map(|p| p.themes.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|t| CodeableConcept::coded(Coding::new(THEME_SYSTEM, t, None), None))
            .collect(),
        priority: package.map(|_| priority(r.urgency)),
        code: CodeableConcept::coded(
            Coding::new(SERVICE_SYSTEM, &r.service_id, Some(&d.row.service_name)),
            Some(d.row.service_name.clone()),
        ),
        subject,
        authored_on: instant(r.sent_at.unwrap_or(r.created_at)),
        requester,
        performer: vec![owner(d)],
        note: r
            .message_for_partner
            .iter()
            .filter(|_| package.is_some())
            .map(|m| Annotation { text: m.clone() })
            .collect(),
    }
}
