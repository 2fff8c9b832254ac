//! The OpenAPI document: info, security scheme, tags, and the error responses every operation
//! shares, added in one pass so no operation can forget them.

use actix_web::App;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, Response, ResponseBuilder,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::domain::lifecycle::Lifecycle;
use crate::error::{ApiError, FieldError, Problem};
use crate::i18n::{self, Code, Lang};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kinderen Eerst API",
        description = "The API of Kinderen Eerst (\"Children First\"), the OCMW programme that fights child \
poverty through schools: the social map of partner services, signal checklists, cases, referrals, presence at \
schools, network meetings, statistics and the audit trail.\n\n\
Authenticate with `POST /api/v1/auth/login` and send the token as `Authorization: Bearer <token>`. \
Roles: `coordinator`, `social_worker`, `school`, `partner`; each operation's description says which may call it, and its `x-roles` lists them. \
Errors are RFC 9457 `application/problem+json`. An object that exists but is not yours to see answers 404, \
like one that does not exist.\n\n\
**Languages.** Problem titles, details and field messages are in Dutch by default and in English on request: \
send `Accept-Language` (`nl`, `nl-BE`, `en`, `en-GB`, with q-values; anything else gets Dutch). The answer \
names its language in `Content-Language` and carries `Vary: Accept-Language`. Every problem has a stable \
machine `code` (and each invalid field its own `code`) that is the same in both languages: branch on `code`, \
never on text. Codes in JSON (statuses, themes, kinds) never change with the language; \
`GET /api/v1/vocabularies` gives every code list with its Dutch and English labels.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
        version = "1.0.0"
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "auth", description = "Logging in and the caller's own account"),
        (name = "health", description = "Liveness and readiness probes, and the figures for Prometheus"),
        (name = "schools", description = "Schools with their SES figures, wishes and contact data"),
        (name = "users", description = "User accounts, managed by the coordinator"),
        (name = "assignments", description = "Social workers' presence at schools: office hours, consult, SPOC"),
        (name = "networks", description = "Networks: the schools and partner organisations of one neighbourhood"),
        (name = "inbox", description = "What waits for the caller: a day's work in one call, marked new since the last look"),
        (name = "cases", description = "Cases: a help request about one pupil's family, in the view each role may see"),
        (name = "family-rights", description = "A family's rights over its case: export everything kept, erase it now"),
        (name = "stats", description = "Statistics: aggregates only, scoped by role, small cells suppressed; CSV for the yearly report"),
        (name = "reports", description = "The yearly report for the funder in one call: JSON, CSV for Excel in Belgium, or an Excel workbook"),
        (name = "audit", description = "The tamper-evident audit trail of every read and write of personal data"),
        (name = "case-records", description = "What a social worker keeps on a case: needs, contact moments, consents, feedback for the school"),
        (name = "vocabularies", description = "Every code list with its Dutch and English labels"),
        (name = "themes", description = "Themes: the problem themes services and cases are tagged with (taal, armoede, ...)"),
        (name = "partners", description = "Partner organisations of the social map (OCMW, CAW, Kind & Gezin, CLB, ...)"),
        (name = "services", description = "Partner services and the social-map query: who helps with this theme in this network"),
        (name = "hsds", description = "A read-only Open Referral HSDS 3.0 view of the social map (organizations, services, taxonomies, service_at_locations)"),
        (name = "checklists", description = "Signal checklists for child poverty: versioned templates, schools' submissions for a pupil, and their triage by social workers"),
        (name = "referrals", description = "Referrals of a case to a partner service, followed until the partner answers and finishes (the closed loop); states map onto FHIR Task"),
        (name = "events", description = "The stream of case and referral status changes for city systems, without personal data"),
        (name = "webhooks", description = "Webhook subscriptions that push the event stream, signed, to city systems, with their delivery log"),
        (name = "presence", description = "Office hours (zitdag): concrete sessions, cancelled or moved ones, school holidays, sessions held; calendar feeds"),
        (name = "consults", description = "Consult requests: a school asks for a visit; scheduled, done or cancelled; a consult can open a case"),
        (name = "allocation", description = "Proposals to share the social workers' office-hour slots over the schools, by SES figures, pupils, help requests and wishes"),
        (name = "meetings", description = "Network meetings: invitees and attendance, an anonymised agenda, minutes and action points"),
        (name = "activities", description = "Trainings, school activities, coaching and publicity, for the programme's report and statistics"),
        (name = "fhir", description = "FHIR R4 for partner systems: referrals as Tasks (the SDOH Clinical Care guide's referral pattern) and their ServiceRequests, in application/fhir+json; errors are OperationOutcome"),
    ),
    components(schemas(
        Problem,
        FieldError,
        crate::api::fhir::resources::OperationOutcome,
        crate::api::fhir::search::OwnerReference,
        crate::api::fhir::search::TaskStatusList,
        crate::api::fhir::search::LastUpdated,
        crate::usecases::search::CaseReferenceText,
        crate::api::stats::groups::CaseGroup,
        crate::api::stats::groups::ChecklistGroup,
        crate::api::stats::groups::PresenceGroup
    )),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The operator's METRICS_TOKEN, when set (otherwise /metrics needs none)",
                    ))
                    .build(),
            ),
        );
        // Calendar clients cannot send headers: feeds take a personal token in the query.
        components.add_security_scheme(
            "calendar_token",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "token",
                "A personal calendar feed token from POST /api/v1/me/calendar-token",
            ))),
        );
    }
}

