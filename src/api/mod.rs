//! The HTTP API: one module per resource, mounted here (the one place routes are added).

pub mod auth;
pub mod extract;
pub mod health;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Mounts every documented handler. Everything goes through `service`, so it is in the
/// OpenAPI document too.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(auth::login)
        .service(auth::me)
        .service(auth::change_own_password);
}
