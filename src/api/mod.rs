//! The HTTP API: one module per resource, mounted here (the one place routes are added).

pub mod assignments;
pub mod auth;
pub mod checklist_submissions;
pub mod checklist_templates;
pub mod common;
pub mod extract;
pub mod health;
pub mod networks;
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
        .service(checklist_submissions::close_checklist_submission_without_action);
}