/// The shared error responses: (component name, status, description, example problem).
fn shared_responses() -> Vec<(&'static str, &'static str, ApiError)> {
    vec![
        (
            "BadRequest",
            "The body is not well-formed JSON",
            ApiError::BadRequest(crate::msg!(
                JsonMalformed,
                reason = "EOF while parsing an object at line 1 column 1"
            )),
        ),
        (
            "Unauthorized",
            "No valid bearer token (missing, malformed, expired, or the account is deactivated)",
            ApiError::Unauthorized(Code::TokenInvalid.into()),
        ),
        (
            "Forbidden",
            "The caller's role may not do this; or (type `urn:kinderen-eerst:problem:password-change-required`) the account's password was set by someone else and must be changed first with `POST /api/v1/me/password`",
            ApiError::Forbidden(crate::msg!(RoleForbidden, role = "school")),
        ),
        (
            "NotFound",
            "No such object, or not yours to see",
            ApiError::NotFound,
        ),
        (
            "Conflict",
            "The request conflicts with the object's current state",
            ApiError::conflict(Code::UniqueViolation),
        ),
        (
            "InvalidState",
            "The action is not allowed in the object's current state; `current_state` names it",
            ApiError::from(
                crate::domain::case::CaseTransition::Wait
                    .check(crate::domain::case::CaseStatus::Closed)
                    .unwrap_err(),
            ),
        ),
        (
            "PreconditionFailed",
            "If-Match does not match the object's current ETag",
            ApiError::PreconditionFailed,
        ),
        (
            "PayloadTooLarge",
            "The body exceeds the size limit",
            ApiError::PayloadTooLarge { limit: 1_048_576 },
        ),
        (
            "UnsupportedMediaType",
            "The body is not sent as application/json",
            ApiError::UnsupportedMediaType(Code::JsonContentTypeRequired.into()),
        ),
        (
            "ValidationFailed",
            "A field of the body, query or path is invalid; `errors` names each",
            ApiError::field("email", Code::InvalidEmail),
        ),
        (
            "TooManyRequests",
            "Too many attempts; retry after `Retry-After` seconds",
            ApiError::TooManyRequests {
                retry_after_seconds: 60,
            },
        ),
        (
            "InternalError",
            "An unexpected error; the cause is logged, not sent",
            ApiError::Internal(String::new()),
        ),
        (
            "Unavailable",
            "The database cannot be reached; retry shortly",
            ApiError::Unavailable(Code::DatabaseUnreachable.into()),
        ),
    ]
}

fn problem_response(description: &str, example: &ApiError) -> Response {
    let language = utoipa::openapi::HeaderBuilder::new()
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .enum_values(Some(["nl", "en"])),
        ))
        .description(Some(
            "The language of `title`, `detail` and the field messages: `nl` unless \
             `Accept-Language` preferred English",
        ))
        .build();
    ResponseBuilder::new()
        .description(description)
        .header("Content-Language", language)
        .content(
            crate::error::PROBLEM_CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                // The document speaks English; the examples do too.
                .example(Some(i18n::speaking_sync(Lang::En, || {
                    serde_json::to_value(example.to_problem()).unwrap_or_default()
                })))
                .build(),
        )
        .build()
}

