//! The HTTP API: one module per resource, mounted here (the one place routes are added).

pub mod activities;
pub mod allocation;
pub mod anonymity;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod case_records;
pub mod cases;
pub mod common;
pub mod consults;
pub mod extract;
pub mod health;
pub mod meetings;
pub mod networks;
pub mod presence;
pub mod schools;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Mounts every documented handler. Everything goes through `service`, so it is in the
/// OpenAPI document too.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
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
        .service(cases::list_cases)
        .service(cases::create_case)
        .service(cases::raise_case_request)
        .service(cases::get_case)
        .service(cases::update_case)
        .service(cases::start_case)
        .service(cases::put_case_on_wait)
        .service(cases::resume_case)
        .service(cases::close_case)
        .service(cases::reopen_case)
        .service(cases::set_case_lead_worker)
        .service(case_records::list_case_needs)
        .service(case_records::add_case_need)
        .service(case_records::list_case_contact_moments)
        .service(case_records::add_case_contact_moment)
        .service(case_records::list_case_consents)
        .service(case_records::add_case_consent)
        .service(case_records::withdraw_case_consent)
        .service(case_records::set_case_feedback)
        .service(audit::get_case_access_log)
        .service(audit::list_audit_events)
        .service(audit::verify_audit_chain)
        .service(presence::list_office_hours)
        .service(presence::create_office_hours_exception)
        .service(presence::delete_office_hours_exception)
        .service(presence::log_office_hours_session)
        .service(calendar::rotate_calendar_token)
        .service(calendar::get_school_calendar)
        .service(calendar::get_worker_calendar)
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
        .service(meetings::list_meetings)
        .service(meetings::create_meeting)
        .service(meetings::get_meeting)
        .service(meetings::update_meeting)
        .service(meetings::set_meeting_attendance)
        .service(meetings::add_agenda_item)
        .service(meetings::add_action_point)
        .service(meetings::update_action_point)
        .service(activities::list_activities)
        .service(activities::create_activity)
        .service(activities::get_activity)
        .service(activities::update_activity)
        .service(activities::delete_activity)
        .service(activities::get_activity_stats);
}
