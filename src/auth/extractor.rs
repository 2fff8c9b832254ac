//! `AuthUser`: a handler that takes one cannot forget authentication.
//!
//! The token says who the caller claims to be; the database says who they are now. A
//! deactivated or deleted user, or a token whose role or school no longer matches the account,
//! gets 401 at once, whatever the token's expiry.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::jwt::{TokenError, TokenSubject};
use crate::auth::viewer::{Reach, Viewer};
use crate::db::DbConn;
use crate::db::users::{self, UserRow};
use crate::domain::Role;
use crate::error::ApiError;
use crate::i18n::Code;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// For `school` users: the one school they act for.
    pub school_id: Option<String>,
    /// For `partner` users: the one partner organisation they act for.
    pub partner_id: Option<String>,
    /// The request this caller is making, for the audit trail.
    pub request_id: String,
    /// The client's address: the peer, or what a trusted proxy reports (`TRUSTED_PROXIES`).
    pub client_addr: String,
}

fn unauthorized(why: Code) -> ApiError {
    ApiError::Unauthorized(why.into())
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized(Code::AuthHeaderMissing))?;
    let value = value
        .to_str()
        .map_err(|_| unauthorized(Code::AuthHeaderMalformed))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_string())
        }
        _ => Err(unauthorized(Code::AuthSchemeNotBearer)),
    }
}

impl AuthUser {
    pub(crate) fn from_row(row: UserRow, request_id: String, client_addr: String) -> AuthUser {
        AuthUser {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: row.role,
            school_id: row.school_id,
            partner_id: row.partner_id,
            request_id,
            client_addr,
        }
    }
}

/// A caller whose token is verified, with their account still to be checked against the
/// database: what `authenticate` reads on a connection of its own, or a handler on the
/// connection of its read (`Db::read_audited_as`), so the request takes one connection, not two.
pub struct Claim {
    subject: TokenSubject,
    request_id: String,
    client_addr: String,
    /// Until a one-time password is changed, only these routes answer.
    password_route: bool,
}

/// Verifies the bearer token of a request (no database).
fn verify(
    req: &HttpRequest,
) -> LocalBoxFuture<'static, Result<(web::Data<AppState>, Claim), ApiError>> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = bearer_token(req);
    let request_id = req
        .extensions()
        .get::<crate::state::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let client_addr = client_addr(req);
    // Until a one-time password is changed, only these two answer.
    let password_route = matches!(
        (req.method().as_str(), req.path()),
        ("GET", "/api/v1/me") | ("POST", "/api/v1/me/password")
    );
    Box::pin(async move {
        let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
        let token = token?;
        let subject = match (state.jwt.verify(&token), state.jwt.oidc()) {
            // The provider may have published a new key since we fetched its keys: fetch them
            // again (rate-limited, shared by concurrent requests) and try once more.
            (Err(TokenError::UnknownKey), Some(oidc)) => {
                oidc.refresh_for_unknown_key().await;
                state.jwt.verify(&token)
            }
            (verified, _) => verified,
        }
        .map_err(|why| {
            log::debug!("token refused: {why}");
            unauthorized(Code::TokenInvalid)
        })?;
        let claim = Claim {
            subject,
            request_id,
            client_addr,
            password_route,
        };
        Ok((state, claim))
    })
}

