//! Activities for the programme's report: trainings (vorming), school activities, coaching and
//! publicity, with their audiences, participants and themes; and their statistics. They count
//! people, never name them.

use kinderen_eerst_macros::document_limits;
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::common::{self, Checks, Page, check_if_match, decode_cursor, etag, ok_with_etag};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Viewer;
use crate::auth::policy::{Action, require};
use crate::db::activities::{self as repo, ActivityFilter, ActivityRow, ActivityView};
use crate::db::{DbConn, networks, now, optional, schools};
use crate::domain::presence::{ActivityKind, Audience};
use crate::domain::utc;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Code;
use crate::state::AppState;
use crate::usecases::screening::Screen;
use crate::usecases::themes::check_themes;

#[derive(Debug, Serialize, ToSchema)]
pub struct NamedRef {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub name: String,
}

/// An activity of the programme.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a1b2-0000-7000-8000-0000000000a9", "kind": "training", "title": "Vorming kansarmoede voor leerkrachten", "date": "2026-11-18", "school": {"id": "0193a1b2-0000-7000-8000-0000000000c1", "name": "Basisschool De Luchtballon"}, "network": {"id": "0193a1b2-0000-7000-8000-000000000001", "name": "Luchtbal"}, "audiences": ["teachers", "pupil_counsellors"], "participants": 24, "posters": 0, "folders": 0, "themes": ["poverty", "school_costs"], "description": "Kostenbewust lesgeven, signalen herkennen.", "owner": {"id": "0193a1b2-0000-7000-8000-0000000000b1", "name": "Wendy Willems"}, "created_at": "2026-11-18T15:00:00Z", "updated_at": "2026-11-18T15:00:00Z"}))]
pub struct Activity {
    #[schema(read_only, format = Uuid)]
    pub id: String,
    pub kind: ActivityKind,
    pub title: String,
    pub date: NaiveDate,
    pub school: Option<NamedRef>,
    /// The school's network when a school is set.
    pub network: Option<NamedRef>,
    pub audiences: Vec<Audience>,
    pub participants: i32,
    /// Posters handed out (publicity activities; 0 for the other kinds).
    pub posters: i32,
    /// Folders (leaflets) handed out (publicity activities; 0 for the other kinds).
    pub folders: i32,
    /// Theme codes.
    pub themes: Vec<String>,
    pub description: String,
    /// Who recorded it (and may change it).
    #[schema(read_only)]
    pub owner: NamedRef,
    #[schema(read_only)]
    pub created_at: DateTime<Utc>,
    #[schema(read_only)]
    pub updated_at: DateTime<Utc>,
}

fn to_api(
    (r, school_name, network_name, owner_name): ActivityView,
    audiences: Vec<String>,
    themes: Vec<String>,
) -> Activity {
    Activity {
        kind: r.kind,
        title: r.title,
        date: r.activity_date,
        school: r.school_id.map(|id| NamedRef {
            id,
            name: school_name.unwrap_or_default(),
        }),
        network: r.network_id.map(|id| NamedRef {
            id,
            name: network_name.unwrap_or_default(),
        }),
        audiences: audiences
            .iter()
            .filter_map(|a| Audience::parse(a))
            .collect(),
        participants: r.participants,
        posters: r.posters,
        folders: r.folders,
        themes,
        description: r.description,
        owner: NamedRef {
            id: r.owner_id,
            name: owner_name,
        },
        created_at: utc(r.created_at),
        updated_at: utc(r.updated_at),
        id: r.id,
    }
}

fn answer(conn: &mut DbConn, user: &Viewer, id: &str) -> ApiResult<(Activity, String)> {
    let view = repo::find(conn, id, &user.activity_scope())?;
    let (mut a, mut t) = repo::codes_of(conn, std::slice::from_ref(&view.0.id))?;
    let tag = etag(view.0.updated_at);
    let (aud, th) = (
        a.remove(&view.0.id).unwrap_or_default(),
        t.remove(&view.0.id).unwrap_or_default(),
    );
    Ok((to_api(view, aud, th), tag))
}

// ---------------------------------------------------------------------------------------------
// Write

