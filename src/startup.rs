//! Builds the application: bootstrap (migrations, secrets, first coordinator), the App with its
//! middleware, and the HTTP server. The one place routes are mounted (through `api::configure`).

use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next, from_fn};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, ResponseError, web};
use anyhow::{Context, bail};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::auth::audit_key::AuditKey;
use crate::auth::jwt::{IdpKey, Jwt};
use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, Backend, Db, DbOptions};
use crate::domain::Role;
use crate::error::{ApiError, PROBLEM_CONTENT_TYPE};
use crate::i18n::{self, Lang};
use crate::state::{AppState, RequestId};

/// Migrates the database, settles the signing secret and creates the first coordinator on an
/// empty database. Blocking: call before the server starts.
pub fn prepare(opts: &DbOptions, settings: Settings) -> anyhow::Result<web::Data<AppState>> {
    settings.cors_origins().map_err(anyhow::Error::msg)?;
    let proxies = crate::state::client::TrustedProxies::parse(&settings.trusted_proxies)
        .map_err(anyhow::Error::msg)?;
    let applied = db::migrate(opts)?;
    if !applied.is_empty() {
        log::info!(
            "applied {} migration(s): {}",
            applied.len(),
            applied.join(", ")
        );
    }
    let db = Db::new(opts);
    let mut conn = db.pool.get().context("cannot connect to the database")?;
    let secret = match (&settings.jwt_secret, db.backend) {
        (Some(s), _) => {
            crate::auth::jwt::check_secret("JWT_SECRET", s).map_err(anyhow::Error::msg)?;
            s.clone()
        }
        (None, Backend::Postgres) => {
            bail!("JWT_SECRET is required on PostgreSQL (all instances must share it)")
        }
        (None, Backend::Sqlite) => {
            db::settings::get_or_insert(&mut conn, "jwt_secret", &password::random_secret())?
        }
    };
    let audit_key = match (&settings.audit_signing_key_file, db.backend) {
        (Some(path), _) => AuditKey::load(path),
        (None, Backend::Sqlite) => {
            let file = opts.url.strip_prefix("sqlite://").unwrap_or(&opts.url);
            AuditKey::load_or_generate(std::path::Path::new(&format!("{file}.audit-key.pem")))
        }
        (None, Backend::Postgres) => Err(
            "AUDIT_SIGNING_KEY_FILE is required on PostgreSQL (all instances share it, and it must \
             not live in the database): make one with `openssl genpkey -algorithm ed25519 -out \
             audit-key.pem`"
                .to_string(),
        ),
    }
    .map_err(anyhow::Error::msg)?;
    let idp = match &settings.jwt_public_key_file {
        None => None,
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read JWT_PUBLIC_KEY_FILE {}", path.display()))?;
            let key = jsonwebtoken::DecodingKey::from_rsa_pem(&pem)
                .context("JWT_PUBLIC_KEY_FILE is not an RSA public key in PEM")?;
            Some(IdpKey {
                key,
                issuer: settings.jwt_public_key_issuer.clone(),
            })
        }
    };
    let oidc = match settings.oidc().map_err(anyhow::Error::msg)? {
        None => None,
        Some(config) => {
            let provider = crate::auth::oidc::Provider::new(config, db.metrics.clone())
                .map_err(anyhow::Error::msg)?;
            // A provider that is down does not keep the service from starting: local logins
            // work, and its keys are fetched on the interval or the first token that needs them.
            if let Err(why) = provider.refresh("startup") {
                log::warn!(
                    "the identity provider {} is not reachable yet ({why}); its tokens are refused until its keys are fetched",
                    provider.issuer()
                );
            }
            Some(std::sync::Arc::new(provider))
        }
    };
    let jwt = Jwt::new(
        secret.as_bytes(),
        &settings.jwt_issuer,
        &settings.jwt_audience,
        settings.jwt_ttl_seconds,
        idp,
        oidc,
    );
    // Instances starting together on an empty database take turns: the first seeds, the others
    // find the tables filled (SQLite's write lock does the same there).
    db::write_tx(&mut conn, |c| {
        if c.backend() == Backend::Postgres {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                "SELECT pg_advisory_xact_lock(4242003)",
            )?;
        }
        crate::seed::ensure(c, "Antwerpen")
    })
    .context("seeding failed")?;
    ensure_first_coordinator(&mut conn, &settings.initial_coordinator_email)?;
    drop(conn);
    let figures = crate::state::figure_cache::FigureCache::new(std::time::Duration::from_secs(
        settings.stats_cache_seconds,
    ));
    Ok(web::Data::new(AppState {
        db,
        jwt,
        settings,
        figures,
        proxies,
        audit_key,
    }))
}