impl Claim {
    /// The account as the database has it now; with `with_reach`, also what the caller
    /// reaches (in the same round trip for a worker).
    pub fn check(
        self,
        conn: &mut DbConn,
        with_reach: bool,
    ) -> Result<(AuthUser, Option<Reach>), ApiError> {
        let Claim {
            subject,
            request_id,
            client_addr,
            password_route,
        } = self;
        // A worker's own token names the role: the account and its schools come in one
        // statement.
        let mut schools = None;
        let row = match &subject {
            TokenSubject::Local { user_id, role, .. }
                if with_reach && *role == Role::SocialWorker.as_str() =>
            {
                let today = chrono::Utc::now().date_naive();
                crate::db::optional(crate::db::assignments::user_with_schools(
                    conn, user_id, today,
                ))?
                .map(|(row, ids)| {
                    schools = Some(ids);
                    row
                })
            }
            TokenSubject::Local { user_id, .. } => crate::db::optional(users::find(conn, user_id))?,
            TokenSubject::Idp { email } => {
                users::find_by_email(conn, &email.trim().to_lowercase())?
            }
        };
        let row = row.ok_or_else(|| unauthorized(Code::AccountMissing))?;
        if !row.active {
            return Err(unauthorized(Code::AccountDeactivated));
        }
        if let TokenSubject::Local {
            role,
            school,
            partner,
            credentials_version,
            ..
        } = &subject
            && (*role != row.role.as_str()
                || *school != row.school_id
                || *partner != row.partner_id
                || *credentials_version != row.credentials_version)
        {
            return Err(unauthorized(Code::SessionEnded));
        }
        // An identity provider's token proves who the caller is without our password, so a
        // one-time password blocks only our own tokens.
        let own_token = matches!(subject, TokenSubject::Local { .. });
        if own_token && row.must_change_password && !password_route {
            return Err(ApiError::PasswordChangeRequired);
        }
        let user = AuthUser::from_row(row, request_id, client_addr);
        let reach = match (with_reach, schools) {
            (false, _) => None,
            // The row's role is the token's (checked above).
            (true, Some(schools)) => Some(Reach::SocialWorker { schools }),
            (true, None) => Some(Reach::load(conn, &user)?),
        };
        Ok((user, reach))
    }

    /// The caller as a `Viewer`, checked on `conn` (see `check`).
    pub fn viewer(self, conn: &mut DbConn) -> Result<Viewer, ApiError> {
        match self.check(conn, true)? {
            (user, Some(reach)) => Ok(Viewer { user, reach }),
            (_, None) => Err(ApiError::internal("the viewer's reach was not loaded")),
        }
    }
}

/// Authenticates a request: the token, then the account as the database has it now; with
/// `with_reach`, also what the caller reaches (in the same database round trip).
fn authenticate(
    req: &HttpRequest,
    with_reach: bool,
) -> LocalBoxFuture<'static, Result<(AuthUser, Option<Reach>), ApiError>> {
    let verified = verify(req);
    Box::pin(async move {
        let (state, claim) = verified.await?;
        state
            .db
            .run(move |conn| claim.check(conn, with_reach))
            .await
    })
}

/// A `Viewer` whose token is verified (401 at once when it is not) and whose account is checked
/// by the handler, on the connection of its own database work: for the hot audited reads,
/// which so take one connection per request instead of one for the caller and one for the read.
/// The checks are `Viewer`'s, on the same statement.
pub struct DeferredViewer(pub Claim);

impl FromRequest for DeferredViewer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = verify(req);
        Box::pin(async move { Ok(DeferredViewer(verified.await?.1)) })
    }
}

/// The client's address as the request middleware resolved it (behind trusted proxies, the
/// forwarded client), or the peer.
pub fn client_addr(req: &HttpRequest) -> String {
    if let Some(c) = req.extensions().get::<crate::state::client::Client>() {
        return c.addr.clone();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = authenticate(req, false);
        Box::pin(async move { Ok(auth.await?.0) })
    }
}

impl FromRequest for Viewer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = authenticate(req, true);
        Box::pin(async move {
            match auth.await? {
                (user, Some(reach)) => Ok(Viewer { user, reach }),
                (_, None) => Err(ApiError::internal("the viewer's reach was not loaded")),
            }
        })
    }
}

/// An `AuthUser` whose role may take action `A`, checked before the body is read, so a caller
/// without the right gets 403 whatever they send. (A handler that needs a scope takes a
/// `Viewer` instead.)
pub struct Allowed<A: crate::auth::policy::ActionMarker>(
    pub AuthUser,
    pub std::marker::PhantomData<A>,
);

impl<A: crate::auth::policy::ActionMarker + 'static> FromRequest for Allowed<A> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            crate::auth::policy::require(&user, A::ACTION)?;
            Ok(Allowed(user, std::marker::PhantomData))
        })
    }
}