#[document_limits]
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "training", "title": "Vorming kansarmoede voor leerkrachten", "date": "2026-11-18", "school_id": "0193a1b2-0000-7000-8000-0000000000c1", "audiences": ["teachers", "pupil_counsellors"], "participants": 24, "themes": ["poverty", "school_costs"], "description": "Kostenbewust lesgeven, signalen herkennen."}))]
pub struct NewActivity {
    pub kind: ActivityKind,
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    pub date: NaiveDate,
    /// The school it took place at or for (a worker: one they are assigned to).
    #[schema(format = Uuid)]
    pub school_id: Option<Uuid>,
    /// The network, for network-wide activities; set from the school when a school is given.
    #[schema(format = Uuid)]
    pub network_id: Option<Uuid>,
    #[serde(default)]
    pub audiences: Vec<Audience>,
    #[validate(range(min = 0, max = 100000))]
    pub participants: i32,
    /// Posters handed out; only on a `publicity` activity (0 or left out on the others).
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000))]
    pub posters: i32,
    /// Folders (leaflets) handed out; only on a `publicity` activity.
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000))]
    pub folders: i32,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 4000))]
    pub description: String,
}

/// Changes; only the fields sent change.
#[document_limits]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"participants": 26}))]
pub struct ActivityPatch {
    pub kind: Option<ActivityKind>,
    #[validate(length(min = 1, max = 200))]
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    #[schema(format = Uuid)]
    pub school_id: Option<Uuid>,
    #[schema(format = Uuid)]
    pub network_id: Option<Uuid>,
    pub audiences: Option<Vec<Audience>>,
    #[validate(range(min = 0, max = 100000))]
    pub participants: Option<i32>,
    /// Posters handed out; only on a `publicity` activity.
    #[validate(range(min = 0, max = 1000000))]
    pub posters: Option<i32>,
    /// Folders (leaflets) handed out; only on a `publicity` activity.
    #[validate(range(min = 0, max = 1000000))]
    pub folders: Option<i32>,
    pub themes: Option<Vec<String>>,
    #[validate(length(max = 4000))]
    pub description: Option<String>,
}

/// Checks an activity and builds its row: a school that exists (and, for a worker, one they
/// are assigned to), a network that matches it, one of them at least, known themes.
fn build_row(
    conn: &mut DbConn,
    user: &Viewer,
    a: &NewActivity,
    id: String,
    owner_id: String,
    created_at: chrono::NaiveDateTime,
) -> ApiResult<(ActivityRow, Vec<String>, Vec<String>)> {
    let mut checks = Checks::default();
    let school_id = a.school_id.map(|s| s.to_string());
    let mut network_id = a.network_id.map(|n| n.to_string());
    if let Some(s) = &school_id {
        match optional(schools::find(conn, s))? {
            None => checks.add("school_id", Code::NoSuchSchool),
            Some(row) => {
                if !user.acts_for(s) {
                    checks.add("school_id", Code::YouNotAssignedToSchool);
                }
                match &network_id {
                    Some(n) if *n != row.network_id => {
                        checks.add("network_id", Code::NotSchoolsNetwork)
                    }
                    _ => network_id = Some(row.network_id),
                }
            }
        }
    } else if let Some(n) = &network_id {
        if optional(networks::find(conn, n))?.is_none() {
            checks.add("network_id", Code::NoSuchNetwork);
        }
    } else {
        checks.add("school_id", Code::SchoolOrNetworkRequired);
    }
    checks.check(!a.title.trim().is_empty(), "title", Code::Blank);
    if a.kind != ActivityKind::Publicity {
        for (field, n) in [("posters", a.posters), ("folders", a.folders)] {
            checks.check(n == 0, field, Code::PublicityCountsOnly);
        }
    }
    if let Some(n) = &network_id {
        let screen = Screen::for_network(conn, n)?;
        screen.check(&mut checks, "title", &a.title);
        screen.check(&mut checks, "description", &a.description);
    }
    check_themes(conn, &mut checks, "themes", &a.themes)?;
    let mut audiences: Vec<String> = Vec::new();
    for (i, x) in a.audiences.iter().enumerate() {
        if audiences.iter().any(|y| y == x.as_str()) {
            checks.add(&format!("audiences[{i}]"), Code::ListedTwice);
        }
        audiences.push(x.as_str().to_string());
    }
    checks.finish()?;
    Ok((
        ActivityRow {
            id,
            kind: a.kind,
            title: a.title.trim().to_string(),
            activity_date: a.date,
            school_id,
            network_id,
            participants: a.participants,
            posters: a.posters,
            folders: a.folders,
            description: a.description.trim().to_string(),
            owner_id,
            created_at,
            updated_at: now(),
        },
        audiences,
        a.themes.clone(),
    ))
}

