//! Liveness and readiness, outside authentication, for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use diesel::r2d2::R2D2Connection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when alive, `ready` when the database answers.
    #[schema(example = "ok")]
    pub status: String,
    /// The database backend, on readiness.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "sqlite")]
    pub database: Option<String>,
}

#[utoipa::path(
    get, path = "/healthz", tag = "health", operation_id = "check_health",
    summary = "Is the process alive",
    description = "Answers 200 as long as the process serves requests, whatever the database does. Roles: anyone, without a token.",
    responses((status = 200, description = "The process is alive", body = Health, example = json!({"status": "ok"})))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: None,
    })
}

#[utoipa::path(
    get, path = "/readyz", tag = "health", operation_id = "check_readiness",
    summary = "Can the service reach its database",
    description = "200 when a database connection answers, 503 (problem+json) when it does not. Roles: anyone, without a token.",
    responses(
        (status = 200, description = "The database answers", body = Health, example = json!({"status": "ready", "database": "postgres"})),
        (status = 503, description = "The database does not answer", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let backend = state.db.backend;
    state
        .db
        .run(|conn| {
            conn.ping()
                .map_err(|e| ApiError::Unavailable(crate::msg!(DatabaseNotAnswering, reason = e)))
        })
        .await
        .map_err(|e| match e {
            ApiError::Unavailable(d) => ApiError::Unavailable(d),
            other => ApiError::Unavailable(crate::msg!(DatabaseNotAnswering, reason = other)),
        })?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready".into(),
        database: Some(backend.name().into()),
    }))
}