/// The same error as a FHIR endpoint answers it: an `OperationOutcome` in application/fhir+json.
fn fhir_response(description: &str, example: &ApiError) -> Response {
    ResponseBuilder::new()
        .description(format!("{description} (an OperationOutcome)"))
        .content(
            "application/fhir+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("OperationOutcome")))
                .example(Some(i18n::speaking_sync(Lang::En, || {
                    serde_json::to_value(crate::api::fhir::outcome(example)).unwrap_or_default()
                })))
                .build(),
        )
        .build()
}

fn add_ref(op: &mut Operation, status: &str, name: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

/// Every authenticated POST honours `Idempotency-Key` (see `api::idempotency`).
fn add_idempotency_key(op: &mut Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let param = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "Makes the request safe to retry: the same key with the same request returns the first \
             answer (header `Idempotent-Replayed: true`) instead of doing it twice; the same key with \
             another request is 422. Per user, kept 24 hours. A UUID is a good key.",
        ))
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .min_length(Some(1))
                .max_length(Some(crate::api::idempotency::KEY_MAX_LEN))
                .pattern(Some(crate::api::idempotency::KEY_PATTERN)),
        ))
        .build();
    op.parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(param));
}

/// Every operation may answer a problem, whose texts follow `Accept-Language`: one shared
/// parameter, referenced by each.
fn add_accept_language(doc: &mut OpenApiDoc) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let param = ParameterBuilder::new()
        .name("Accept-Language")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "The language of problem titles, details and field messages: Dutch (`nl`, `nl-BE`, the \
             default) or English (`en`, `en-GB`…), with q-values; any other language gets Dutch. \
             Codes never change with it. CSV exports also read it (see their `dialect`).",
        ))
        .example(Some(serde_json::json!("nl-BE, en;q=0.5")))
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String),
        ))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .parameters
        .insert("AcceptLanguage".to_string(), RefOr::T(param));
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            let params = op.parameters.get_or_insert_with(Vec::new);
            let named = |p: &RefOr<utoipa::openapi::path::Parameter>| match p {
                RefOr::T(p) => p.name.eq_ignore_ascii_case("accept-language"),
                RefOr::Ref(_) => false,
            };
            if !params.iter().any(named) {
                params.push(RefOr::Ref(Ref::new(
                    "#/components/parameters/AcceptLanguage",
                )));
            }
        }
    }
}

/// Adds the errors any operation can give, by what it takes: a token (401), a body (400, 413,
/// 415, 422), parameters (422); and 500/503 everywhere the database is used.
fn add_shared_errors(doc: &mut OpenApiDoc) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, description, example) in shared_responses() {
        components.responses.insert(
            name.to_string(),
            RefOr::T(problem_response(description, &example)),
        );
        components.responses.insert(
            format!("Fhir{name}"),
            RefOr::T(fhir_response(description, &example)),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        // FHIR endpoints answer errors as OperationOutcome: their own components.
        let fhir = path.starts_with("/fhir/");
        let add_ref = |op: &mut Operation, status: &str, name: &str| {
            let name = if fhir {
                format!("Fhir{name}")
            } else {
                name.to_string()
            };
            add_ref(op, status, &name)
        };
        if let Some(op) = item.post.as_mut().filter(|op| op.security.is_some()) {
            add_idempotency_key(op);
        }
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            if op.security.is_some() {
                add_ref(op, "401", "Unauthorized");
                // Until a one-time password is changed, only these two answer.
                if path != "/api/v1/me" && path != "/api/v1/me/password" && path != "/metrics" {
                    add_ref(op, "403", "Forbidden");
                }
            }
            if op.request_body.is_some() {
                add_ref(op, "400", "BadRequest");
                add_ref(op, "413", "PayloadTooLarge");
                add_ref(op, "415", "UnsupportedMediaType");
                add_ref(op, "422", "ValidationFailed");
            }
            if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                add_ref(op, "422", "ValidationFailed");
            }
            if path != "/healthz" {
                add_ref(op, "500", "InternalError");
                add_ref(op, "503", "Unavailable");
            }
        }
    }
}