#[utoipa::path(
    post, path = "/api/v1/activities", tag = "activities", operation_id = "create_activity",
    summary = "Record an activity",
    description = "A training, school activity, coaching or publicity moment, at a school and/or for a network, \
with its audiences, number of participants and themes. A social worker records activities at schools they are \
assigned to (or network-wide) and owns them. The title and description are screened like agenda items (422 \
naming the field and the `finding`). Roles: coordinator, social_worker.",
    security(("bearer" = [])), request_body = NewActivity,
    responses(
        (status = 201, description = "Recorded", body = Activity, headers(("Location" = String, description = "The new activity"), ("ETag" = String, description = "Version"))),
        (status = 403, response = crate::openapi::Forbidden)
    )
)]
#[post("/api/v1/activities")]
pub async fn create_activity(
    state: web::Data<AppState>,
    user: Viewer,
    body: ApiJson<NewActivity>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WriteActivities)?;
    let b = body.into_inner()?;
    let (a, tag) = state
        .db
        .write(move |conn| {
            let (row, audiences, themes) = build_row(
                conn,
                &user,
                &b,
                Uuid::now_v7().to_string(),
                user.id.clone(),
                now(),
            )?;
            repo::insert(conn, &row)?;
            repo::set_codes(conn, &row.id, &audiences, &themes)?;
            answer(conn, &user, &row.id)
        })
        .await?;
    let location = format!("/api/v1/activities/{}", a.id);
    Ok(common::created(&a, location, &tag))
}

#[utoipa::path(
    patch, path = "/api/v1/activities/{id}", tag = "activities", operation_id = "update_activity",
    summary = "Change an activity",
    description = "Only the fields sent change. A social worker changes only their own activities (another's is \
404). Roles: coordinator, social_worker.",
    security(("bearer" = [])), request_body = ActivityPatch,
    params(("id" = Uuid, Path, description = "Activity id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 when stale")),
    responses(
        (status = 200, description = "Changed", body = Activity, headers(("ETag" = String, description = "New version"))),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed)
    )
)]
#[patch("/api/v1/activities/{id}")]
pub async fn update_activity(
    state: web::Data<AppState>,
    user: Viewer,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<ActivityPatch>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WriteActivities)?;
    let (id, if_match, p) = (id.to_string(), common::if_match(&req), body.into_inner()?);
    let (a, tag) = state
        .db
        .write(move |conn| {
            let (cur, ..) = repo::find(conn, &id, &user.activity_scope())?;
            check_if_match(if_match.as_deref(), &etag(cur.updated_at))?;
            let (mut aud, mut th) = repo::codes_of(conn, std::slice::from_ref(&id))?;
            let school_changed = p.school_id.is_some();
            let merged = NewActivity {
                kind: p.kind.unwrap_or(cur.kind),
                title: p.title.unwrap_or(cur.title.clone()),
                date: p.date.unwrap_or(cur.activity_date),
                school_id: p.school_id.or(cur
                    .school_id
                    .as_deref()
                    .and_then(|s| Uuid::parse_str(s).ok())),
                network_id: p.network_id.or(if school_changed {
                    None
                } else {
                    cur.network_id
                        .as_deref()
                        .and_then(|s| Uuid::parse_str(s).ok())
                }),
                audiences: p.audiences.unwrap_or_else(|| {
                    aud.remove(&id)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|a| Audience::parse(a))
                        .collect()
                }),
                participants: p.participants.unwrap_or(cur.participants),
                posters: p.posters.unwrap_or(cur.posters),
                folders: p.folders.unwrap_or(cur.folders),
                themes: p
                    .themes
                    .unwrap_or_else(|| th.remove(&id).unwrap_or_default()),
                description: p.description.unwrap_or(cur.description.clone()),
            };
            let (row, audiences, themes) = build_row(
                conn,
                &user,
                &merged,
                cur.id.clone(),
                cur.owner_id.clone(),
                cur.created_at,
            )?;
            repo::update(conn, &row)?;
            repo::set_codes(conn, &row.id, &audiences, &themes)?;
            answer(conn, &user, &row.id)
        })
        .await?;
    Ok(ok_with_etag(&a, &tag))
}