/// On an empty database, creates a coordinator with a random password and logs both once, so a
/// newcomer can log in. The password is never stored or shown again.
fn ensure_first_coordinator(conn: &mut db::DbConn, email: &str) -> anyhow::Result<()> {
    if db::users::count(conn)? > 0 {
        return Ok(());
    }
    let pw = password::generate();
    let created = crate::usecases::users::create(
        conn,
        crate::usecases::users::CreateUser {
            email: email.to_string(),
            display_name: "Coordinator".into(),
            role: Role::Coordinator,
            school_id: None,
            partner_id: None,
            password: pw.clone(),
            one_time_password: true,
        },
    );
    match created {
        Ok(_) => {
            log::warn!(
                "first start: created coordinator {email} with one-time password {pw} \
                 (log in and change it with POST /api/v1/me/password; it is not shown again)"
            );
            Ok(())
        }
        // Another instance starting at the same moment created it.
        Err(ApiError::Conflict { .. }) => Ok(()),
        Err(e) => bail!("cannot create the first coordinator: {e:?}"),
    }
}

/// Paths and methods of the documented API, to answer 405 (with `Allow`) rather than 404 when a
/// known path is called with the wrong method.
#[derive(Clone)]
struct KnownRoutes(std::sync::Arc<Vec<KnownRoute>>);

/// One documented path: its pattern, the methods it declares, and what every instance of it
/// has in common (the literal text before its first parameter, its number of segments), checked
/// before the pattern: asked on every request, most paths are ruled out without a regex.
struct KnownRoute {
    def: ResourceDef,
    methods: Vec<String>,
    prefix: String,
    slashes: usize,
}

impl KnownRoute {
    fn new(path: &str, methods: Vec<String>) -> Self {
        // A parameter (`{id}`) matches within one segment, so an instance has as many `/` as
        // the pattern and starts with the pattern's text before its first `{`.
        let prefix = path.split('{').next().unwrap_or_default().to_string();
        KnownRoute {
            def: ResourceDef::new(path),
            methods,
            prefix,
            slashes: path.matches('/').count(),
        }
    }

    fn is_match(&self, path: &str) -> bool {
        path.starts_with(&self.prefix)
            && path.matches('/').count() == self.slashes
            && self.def.is_match(path)
    }
}

impl KnownRoutes {
    fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| m.to_string())
                .collect();
                KnownRoute::new(path, methods)
            })
            .collect();
        KnownRoutes(std::sync::Arc::new(routes))
    }

    /// The methods of the documented path `path` is an instance of. Where several match
    /// (`/schools/import` and `/schools/{id}`), the most specific wins: the one with the fewest
    /// parameters, so a literal segment is never taken for an id.
    fn methods_for(&self, path: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|r| r.is_match(path))
            .min_by_key(|r| r.def.pattern().map_or(0, |p| p.matches('{').count()))
            .map(|r| r.methods.clone())
            .unwrap_or_default()
    }
}

