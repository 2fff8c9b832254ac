//! Activities (trainings, school activities, coaching, publicity) with their audiences and
//! themes: rows and queries. Reads take the caller's scope, so what is not yours is not found.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{activities, activity_audiences, activity_themes, networks, schools, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = activities, treat_none_as_null = true)]
pub struct ActivityRow {
    pub id: String,
    pub kind: crate::domain::presence::ActivityKind,
    pub title: String,
    pub activity_date: NaiveDate,
    pub school_id: Option<String>,
    pub network_id: Option<String>,
    pub participants: i32,
    pub description: String,
    pub owner_id: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Posters handed out (publicity only).
    pub posters: i32,
    /// Folders (leaflets) handed out (publicity only).
    pub folders: i32,
}

/// An activity with its school's, network's and owner's names.
pub type ActivityView = (ActivityRow, Option<String>, Option<String>, String);

/// Whose activities a caller reaches.
#[derive(Debug, Clone)]
pub enum ActivityScope {
    All,
    /// A worker's own.
    Owner(String),
    /// A school's.
    School(String),
    /// A worker's statistics: their own and those at the schools they are assigned to.
    OwnerOrSchools(String, Vec<String>),
}

#[derive(Debug, Default)]
pub struct ActivityFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<String>,
    pub school_id: Option<String>,
    pub network_id: Option<String>,
}

macro_rules! activity_query {
    ($scope:expr, $f:expr) => {{
        let mut q = activities::table
            .left_join(schools::table.on(schools::id.nullable().eq(activities::school_id)))
            .left_join(networks::table.on(networks::id.nullable().eq(activities::network_id)))
            .inner_join(users::table.on(users::id.eq(activities::owner_id)))
            .select((
                ActivityRow::as_select(),
                schools::name.nullable(),
                networks::name.nullable(),
                users::display_name,
            ))
            .into_boxed();
        match $scope {
            ActivityScope::All => {}
            ActivityScope::Owner(o) => q = q.filter(activities::owner_id.eq(o.clone())),
            ActivityScope::School(s) => q = q.filter(activities::school_id.eq(s.clone())),
            ActivityScope::OwnerOrSchools(o, s) => {
                q = q.filter(
                    activities::owner_id
                        .eq(o.clone())
                        .nullable()
                        .or(activities::school_id.eq_any(s.clone())),
                )
            }
        }
        let f: &ActivityFilter = $f;
        if let Some(d) = f.from {
            q = q.filter(activities::activity_date.ge(d));
        }
        if let Some(d) = f.to {
            q = q.filter(activities::activity_date.le(d));
        }
        if let Some(k) = &f.kind {
            q = q.filter(activities::kind.eq(k.clone()));
        }
        if let Some(s) = &f.school_id {
            q = q.filter(activities::school_id.eq(s.clone()));
        }
        if let Some(n) = &f.network_id {
            q = q.filter(activities::network_id.eq(n.clone()));
        }
        q
    }};
}

pub fn find(conn: &mut DbConn, id: &str, scope: &ActivityScope) -> QueryResult<ActivityView> {
    activity_query!(scope, &ActivityFilter::default())
        .filter(activities::id.eq(id.to_string()))
        .first(conn)
}

/// Activities newest first (date, then id, descending); `after` is the last row's key.
pub fn list(
    conn: &mut DbConn,
    scope: &ActivityScope,
    f: &ActivityFilter,
    after: Option<(NaiveDate, String)>,
    limit: Option<i64>,
) -> QueryResult<Vec<ActivityView>> {
    let mut q =
        activity_query!(scope, f).order((activities::activity_date.desc(), activities::id.desc()));
    if let Some((d, id)) = after {
        q = q.filter(
            activities::activity_date
                .lt(d)
                .or(activities::activity_date.eq(d).and(activities::id.lt(id))),
        );
    }
    match limit {
        Some(l) => super::paged::Paged::new(q, l + 1).load(conn),
        None => q.load(conn),
    }
}

pub fn insert(conn: &mut DbConn, row: &ActivityRow) -> QueryResult<()> {
    diesel::insert_into(activities::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConn, row: &ActivityRow) -> QueryResult<()> {
    diesel::update(activities::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(activities::table.find(id)).execute(conn)
}

pub fn set_codes(
    conn: &mut DbConn,
    id: &str,
    audiences: &[String],
    themes: &[String],
) -> QueryResult<()> {
    diesel::delete(activity_audiences::table.filter(activity_audiences::activity_id.eq(id)))
        .execute(conn)?;
    diesel::delete(activity_themes::table.filter(activity_themes::activity_id.eq(id)))
        .execute(conn)?;
    for a in audiences {
        diesel::insert_into(activity_audiences::table)
            .values((
                activity_audiences::activity_id.eq(id),
                activity_audiences::audience.eq(a),
            ))
            .execute(conn)?;
    }
    for t in themes {
        diesel::insert_into(activity_themes::table)
            .values((
                activity_themes::activity_id.eq(id),
                activity_themes::theme_code.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Codes per activity id.
pub type CodesById = HashMap<String, Vec<String>>;

/// Audiences and themes per activity, for a page in two queries.
pub fn codes_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<(CodesById, CodesById)> {
    let mut audiences: HashMap<String, Vec<String>> = HashMap::new();
    let rows: Vec<(String, String)> = activity_audiences::table
        .filter(activity_audiences::activity_id.eq_any(ids))
        .order((
            activity_audiences::activity_id,
            activity_audiences::audience,
        ))
        .select((
            activity_audiences::activity_id,
            activity_audiences::audience,
        ))
        .load(conn)?;
    for (id, a) in rows {
        audiences.entry(id).or_default().push(a);
    }
    let mut themes: HashMap<String, Vec<String>> = HashMap::new();
    let rows: Vec<(String, String)> = activity_themes::table
        .filter(activity_themes::activity_id.eq_any(ids))
        .order((activity_themes::activity_id, activity_themes::theme_code))
        .select((activity_themes::activity_id, activity_themes::theme_code))
        .load(conn)?;
    for (id, t) in rows {
        themes.entry(id).or_default().push(t);
    }
    Ok((audiences, themes))
}