/// The complete document, generated from the mounted handlers without starting a server.
pub fn document() -> OpenApiDoc {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::api::configure)
        .split_for_parts();
    add_shared_errors(&mut doc);
    add_accept_language(&mut doc);
    page_items_by_ref(&mut doc);
    collections_any_of(&mut doc);
    drop_unused_responses(&mut doc);
    add_roles(&mut doc);
    public_operations(&mut doc);
    optional_bodies(&mut doc);
    add_links(&mut doc);
    plain_text(&mut doc);
    doc
}

/// Every free-text string (a string with no format, enum or pattern of its own) in the schemas,
/// the bodies and the query and path parameters gets `PLAIN_TEXT_PATTERN`: the service refuses
/// control characters in all text it takes (headers are HTTP's business).
fn plain_text(doc: &mut OpenApiDoc) {
    use utoipa::openapi::path::ParameterIn;
    if let Some(components) = doc.components.as_mut() {
        components.schemas.values_mut().for_each(plain_text_in);
    }
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations_mut(item) {
            for param in op.parameters.iter_mut().flatten() {
                if let RefOr::T(param) = param
                    && !matches!(param.parameter_in, ParameterIn::Header)
                {
                    param.schema.iter_mut().for_each(plain_text_in);
                }
            }
            if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content {
                        content.schema.iter_mut().for_each(plain_text_in);
                    }
                }
            }
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for content in response.content.values_mut() {
                        if let RefOr::T(content) = content {
                            content.schema.iter_mut().for_each(plain_text_in);
                        }
                    }
                }
            }
        }
    }
}

/// Any JSON value whose strings and keys, at every depth, match `PLAIN_TEXT_PATTERN` (a JSON
/// Schema keyword constrains only the type it is about, so `pattern` leaves numbers alone); the
/// schema refers to itself for the values inside arrays and objects.
pub struct PlainJson;

impl utoipa::PartialSchema for PlainJson {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, ObjectBuilder, Schema, SchemaType, Type,
        };
        let pattern = crate::domain::text::PLAIN_TEXT_PATTERN;
        let itself = || Ref::from_schema_name("PlainJson");
        let mut schema = ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .pattern(Some(pattern))
            .description(Some(
                "Any JSON value; its texts and keys hold no control characters (but tab, newline \
                 and carriage return)",
            ))
            .build();
        schema.property_names = Some(Box::new(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern))
                .build(),
        )));
        schema.additional_properties =
            Some(Box::new(AdditionalProperties::RefOr(RefOr::Ref(itself()))));
        // `Object` has no `items`: the one extension key (so the output keeps its order).
        let mut extensions = utoipa::openapi::extensions::Extensions::default();
        extensions.insert(
            "items".to_string(),
            serde_json::to_value(itself()).unwrap_or_default(),
        );
        schema.extensions = Some(extensions);
        RefOr::T(Schema::Object(schema))
    }
}

impl utoipa::ToSchema for PlainJson {}