/// Answers 405 with `Allow` for a method the documented path does not declare, before routing:
/// otherwise `PATCH /schools/import` would reach `PATCH /schools/{id}` and be told its id is
/// not a UUID. (CORS preflights are answered before this, by the CORS middleware.)
async fn declared_methods_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(known) = req.app_data::<web::Data<KnownRoutes>>() {
        let allow = known.methods_for(req.path());
        if !allow.is_empty() && !allow.iter().any(|m| m == req.method().as_str()) {
            let res = ApiError::MethodNotAllowed { allow }.error_response();
            return Ok(req.into_response(res).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

async fn fallback(req: HttpRequest, known: web::Data<KnownRoutes>) -> HttpResponse {
    let allow = known.methods_for(req.path());
    let err = if allow.is_empty() {
        ApiError::NotFound
    } else {
        ApiError::MethodNotAllowed { allow }
    };
    err.error_response()
}

/// Turns any error response that is not problem+json yet (actix's own rejections) into one.
fn problem_fallback<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // A problem, or an OperationOutcome of the FHIR endpoints, is already the answer.
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes())
            || v.as_bytes().starts_with(b"application/fhir+json")
    });
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let reason = status.canonical_reason().unwrap_or("error");
    let err = match status.as_u16() {
        404 => ApiError::NotFound,
        413 => ApiError::PayloadTooLarge { limit: 0 },
        415 => ApiError::UnsupportedMediaType(crate::msg!(HttpError, reason = reason)),
        s if s < 500 => ApiError::BadRequest(crate::msg!(HttpError, reason = reason)),
        _ => ApiError::Internal(format!("unhandled {status} response")),
    };
    let mut new = if res.request().path().starts_with("/fhir/") {
        crate::api::fhir::FhirError(err).error_response()
    } else {
        err.error_response()
    };
    *new.status_mut() = status;
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

/// A request body with a deadline: a client that trickles its body would hold a connection and
/// a buffer for as long as it likes (actix's `client_request_timeout` covers only the head).
struct BodyDeadline {
    inner: actix_web::dev::Payload,
    sleep: std::pin::Pin<Box<actix_web::rt::time::Sleep>>,
    seconds: u64,
    expired: bool,
}

impl futures_util::Stream for BodyDeadline {
    type Item = Result<web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::future::Future;
        use std::task::Poll;
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = std::pin::Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.expired = true;
            let why = format!("the body was not received within {} s", self.seconds);
            return Poll::Ready(Some(Err(actix_web::error::PayloadError::Io(
                std::io::Error::new(std::io::ErrorKind::TimedOut, why),
            ))));
        }
        Poll::Pending
    }
}

fn valid_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// Request id, security headers and the access log line (method, path, status, latency, id).
/// The query string is not logged: it can carry search text or feed tokens.
async fn request_context(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map(String::from)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let client = match req.app_data::<web::Data<AppState>>() {
        Some(state) => state
            .proxies
            .client(req.peer_addr().map(|a| a.ip()), req.headers()),
        None => crate::state::client::TrustedProxies::default()
            .client(req.peer_addr().map(|a| a.ip()), req.headers()),
    };
    req.extensions_mut().insert(client.clone());
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.request_timeout_seconds.max(1))
        .unwrap_or(30);
    let body = req.take_payload();
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(BodyDeadline {
            inner: body,
            sleep: Box::pin(actix_web::rt::time::sleep(std::time::Duration::from_secs(
                timeout,
            ))),
            seconds: timeout,
            expired: false,
        }),
    });
    let method = req.method().to_string();
    let path = req.path().to_string();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.db.metrics.clone());
    // Everything answered inside speaks the language asked. An error that escapes the inner
    // services is rendered here, still inside, rather than by the server later; the request
    // cannot be kept for it (routing needs it unshared), so the error carries its answer.
    let lang = Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let served = crate::logging::scope(id.clone(), async move {
        crate::state::runner::count_connection_waits(next.call(req))
            .await
            .map_err(|e| {
                let answer = e.error_response();
                actix_web::Error::from(actix_web::error::InternalError::from_response(
                    e.to_string(),
                    answer,
                ))
            })
    });
    let mut res = i18n::speaking(lang, served).await?;
    // The route template (`/api/v1/cases/{id}`), never the path: ids stay out of labels.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| crate::metrics::UNMATCHED_ROUTE.to_string());
    let headers = res.headers_mut();
    // API answers can carry personal data: no cache, proxy or browser may keep them.
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static("x-request-id"), v);
    }
    security_headers(headers, &path, client.tls);
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(m) = metrics {
        m.observe_request(&route, &method, status, seconds);
    }
    let latency_ms = (seconds * 10_000.0).round() / 10.0;
    log::info!(
        target: "access",
        request_id = id.as_str(), method = method.as_str(), route = route.as_str(),
        path = path.as_str(), status = status, latency_ms = latency_ms,
        client = client.addr.as_str();
        "{method} {path} {status} {latency_ms:.1}ms rid={id} client={}",
        client.addr
    );
    Ok(res)
}

