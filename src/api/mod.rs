//! The HTTP API: one module per resource, mounted here (the one place routes are added).

pub mod activities;
pub mod agenda;
pub mod allocation;
pub mod allocation_plans;
pub mod assignments;
pub mod audit;
pub mod audit_checkpoints;
pub mod auth;
pub mod cases;
pub mod checklist_submissions;
pub mod checklist_templates;
pub mod common;
pub mod consults;
pub mod csv_in;
pub mod csv_out;
pub mod events;
pub mod extract;
pub mod fhir;
pub mod health;
pub mod hsds;
pub mod idempotency;
pub mod inbox;
pub mod lifecycle;
pub mod meetings;
pub mod metrics;
pub mod networks;
pub mod partners;
pub mod presence;
pub mod referrals;
pub mod reports;
pub mod schools;
pub mod services;
pub mod social_map_import;
pub mod stats;
pub mod themes;
pub mod users;
pub mod vocabularies;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Mounts every documented handler. Everything goes through `service`, so it is in the
/// OpenAPI document too.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::get_metrics)
        .service(auth::login)
        .service(auth::me)
        .service(auth::change_own_password)
        .service(networks::list_networks)
        .service(networks::create_network)
        .service(networks::get_network)
        .service(networks::update_network)
        .service(networks::delete_network)
        .service(schools::list_schools)
        .service(schools::import_schools)
        .service(social_map_import::import_social_map)
        .service(schools::create_school)
        .service(schools::get_school)
        .service(schools::update_school)
        .service(schools::delete_school)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::reset_user_password)
        .service(assignments::list_assignments)
        .service(assignments::create_assignment)
        .service(assignments::get_assignment)
        .service(assignments::update_assignment)
        .service(assignments::delete_assignment)
        .service(inbox::get_inbox)
        .service(inbox::mark_inbox_seen)
        .service(cases::list_cases)
        .service(cases::create_case)
        .service(cases::raise_case_request)
        .service(cases::get_case_by_reference)
        .service(cases::get_case)
        .service(cases::update_case)
        .service(cases::start_case)
        .service(cases::put_case_on_wait)
        .service(cases::resume_case)
        .service(cases::close_case)
        .service(cases::reopen_case)
        .service(cases::set_case_lead_worker)
        .service(cases::open_case_from_submission)
        .service(cases::records::list_case_needs)
        .service(cases::records::add_case_need)
        .service(cases::records::get_case_need)
        .service(cases::records::correct_case_need)
        .service(cases::records::list_case_contact_moments)
        .service(cases::records::add_case_contact_moment)
        .service(cases::records::get_case_contact_moment)
        .service(cases::records::correct_case_contact_moment)
        .service(cases::records::list_case_consents)
        .service(cases::records::add_case_consent)
        .service(cases::records::withdraw_case_consent)
        .service(cases::records::set_case_feedback)
        .service(cases::family_rights::export_case)
        .service(cases::family_rights::erase_case)
        .service(audit::get_case_access_log)
        .service(audit::list_audit_events)
        .service(audit::verify_audit_chain)
        .service(audit_checkpoints::list_audit_checkpoints)
        .service(audit_checkpoints::create_audit_checkpoint)
        .service(audit_checkpoints::verify_against_checkpoints)
        .service(stats::get_case_stats)
        .service(stats::get_checklist_stats)
        .service(stats::get_presence_stats)
        .service(vocabularies::list_vocabularies)
        .service(reports::get_yearly_report)
        .service(themes::list_themes)
        .service(themes::create_theme)
        .service(themes::get_theme)
        .service(themes::update_theme)
        .service(partners::list_partners)
        .service(partners::create_partner)
        .service(partners::get_partner)
        .service(partners::update_partner)
        .service(partners::delete_partner)
        .service(services::list_services)
        .service(services::create_service)
        .service(services::get_service)
        .service(services::update_service)
        .service(services::delete_service)
        .service(hsds::list_hsds_services)
        .service(hsds::get_hsds_service)
        .service(hsds::list_hsds_organizations)
        .service(hsds::get_hsds_organization)
        .service(hsds::list_hsds_taxonomies)
        .service(hsds::get_hsds_taxonomy)
        .service(hsds::list_hsds_taxonomy_terms)
        .service(hsds::get_hsds_taxonomy_term)
        .service(hsds::list_hsds_service_at_locations)
        .service(hsds::get_hsds_service_at_location)
        .service(assignments::delete_assignment);
    // Signal checklists. Fixed paths (`current`, `counts`) before the `{id}` they would match.
    cfg.service(checklist_templates::list_checklist_templates)
        .service(checklist_templates::create_checklist_template)
        .service(checklist_templates::get_checklist_template)
        .service(checklist_templates::create_checklist_version)
        .service(checklist_templates::get_current_checklist_version)
        .service(checklist_templates::get_checklist_version)
        .service(checklist_templates::replace_checklist_version)
        .service(checklist_templates::publish_checklist_version)
        .service(checklist_submissions::create_checklist_submission)
        .service(checklist_submissions::list_checklist_submissions)
        .service(checklist_submissions::count_checklist_submissions)
        .service(checklist_submissions::get_checklist_submission)
        .service(checklist_submissions::triage_checklist_submission)
        .service(checklist_submissions::close_checklist_submission_without_action)
        .service(referrals::list_referrals)
        .service(referrals::list_case_referrals)
        .service(referrals::create_referral)
        .service(referrals::get_referral)
        .service(referrals::update_referral)
        .service(referrals::send_referral)
        .service(referrals::accept_referral)
        .service(referrals::decline_referral)
        .service(referrals::start_referral)
        .service(referrals::hold_referral)
        .service(referrals::resume_referral)
        .service(referrals::complete_referral)
        .service(referrals::fail_referral)
        .service(referrals::cancel_referral)
        .service(referrals::move_referral_follow_up)
        .service(referrals::list_referral_messages)
        .service(referrals::add_referral_message)
        .service(referrals::get_partner_inbox)
        .service(events::list_events)
        .service(webhooks::list_webhooks)
        .service(webhooks::create_webhook)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::list_webhook_deliveries)
        .service(stats::referrals::get_referral_stats)
        .service(presence::list_office_hours)
        .service(presence::create_office_hours_exception)
        .service(presence::delete_office_hours_exception)
        .service(presence::log_office_hours_session)
        .service(presence::calendar::rotate_calendar_token)
        .service(presence::calendar::get_school_calendar)
        .service(presence::calendar::get_worker_calendar)
        .service(presence::list_closed_periods)
        .service(presence::create_closed_period)
        .service(presence::delete_closed_period)
        .service(consults::list_consult_requests)
        .service(consults::create_consult_request)
        .service(consults::get_consult_request)
        .service(consults::schedule_consult_request)
        .service(consults::complete_consult_request)
        .service(consults::cancel_consult_request)
        .service(consults::open_case_from_consult)
        .service(allocation::propose_allocation)
        .service(allocation_plans::list_allocation_plans)
        .service(allocation_plans::create_allocation_plan)
        .service(allocation_plans::get_allocation_plan)
        .service(allocation_plans::diff_allocation_plan)
        .service(allocation_plans::apply_allocation_plan)
        .service(allocation_plans::add_allocation_plan_line)
        .service(allocation_plans::update_allocation_plan_line)
        .service(allocation_plans::delete_allocation_plan_line)
        .service(presence::absences::list_absences)
        .service(presence::absences::create_absence)
        .service(presence::absences::delete_absence)
        .service(meetings::list_meetings)
        .service(meetings::create_meeting)
        .service(meetings::get_meeting)
        .service(meetings::update_meeting)
        .service(meetings::set_meeting_attendance)
        .service(agenda::add_agenda_item)
        .service(agenda::get_agenda_item)
        .service(agenda::update_agenda_item)
        .service(agenda::release_agenda_item)
        .service(agenda::return_agenda_item)
        .service(agenda::withdraw_agenda_item)
        .service(meetings::add_action_point)
        .service(meetings::update_action_point)
        .service(activities::list_activities)
        .service(activities::create_activity)
        .service(activities::get_activity)
        .service(activities::update_activity)
        .service(activities::delete_activity)
        .service(activities::get_activity_stats);
    // FHIR R4 for partner systems.
    cfg.service(fhir::list_fhir_tasks)
        .service(fhir::get_fhir_task)
        .service(fhir::update_fhir_task)
        .service(fhir::get_fhir_service_request);
}