#[utoipa::path(
    delete, path = "/api/v1/activities/{id}", tag = "activities", operation_id = "delete_activity",
    summary = "Delete an activity",
    description = "A social worker deletes only their own (another's is 404). Roles: coordinator, social_worker.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Activity id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[delete("/api/v1/activities/{id}")]
pub async fn delete_activity(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::WriteActivities)?;
    let id = id.to_string();
    state
        .db
        .write(move |conn| {
            repo::find(conn, &id, &user.activity_scope())?;
            repo::delete(conn, &id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// Read

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    /// On or after this day.
    pub from: Option<NaiveDate>,
    /// On or before this day.
    pub to: Option<NaiveDate>,
    /// Only activities of this kind.
    pub kind: Option<ActivityKind>,
    /// Only activities at this school.
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// Only activities of this network.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
    /// Page size (1–200, default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn check_range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> ApiResult<()> {
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ApiError::field(
            "to",
            crate::msg!(NotBefore, other = "from"),
        ));
    }
    Ok(())
}

#[utoipa::path(
    get, path = "/api/v1/activities", tag = "activities", operation_id = "list_activities",
    summary = "List activities",
    description = "Newest first. The coordinator sees all; a social worker their own; a school account its school's. \
Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(ActivityQuery),
    responses((status = 200, description = "A page of activities", body = Page<Activity>))
)]
#[get("/api/v1/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<ActivityQuery>,
) -> ApiResult<web::Json<Page<Activity>>> {
    require(&user, Action::ReadActivities)?;
    let q = query.0;
    check_range(q.from, q.to)?;
    let limit = common::limit(q.limit);
    let after = decode_cursor::<(chrono::NaiveDate, String)>(q.cursor.as_deref())?;
    let f = ActivityFilter {
        from: q.from,
        to: q.to,
        kind: q.kind.map(|k| k.as_str().to_string()),
        school_id: q.school.map(|s| s.to_string()),
        network_id: q.network.map(|n| n.to_string()),
    };
    let page = state
        .db
        .run(move |conn| {
            let rows = repo::list(conn, &user.activity_scope(), &f, after, Some(limit))?;
            let ids: Vec<String> = rows.iter().map(|r| r.0.id.clone()).collect();
            let (mut aud, mut th) = repo::codes_of(conn, &ids)?;
            Ok(common::page(
                rows,
                limit,
                |r| (r.0.activity_date.to_string(), r.0.id.clone()),
                |r| {
                    let a = aud.remove(&r.0.id).unwrap_or_default();
                    let t = th.remove(&r.0.id).unwrap_or_default();
                    to_api(r, a, t)
                },
            ))
        })
        .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    get, path = "/api/v1/activities/{id}", tag = "activities", operation_id = "get_activity",
    summary = "Get an activity",
    description = "Another worker's activity, or another school's, is 404. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The activity", body = Activity, headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, response = crate::openapi::NotFound)
    )
)]
#[get("/api/v1/activities/{id}")]
pub async fn get_activity(
    state: web::Data<AppState>,
    user: Viewer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require(&user, Action::ReadActivities)?;
    let id = id.to_string();
    let (a, tag) = state.db.run(move |conn| answer(conn, &user, &id)).await?;
    Ok(ok_with_etag(&a, &tag))
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// A count of activities and their participants.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ActivityCount {
    pub activities: i64,
    pub participants: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: ActivityKind,
    pub activities: i64,
    pub participants: i64,
}