/// The docs page loads its own scripts, styles and the document, nothing else; Swagger UI sets
/// inline styles and draws its icons from `data:` images.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";
/// Everything else is data, never a page: nothing may load, run or frame it.
const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Headers every answer carries: no sniffing, no framing, no referrer, a content security
/// policy, and HSTS when the client came over TLS (as a trusted proxy reports it).
fn security_headers(headers: &mut actix_web::http::header::HeaderMap, path: &str, tls: bool) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let csp = if path == "/docs" || path.starts_with("/docs/") {
        DOCS_CSP
    } else {
        API_CSP
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000"),
        );
    }
}

/// CORS for third-party browser frontends: only the configured origins, closed when none are.
/// A request from any other origin gets no CORS headers (the browser then keeps the answer from
/// the page); a preflight from one is refused. Same-origin calls (the docs page) need no CORS.
/// Bearer tokens, not cookies, so no credentials mode.
fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::Method;
    let mut cors = actix_cors::Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(600);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    cors
}

/// Links waiting audit events into the chain every `AUDIT_SEAL_INTERVAL_MS`, on the blocking
/// pool; instances on one database take turns (see `db::audit`).
fn spawn_audit_sealer(state: web::Data<AppState>) {
    let every = std::time::Duration::from_millis(state.settings.audit_seal_interval_ms.max(10));
    let vacuum_after = state.settings.audit_pending_vacuum_events;
    actix_web::rt::spawn(async move {
        // Events this sealer linked since it last vacuumed the queue (see `vacuum_pending`).
        let mut since_vacuum = 0u64;
        loop {
            actix_web::rt::time::sleep(every).await;
            let vacuum = vacuum_after > 0 && since_vacuum >= vacuum_after;
            let sealed = state
                .db
                .run(move |conn| {
                    // A failed vacuum (a role that may not) does not keep events from the chain;
                    // it is tried again after as many events.
                    let vacuumed = vacuum
                        && crate::db::audit::vacuum_pending(conn)
                            .inspect_err(|e| log::warn!("audit sealer: vacuum: {e}"))
                            .unwrap_or(false);
                    Ok((vacuumed, crate::db::audit::seal(conn)?))
                })
                .await;
            if vacuum {
                since_vacuum = 0;
            }
            match sealed {
                Ok((vacuumed, n)) => {
                    if vacuumed {
                        state.db.metrics.audit_pending_vacuums.inc();
                    }
                    since_vacuum += n as u64;
                    state.db.metrics.audit_sealed_events.inc_by(n as u64)
                }
                Err(e) => log::warn!("audit sealer: {e}"),
            }
        }
    });
}

/// Takes a signed checkpoint every `AUDIT_CHECKPOINT_SECONDS` (none when 0).
fn spawn_audit_checkpoints(state: web::Data<AppState>) {
    let seconds = state.settings.audit_checkpoint_seconds;
    if seconds == 0 {
        return;
    }
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(std::time::Duration::from_secs(seconds)).await;
            let st = state.clone();
            let taken = state
                .db
                .run(move |conn| crate::usecases::checkpoints::take(conn, &st.audit_key))
                .await;
            match taken {
                Ok((cp, true)) => log::info!("audit checkpoint at event {}", cp.seq),
                Ok(_) => {}
                Err(e) => log::warn!("audit checkpoint: {e}"),
            }
        }
    });
}

