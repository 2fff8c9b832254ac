//! One way to declare a lifecycle action endpoint (`POST /…/{id}/<action>`) for cases,
//! referrals, checklist submissions and consult requests: the policy check first, then the id,
//! If-Match and the body (none, required or optional JSON), then the transition in one write
//! transaction; 200 with the object in its new state and its ETag. Which states an action starts
//! from and what it needs is `domain::lifecycle`.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{Ready, ready};

use crate::api::extract::{ApiJson, OptionalJson};
use crate::error::{ApiError, ApiResult};

/// The body of an action that takes none (whatever is sent is ignored).
pub struct NoBody;

impl FromRequest for NoBody {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(NoBody))
    }
}

/// A body an action takes; read after the policy check, so 401 and 403 come first.
pub trait ActionBody {
    type Value;
    fn take(self) -> ApiResult<Self::Value>;
}

impl ActionBody for NoBody {
    type Value = ();
    fn take(self) -> ApiResult<()> {
        Ok(())
    }
}

impl<T> ActionBody for ApiJson<T> {
    type Value = T;
    fn take(self) -> ApiResult<T> {
        self.into_inner()
    }
}

impl<T> ActionBody for OptionalJson<T> {
    type Value = T;
    fn take(self) -> ApiResult<T> {
        self.into_inner()
    }
}

/// Declares an action endpoint. `apply` is a function
/// `(conn, &Viewer, id, if_match, body, extra args…) -> ApiResult<(impl Serialize, etag)>`,
/// run inside one write transaction. The caller has `actix_web::post` in scope: utoipa reads
/// the route from that attribute by its name.
///
/// ```ignore
/// action_endpoint! {
///     #[utoipa::path(post, path = "/api/v1/cases/{id}/start", …)]
///     "/api/v1/cases/{id}/start" => start_case(NoBody), may Action::WorkCases,
///     apply transition(CaseTransition::Start)
/// }
/// ```
macro_rules! action_endpoint {
    (
        $(#[$attr:meta])*
        $path:literal => $fn:ident($body:ty), may $action:expr,
        apply $apply:path $(, ($($arg:expr),*))?
    ) => {
        $(#[$attr])*
        #[post($path)]
        pub async fn $fn(
            state: actix_web::web::Data<crate::state::AppState>,
            user: crate::auth::Viewer,
            req: actix_web::HttpRequest,
            id: actix_web::web::Path<uuid::Uuid>,
            body: $body,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> {
            crate::auth::policy::require(&user, $action)?;
            let (id, if_match) = (id.to_string(), crate::api::common::if_match(&req));
            let body = crate::api::lifecycle::ActionBody::take(body)?;
            let (v, tag) = state
                .db
                .write(move |conn| {
                    $apply(conn, &user, &id, if_match.as_deref(), body $($(, $arg)*)?)
                })
                .await?;
            Ok(crate::api::common::ok_with_etag(&v, &tag))
        }
    };
}
pub(crate) use action_endpoint;