fn plain_text_in(schema: &mut RefOr<utoipa::openapi::schema::Schema>) {
    use utoipa::openapi::schema::{
        AdditionalProperties, ArrayItems, KnownFormat, Schema, SchemaFormat, SchemaType, Type,
    };
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(object) => {
            let string = match &object.schema_type {
                SchemaType::Type(Type::String) => true,
                SchemaType::Array(types) => types.contains(&Type::String),
                _ => false,
            };
            if string
                && matches!(
                    &object.format,
                    None | Some(SchemaFormat::KnownFormat(KnownFormat::Password))
                )
                && object.enum_values.is_none()
                && object.pattern.is_none()
                && object.content_encoding.is_empty()
            {
                object.pattern = Some(crate::domain::text::PLAIN_TEXT_PATTERN.to_string());
            }
            object.properties.values_mut().for_each(plain_text_in);
            if let Some(AdditionalProperties::RefOr(value)) =
                object.additional_properties.as_deref_mut()
            {
                plain_text_in(value);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                plain_text_in(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(plain_text_in),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(plain_text_in),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(plain_text_in),
        _ => {}
    }
}

/// An operation without a security requirement says so (`security: [{}]`, "no credentials"),
/// rather than leaving it to the reader (Redocly's `security-defined`).
fn public_operations(doc: &mut OpenApiDoc) {
    use utoipa::openapi::security::SecurityRequirement;
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations_mut(item) {
            if op.security.is_none() {
                op.security = Some(vec![SecurityRequirement::default()]);
            }
        }
    }
}

/// An optional body is declared `Option<T>`, which utoipa writes as "`T` or `null`" and not
/// required. The document says it as OpenAPI means it: the body is `T`, and it may be left out
/// (the server takes `null` like no body, too). A body whose schema requires a property (the
/// `reason` of a decline) is required.
fn optional_bodies(doc: &mut OpenApiDoc) {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    let components = serde_json::to_value(&doc.components).unwrap_or_default();
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations_mut(item) {
            let Some(RefOr::T(body)) = op.request_body.as_mut() else {
                continue;
            };
            let mut requires = false;
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                let Some(RefOr::T(Schema::OneOf(one_of))) = content.schema.as_ref() else {
                    continue;
                };
                let is_null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
                let others: Vec<&RefOr<Schema>> =
                    one_of.items.iter().filter(|s| !is_null(s)).collect();
                if others.len() + 1 != one_of.items.len() || others.len() != 1 {
                    continue;
                }
                let schema = others[0].clone();
                if let RefOr::Ref(r) = &schema {
                    let name = r.ref_location.trim_start_matches("#/components/schemas/");
                    requires |= components["schemas"][name]["required"]
                        .as_array()
                        .is_some_and(|r| !r.is_empty());
                }
                content.schema = Some(schema);
            }
            if requires {
                body.required = Some(utoipa::openapi::Required::True);
            }
        }
    }
}

/// A string type for `#[schema(value_type = …)]` and `params(...)` whose schema states the
/// pattern the server reads it with (and its description, example, longest length):
/// `text_pattern!(pub TimeOfDay, PATTERN, "A time of day", example = "08:30")`.
#[macro_export]
macro_rules! text_pattern {
    ($(#[$meta:meta])* $vis:vis $name:ident, $pattern:expr, $description:expr
     $(, example = $example:expr)? $(, max_length = $max:expr)?) => {
        $(#[$meta])*
        $vis struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                #[allow(unused_mut)]
                let mut schema = utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some($pattern))
                    .description(Some($description));
                $(schema = schema.examples([serde_json::json!($example)]);)?
                $(schema = schema.max_length(Some($max));)?
                schema.into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

/// Every role a token can carry.
pub const ROLES: [&str; 4] = ["coordinator", "social_worker", "school", "partner"];

/// The roles an operation's description names in its "Roles: …" sentence (qualifications in
/// brackets are read past; "anyone" is every role). `None` when the description names none.
/// The authorization matrix (OWASP API5) tests exactly these against the running server.
pub fn roles_of(description: &str) -> Option<Vec<&'static str>> {
    let text = description.split("Roles:").nth(1)?;
    let text = text.split(". ").next().unwrap_or(text);
    let mut plain = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    if plain.contains("anyone") {
        return Some(ROLES.to_vec());
    }
    // "social_worker" contains no other role's name; "school" and "partner" are words of their own.
    let words: Vec<&str> = plain
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    Some(ROLES.into_iter().filter(|r| words.contains(r)).collect())
}

fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
}

/// `x-roles`: the roles of the description's "Roles: …" sentence as a list, for tools (and the
/// contract run, which leaves an operation out for a role it does not name).
fn add_roles(doc: &mut OpenApiDoc) {
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations_mut(item) {
            let Some(roles) = op.description.as_deref().and_then(roles_of) else {
                continue;
            };
            op.extensions
                .get_or_insert_with(Default::default)
                .insert("x-roles".to_string(), serde_json::json!(roles));
        }
    }
}