/// Fetches the identity provider's keys again every `OIDC_JWKS_REFRESH_SECONDS`, on the blocking
/// pool; a failed fetch keeps the cached keys.
fn spawn_oidc_refresh(state: web::Data<AppState>) {
    let Some(oidc) = state.jwt.oidc().cloned() else {
        return;
    };
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(oidc.refresh_every()).await;
            let o = oidc.clone();
            let _ = web::block(move || o.refresh("interval")).await;
        }
    });
}

/// Starts the HTTP server on `listener` and the webhook delivery worker. Call from inside an
/// actix runtime. Returns once it is listening; await the `Server` to run.
pub fn build_server(
    state: web::Data<AppState>,
    listener: TcpListener,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let doc = crate::openapi::document();
    let known = web::Data::new(KnownRoutes::from_doc(&doc));
    // The document is served as it was rendered once, shared by the workers (as the Swagger UI
    // would serve it: compact JSON), instead of each worker keeping a copy of the document's
    // structure: that is most of what the service holds when idle.
    let doc_json = web::Bytes::from(
        serde_json::to_vec(&doc).map_err(|e| std::io::Error::other(e.to_string()))?,
    );
    drop(doc);
    // Webhook deliveries and the audit sealer run beside the server, on its runtime, and stop
    // with it.
    crate::webhooks::spawn(state.clone());
    spawn_audit_sealer(state.clone());
    spawn_audit_checkpoints(state.clone());
    spawn_oidc_refresh(state.clone());
    let shutdown = state.settings.shutdown_timeout_seconds;
    let request_timeout = state.settings.request_timeout_seconds;
    let origins = state
        .settings
        .cors_origins()
        .map_err(std::io::Error::other)?;
    let state_pool_size = state.db.pool.max_size();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(known.clone())
            .app_data(web::PayloadConfig::new(state.settings.max_body_bytes))
            .app_data(web::PathConfig::default().error_handler(api::extract::path_error_handler))
            .wrap(from_fn(api::idempotency::idempotency))
            .wrap(from_fn(declared_methods_only))
            .wrap(cors(&origins))
            .wrap(ErrorHandlers::new().default_handler(problem_fallback))
            .wrap(from_fn(request_context))
            .into_utoipa_app()
            .configure(api::configure)
            .into_app()
            .route("/api-docs/openapi.json", {
                let doc_json = doc_json.clone();
                web::get().to(move || {
                    let body = doc_json.clone();
                    async move {
                        HttpResponse::Ok()
                            .insert_header(header::ContentType::json())
                            .body(body)
                    }
                })
            })
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .config(utoipa_swagger_ui::Config::new(["/api-docs/openapi.json"])),
            )
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header((header::LOCATION, "/docs/"))
                        .finish()
                }),
            )
            .default_service(web::to(fallback))
    })
    // A client gets this long to send a request's head (slow-loris); the body has the same
    // deadline (`BodyDeadline`, set in `request_context`).
    .client_request_timeout(std::time::Duration::from_secs(request_timeout.max(1)))
    .listen(listener)?
    .shutdown_timeout(shutdown);
    let workers = workers
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .max(1);
    server = server.workers(workers);
    // Handlers run their database work on the blocking pool, and each such task holds a pooled
    // connection: beyond the pool's size, more threads only wait for one, and every extra
    // thread costs a stack and a malloc arena (actix's default allows 512). Tasks beyond this
    // queue in the blocking pool instead, where they wait without a connection timeout.
    let per_worker = (state_pool_size as usize).div_ceil(workers) + 2;
    server = server.worker_max_blocking_threads(per_worker);
    Ok(server.run())
}