/// An activity counts once for each audience it had (its participants too, since they are
/// not split per audience).
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceCount {
    pub audience: Audience,
    pub activities: i64,
    pub participants: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": "2026-09-01", "to": "2027-06-30", "total": {"activities": 3, "participants": 61}, "by_kind": [{"kind": "training", "activities": 2, "participants": 49}, {"kind": "school_activity", "activities": 0, "participants": 0}, {"kind": "coaching", "activities": 1, "participants": 12}, {"kind": "publicity", "activities": 0, "participants": 0}], "by_audience": [{"audience": "teachers", "activities": 2, "participants": 36}]}))]
pub struct ActivityStats {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub total: ActivityCount,
    /// Every kind, in a fixed order (zeros included).
    pub by_kind: Vec<KindCount>,
    /// Every audience, in a fixed order (zeros included).
    pub by_audience: Vec<AudienceCount>,
}

#[document_limits]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityStatsQuery {
    /// On or after this day.
    pub from: Option<NaiveDate>,
    /// On or before this day.
    pub to: Option<NaiveDate>,
    /// Only activities at this school.
    #[param(format = Uuid)]
    pub school: Option<Uuid>,
    /// Only activities of this network.
    #[param(format = Uuid)]
    pub network: Option<Uuid>,
}

#[utoipa::path(
    get, path = "/api/v1/stats/activities", tag = "activities", operation_id = "get_activity_stats",
    summary = "Count activities by kind and audience",
    description = "Activities and participants in the period, by kind and by audience. Scoped like all statistics: \
the coordinator counts everything; a social worker their own activities and those at the schools they are \
assigned to; a school account its school's. Roles: coordinator, social_worker, school.",
    security(("bearer" = [])), params(ActivityStatsQuery),
    responses((status = 200, description = "The counts", body = ActivityStats))
)]
#[get("/api/v1/stats/activities")]
pub async fn get_activity_stats(
    state: web::Data<AppState>,
    user: Viewer,
    query: ApiQuery<ActivityStatsQuery>,
) -> ApiResult<web::Json<ActivityStats>> {
    require(&user, Action::ReadStatistics)?;
    let q = query.0;
    check_range(q.from, q.to)?;
    let (from, to) = (q.from, q.to);
    let f = ActivityFilter {
        from,
        to,
        kind: None,
        school_id: q.school.map(|s| s.to_string()),
        network_id: q.network.map(|n| n.to_string()),
    };
    let stats = state
        .db
        .run(move |conn| {
            let scope = user.activity_figures_scope();
            let rows = repo::list(conn, &scope, &f, None, None)?;
            let ids: Vec<String> = rows.iter().map(|r| r.0.id.clone()).collect();
            let (aud, _) = repo::codes_of(conn, &ids)?;
            let mut total = ActivityCount::default();
            let mut kinds: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
            let mut audiences: BTreeMap<String, (i64, i64)> = BTreeMap::new();
            for (r, ..) in &rows {
                let p = r.participants as i64;
                total.activities += 1;
                total.participants += p;
                let k = kinds.entry(r.kind.as_str()).or_default();
                k.0 += 1;
                k.1 += p;
                for a in aud.get(&r.id).into_iter().flatten() {
                    let e = audiences.entry(a.clone()).or_default();
                    e.0 += 1;
                    e.1 += p;
                }
            }
            Ok(ActivityStats {
                from,
                to,
                total,
                by_kind: ActivityKind::ALL
                    .iter()
                    .map(|k| {
                        let (n, p) = kinds.get(k.as_str()).copied().unwrap_or_default();
                        KindCount {
                            kind: *k,
                            activities: n,
                            participants: p,
                        }
                    })
                    .collect(),
                by_audience: Audience::ALL
                    .iter()
                    .map(|a| {
                        let (n, p) = audiences.get(a.as_str()).copied().unwrap_or_default();
                        AudienceCount {
                            audience: *a,
                            activities: n,
                            participants: p,
                        }
                    })
                    .collect(),
            })
        })
        .await?;
    Ok(web::Json(stats))
}