/// OpenAPI links from each create (a 201 whose body has an `id`) to the operations that take
/// that id: the read that answers the same schema, and every operation on the read's path and
/// below it. A linked operation that needs `If-Match` gets the create's `ETag`.
fn add_links(doc: &mut OpenApiDoc) {
    use utoipa::openapi::link::LinkBuilder;
    let body_schema = |op: &Operation, status: &str| -> Option<serde_json::Value> {
        let RefOr::T(response) = op.responses.responses.get(status)? else {
            return None;
        };
        let RefOr::T(content) = response.content.get("application/json")? else {
            return None;
        };
        serde_json::to_value(content.schema.as_ref()?).ok()
    };
    // The branches of a schema that is (or names) a choice of views.
    let components = serde_json::to_value(&doc.components).unwrap_or_default();
    let views = |schema: &serde_json::Value| -> Vec<String> {
        let resolved = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(|name| &components["schemas"][name])
            .unwrap_or(schema);
        ["oneOf", "anyOf"]
            .iter()
            .filter_map(|key| resolved[key].as_array())
            .flatten()
            .filter_map(|branch| branch["$ref"].as_str().map(str::to_string))
            .collect()
    };
    // (read path, its one path parameter, the schema it answers)
    let mut reads = Vec::new();
    for (path, item) in &doc.paths.paths {
        let Some(get) = item.get.as_ref() else {
            continue;
        };
        let params: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        if let ([param], Some(schema)) = (params.as_slice(), body_schema(get, "200"))
            && path.ends_with(&format!("{{{param}}}"))
        {
            reads.push((path.clone(), param.to_string(), schema));
        }
    }
    // A read by `id` comes before one by another key (`/cases/by-reference/{reference}`).
    reads.sort_by_key(|(_, param, _)| *param != "id");
    // (create path, method) -> links
    let mut planned: Vec<(String, Vec<(String, utoipa::openapi::link::Link)>)> = Vec::new();
    for (path, item) in &doc.paths.paths {
        let Some(create) = item.post.as_ref() else {
            continue;
        };
        let Some(created) = body_schema(create, "201") else {
            continue;
        };
        // The read answers the created schema, or a choice of role views that includes it.
        let Some((read, param)) = reads
            .iter()
            .find(|(read, param, _)| *read == format!("{path}/{{{param}}}"))
            .or_else(|| reads.iter().find(|(_, _, schema)| *schema == created))
            .or_else(|| {
                reads.iter().find(|(_, _, schema)| {
                    created["$ref"]
                        .as_str()
                        .is_some_and(|r| views(schema).iter().any(|v| v == r))
                })
            })
            .map(|(read, param, _)| (read.clone(), param.clone()))
            // No read: the operations on the create's own path and the id (`DELETE /absences/{id}`).
            .or_else(|| {
                let own = format!("{path}/{{id}}");
                doc.paths
                    .paths
                    .contains_key(&own)
                    .then(|| (own, "id".to_string()))
            })
        else {
            continue;
        };
        let (read, param) = (&read, &param);
        let mut links = Vec::new();
        for (target_path, target) in &doc.paths.paths {
            if !(target_path == read || target_path.starts_with(&format!("{read}/"))) {
                continue;
            }
            let mut target = target.clone();
            for (method, op) in operations_mut(&mut target) {
                let Some(operation_id) = op.operation_id.clone() else {
                    continue;
                };
                // Only operations whose sole path parameter is the created id.
                if target_path.matches('{').count() != 1 {
                    continue;
                }
                let mut link = LinkBuilder::new()
                    .operation_id(operation_id.clone())
                    .parameter(param.clone(), format!("$response.body#/{param}"))
                    .description(format!("{} the created object", method.to_uppercase()));
                let if_match = op.parameters.iter().flatten().any(|p| {
                    matches!(p, RefOr::T(p) if p.name == "If-Match"
                        && matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Header))
                });
                if if_match {
                    link = link.parameter("header.If-Match", "$response.header.ETag");
                }
                links.push((operation_id, link.build()));
            }
        }
        if !links.is_empty() {
            planned.push((path.clone(), links));
        }
    }
    for (path, links) in planned {
        let Some(create) = doc.paths.paths.get_mut(&path).and_then(|i| i.post.as_mut()) else {
            continue;
        };
        if let Some(RefOr::T(response)) = create.responses.responses.get_mut("201") {
            for (name, link) in links {
                response.links.insert(name, RefOr::T(link));
            }
        }
    }
}

/// utoipa inlines a generic's argument, so `Page<CaseSummary>` carries its own copy of
/// `CaseSummary`. Name the item schema (or reuse the named one when it is identical) and point
/// each page's `items` at it, so a generated client gets one `CaseSummary` type.
fn page_items_by_ref(doc: &mut OpenApiDoc) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let pages: Vec<String> = components
        .schemas
        .keys()
        .filter(|name| name.starts_with("Page_"))
        .cloned()
        .collect();
    for page in pages {
        let item_name = page.trim_start_matches("Page_").to_string();
        let named = components
            .schemas
            .get(&item_name)
            .map(|s| serde_json::to_value(s).ok());
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&page) else {
            continue;
        };
        let Some(RefOr::T(Schema::Array(array))) = object.properties.get_mut("items") else {
            continue;
        };
        let ArrayItems::RefOrSchema(inline) = &array.items else {
            continue;
        };
        let inline = (**inline).clone();
        if matches!(inline, RefOr::Ref(_)) {
            continue;
        }
        match named {
            Some(named) if named != serde_json::to_value(&inline).ok() => continue,
            Some(_) => {}
            None => {
                components.schemas.insert(item_name.clone(), inline);
            }
        }
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&page) else {
            continue;
        };
        if let Some(RefOr::T(Schema::Array(array))) = object.properties.get_mut("items") {
            array.items =
                ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item_name))));
        }
    }
}

/// The role views of a list are alternatives by the caller's role, not by shape: an empty list
/// is a valid instance of every branch, so `oneOf` ("exactly one") would be false for it.
/// They are `anyOf`. (Single-object views stay `oneOf`: their branches are closed objects that
/// differ in required properties, which the Spectral rule `ke-one-of-closed` checks.)
const ROLE_VIEW_COLLECTIONS: [&str; 3] = ["CasePage", "ReferralPage", "CaseReferrals"];

fn collections_any_of(doc: &mut OpenApiDoc) {
    use utoipa::openapi::schema::{AnyOfBuilder, Schema};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for name in ROLE_VIEW_COLLECTIONS {
        let Some(RefOr::T(Schema::OneOf(one_of))) = components.schemas.get(name) else {
            panic!("{name} is no longer a oneOf: update ROLE_VIEW_COLLECTIONS");
        };
        let any_of = one_of
            .items
            .iter()
            .cloned()
            .fold(AnyOfBuilder::new(), |b, item| b.item(item))
            .description(one_of.description.clone())
            .build();
        components
            .schemas
            .insert(name.to_string(), RefOr::T(Schema::AnyOf(any_of)));
    }
}

/// Shared responses no operation refers to are left out of the document.
fn drop_unused_responses(doc: &mut OpenApiDoc) {
    let paths = serde_json::to_string(&doc.paths).unwrap_or_default();
    if let Some(components) = doc.components.as_mut() {
        components
            .responses
            .retain(|name, _| paths.contains(&format!("\"#/components/responses/{name}\"")));
    }
}

/// The document as committed in `openapi/openapi.json` (pretty JSON, trailing newline).
pub fn document_json() -> String {
    let mut s = document()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    s.push('\n');
    s
}

/// Marker types so handlers can name a shared error response: `(status = 404, response =
/// crate::openapi::NotFound)` refers to `#/components/responses/NotFound`.
macro_rules! shared_response {
    ($($name:ident),*) => {$(
        pub struct $name;
        impl<'s> utoipa::ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                let (_, description, example) = shared_responses()
                    .into_iter()
                    .find(|(n, _, _)| *n == stringify!($name))
                    .expect("every marker has a shared response");
                (stringify!($name), RefOr::T(problem_response(description, &example)))
            }
        }
    )*};
}
shared_response!(
    Unauthorized,
    NotFound,
    Forbidden,
    Conflict,
    InvalidState,
    PreconditionFailed,
    TooManyRequests
);

/// The same for the FHIR endpoints: `(status = 404, response = crate::openapi::FhirNotFound)`
/// refers to `#/components/responses/FhirNotFound`, an OperationOutcome.
macro_rules! fhir_shared_response {
    ($($name:ident = $shared:literal),*) => {$(
        pub struct $name;
        impl<'s> utoipa::ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                let (_, description, example) = shared_responses()
                    .into_iter()
                    .find(|(n, _, _)| *n == $shared)
                    .expect("every marker has a shared response");
                (stringify!($name), RefOr::T(fhir_response(description, &example)))
            }
        }
    )*};
}
fhir_shared_response!(
    FhirNotFound = "NotFound",
    FhirInvalidState = "InvalidState",
    FhirPreconditionFailed = "PreconditionFailed"
);
