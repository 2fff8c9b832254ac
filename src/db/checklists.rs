//! Signal checklists: templates, their versions (sections and items), and submissions with
//! their answers. The lifecycle transitions live here too, as conditional updates, so two
//! workers acting at once cannot both move the same submission.

use crate::domain::ids::SchoolId;
use crate::i18n::{Code, Msg};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    checklist_answers, checklist_items, checklist_sections, checklist_submissions,
    checklist_templates, checklist_versions, schools, themes,
};
use super::{DbConn, now};
use super::{DbError, DbResult};

pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";

pub const SUBMITTED: &str = "submitted";
pub const TRIAGED: &str = "triaged";
pub const CASE_OPENED: &str = "case_opened";
pub const NO_ACTION: &str = "no_action";

// ---------------------------------------------------------------------------------------------
// Templates and versions
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = checklist_templates)]
pub struct TemplateRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = checklist_versions)]
pub struct VersionRow {
    pub id: String,
    pub template_id: String,
    pub number: i32,
    pub status: String,
    pub is_current: bool,
    pub intro: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = checklist_sections)]
pub struct SectionRow {
    pub version_id: String,
    pub code: String,
    pub position: i32,
    pub title: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = checklist_items)]
pub struct ItemRow {
    pub version_id: String,
    pub code: String,
    pub section_code: String,
    pub position: i32,
    pub text: String,
    pub theme_code: String,
    pub help_text: String,
}

/// The content of a version as it is written: sections in order, each with its items in order.
#[derive(Debug, Clone)]
pub struct SectionContent {
    pub code: String,
    pub title: String,
    pub items: Vec<ItemContent>,
}

#[derive(Debug, Clone)]
pub struct ItemContent {
    pub code: String,
    pub text: String,
    pub theme: String,
    pub help_text: String,
}

/// A version with its sections and items, in order.
#[derive(Debug, Clone)]
pub struct VersionContent {
    pub version: VersionRow,
    pub template_name: String,
    pub sections: Vec<SectionRow>,
    pub items: Vec<ItemRow>,
}

pub fn insert_template(
    conn: &mut DbConn,
    id: &str,
    name: &str,
    description: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(checklist_templates::table)
        .values((
            checklist_templates::id.eq(id),
            checklist_templates::name.eq(name),
            checklist_templates::description.eq(description),
            checklist_templates::created_at.eq(at),
            checklist_templates::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_template(conn: &mut DbConn, id: &str) -> QueryResult<TemplateRow> {
    checklist_templates::table
        .find(id)
        .select(TemplateRow::as_select())
        .first(conn)
}

/// Templates by name; `after` is the (name, id) of the last one seen.
pub fn list_templates(
    conn: &mut DbConn,
    after: Option<(String, String)>,
    limit: i64,
) -> QueryResult<Vec<TemplateRow>> {
    let mut q = checklist_templates::table
        .select(TemplateRow::as_select())
        .order((checklist_templates::name, checklist_templates::id))
        .into_boxed();
    if let Some((name, id)) = after {
        q = q.filter(
            checklist_templates::name
                .gt(name.clone())
                .or(checklist_templates::name
                    .eq(name)
                    .and(checklist_templates::id.gt(id))),
        );
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

/// The versions of these templates, by number; drafts only when asked for.
pub fn versions_of(
    conn: &mut DbConn,
    template_ids: &[String],
    include_drafts: bool,
) -> QueryResult<Vec<VersionRow>> {
    let mut q = checklist_versions::table
        .filter(checklist_versions::template_id.eq_any(template_ids))
        .select(VersionRow::as_select())
        .order((checklist_versions::template_id, checklist_versions::number))
        .into_boxed();
    if !include_drafts {
        q = q.filter(checklist_versions::status.eq(PUBLISHED));
    }
    q.load(conn)
}

/// How many items each of these versions has.
pub fn item_counts(conn: &mut DbConn, version_ids: &[String]) -> QueryResult<Vec<(String, i64)>> {
    checklist_items::table
        .filter(checklist_items::version_id.eq_any(version_ids))
        .group_by(checklist_items::version_id)
        .select((checklist_items::version_id, diesel::dsl::count_star()))
        .load(conn)
}

pub fn find_version(conn: &mut DbConn, id: &str) -> QueryResult<VersionRow> {
    checklist_versions::table
        .find(id)
        .select(VersionRow::as_select())
        .first(conn)
}

/// The current version of a template; without one, of the template created first that has a
/// current version (the seeded signal list, on a new installation).
pub fn current_version(conn: &mut DbConn, template_id: Option<&str>) -> QueryResult<VersionRow> {
    let mut q = checklist_versions::table
        .inner_join(checklist_templates::table)
        .filter(checklist_versions::is_current.eq(true))
        .select(VersionRow::as_select())
        .order((checklist_templates::created_at, checklist_templates::id))
        .into_boxed();
    if let Some(t) = template_id {
        q = q.filter(checklist_versions::template_id.eq(t.to_string()));
    }
    q.first(conn)
}

/// A version with everything it shows: its template's name, sections and items in order.
pub fn load_content(conn: &mut DbConn, version: VersionRow) -> QueryResult<VersionContent> {
    let template_name = checklist_templates::table
        .find(&version.template_id)
        .select(checklist_templates::name)
        .first(conn)?;
    let sections = checklist_sections::table
        .filter(checklist_sections::version_id.eq(&version.id))
        .select(SectionRow::as_select())
        .order(checklist_sections::position)
        .load(conn)?;
    let items = checklist_items::table
        .filter(checklist_items::version_id.eq(&version.id))
        .select(ItemRow::as_select())
        .order(checklist_items::position)
        .load(conn)?;
    Ok(VersionContent {
        version,
        template_name,
        sections,
        items,
    })
}

/// The next version number of a template (1 for its first).
pub fn next_number(conn: &mut DbConn, template_id: &str) -> QueryResult<i32> {
    let max: Option<i32> = checklist_versions::table
        .filter(checklist_versions::template_id.eq(template_id))
        .select(diesel::dsl::max(checklist_versions::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_draft(
    conn: &mut DbConn,
    id: &str,
    template_id: &str,
    number: i32,
    intro: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(checklist_versions::table)
        .values((
            checklist_versions::id.eq(id),
            checklist_versions::template_id.eq(template_id),
            checklist_versions::number.eq(number),
            checklist_versions::status.eq(DRAFT),
            checklist_versions::is_current.eq(false),
            checklist_versions::intro.eq(intro),
            checklist_versions::published_at.eq(None::<NaiveDateTime>),
            checklist_versions::created_at.eq(at),
            checklist_versions::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Writes a version's sections and items (the version has none yet).
pub fn insert_content(
    conn: &mut DbConn,
    version_id: &str,
    sections: &[SectionContent],
) -> QueryResult<()> {
    let mut item_position = 0;
    for (i, s) in sections.iter().enumerate() {
        diesel::insert_into(checklist_sections::table)
            .values((
                checklist_sections::version_id.eq(version_id),
                checklist_sections::code.eq(&s.code),
                checklist_sections::position.eq(i as i32 + 1),
                checklist_sections::title.eq(&s.title),
            ))
            .execute(conn)?;
        for item in &s.items {
            item_position += 1;
            diesel::insert_into(checklist_items::table)
                .values((
                    checklist_items::version_id.eq(version_id),
                    checklist_items::code.eq(&item.code),
                    checklist_items::section_code.eq(&s.code),
                    checklist_items::position.eq(item_position),
                    checklist_items::text.eq(&item.text),
                    checklist_items::theme_code.eq(&item.theme),
                    checklist_items::help_text.eq(&item.help_text),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Replaces a draft's intro and content. The update of the version row comes first and only
/// matches a draft: it locks the row, so a publish running at the same time either sees the new
/// content or makes this fail with 409.
pub fn replace_draft(
    conn: &mut DbConn,
    version_id: &str,
    intro: &str,
    sections: &[SectionContent],
) -> DbResult<()> {
    let changed = diesel::update(
        checklist_versions::table
            .find(version_id)
            .filter(checklist_versions::status.eq(DRAFT)),
    )
    .set((
        checklist_versions::intro.eq(intro),
        checklist_versions::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        let v = find_version(conn, version_id)?;
        return Err(DbError::invalid_state(
            v.status,
            Code::VersionPublishedImmutable,
        ));
    }
    diesel::delete(checklist_items::table.filter(checklist_items::version_id.eq(version_id)))
        .execute(conn)?;
    diesel::delete(checklist_sections::table.filter(checklist_sections::version_id.eq(version_id)))
        .execute(conn)?;
    insert_content(conn, version_id, sections)?;
    Ok(())
}

/// Publishes a draft and makes it its template's current version; the version that was current
/// stays published. 409 when it is published already.
pub fn publish(conn: &mut DbConn, version_id: &str, at: NaiveDateTime) -> DbResult<()> {
    let v = find_version(conn, version_id)?;
    if v.status != DRAFT {
        return Err(DbError::invalid_state(
            v.status,
            Code::VersionPublishedAlready,
        ));
    }
    diesel::update(
        checklist_versions::table
            .filter(checklist_versions::template_id.eq(&v.template_id))
            .filter(checklist_versions::is_current.eq(true)),
    )
    .set((
        checklist_versions::is_current.eq(false),
        checklist_versions::updated_at.eq(at),
    ))
    .execute(conn)?;
    let changed = diesel::update(
        checklist_versions::table
            .find(version_id)
            .filter(checklist_versions::status.eq(DRAFT)),
    )
    .set((
        checklist_versions::status.eq(PUBLISHED),
        checklist_versions::is_current.eq(true),
        checklist_versions::published_at.eq(Some(at)),
        checklist_versions::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(DbError::invalid_state(
            PUBLISHED,
            Code::VersionPublishedAlready,
        ));
    }
    Ok(())
}

/// The theme codes that exist, with whether they are still active.
pub fn themes(conn: &mut DbConn) -> QueryResult<Vec<(String, String, bool)>> {
    themes::table
        .select((themes::code, themes::label_nl, themes::active))
        .order(themes::code)
        .load(conn)
}

// ---------------------------------------------------------------------------------------------
// Submissions
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = checklist_submissions)]
pub struct SubmissionRow {
    pub id: String,
    pub school_id: String,
    pub submitted_by: String,
    pub version_id: String,
    pub pupil_pseudonym: String,
    pub birth_year: i32,
    pub class_name: String,
    pub concern: String,
    pub context: String,
    pub parents_informed: bool,
    pub status: String,
    pub triaged_by: Option<String>,
    pub triaged_at: Option<NaiveDateTime>,
    pub triage_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub no_action_reason: Option<String>,
    pub case_id: Option<String>,
    pub case_reference: Option<String>,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// With `no_action`: what the worker wrote for the school (the reason stays the worker's).
    pub advice_for_school: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = checklist_answers)]
pub struct AnswerRow {
    pub submission_id: String,
    pub item_code: String,
    pub answer: String,
    pub remark: Option<String>,
}

pub fn insert_submission(
    conn: &mut DbConn,
    row: &SubmissionRow,
    answers: &[AnswerRow],
) -> QueryResult<()> {
    diesel::insert_into(checklist_submissions::table)
        .values(row)
        .execute(conn)?;
    for a in answers {
        diesel::insert_into(checklist_answers::table)
            .values(a)
            .execute(conn)?;
    }
    Ok(())
}

/// A submission by id, whoever asks. For the cases code, after it has checked that the caller
/// may act for the submission's school (or use `find_submission_in`).
pub fn find_submission(conn: &mut DbConn, id: &str) -> QueryResult<SubmissionRow> {
    checklist_submissions::table
        .find(id)
        .select(SubmissionRow::as_select())
        .first(conn)
}

/// A submission of one of these schools; another school's is `NotFound`.
pub fn find_submission_in(
    conn: &mut DbConn,
    id: &str,
    school_ids: &[SchoolId],
) -> QueryResult<SubmissionRow> {
    checklist_submissions::table
        .find(id)
        .filter(checklist_submissions::school_id.eq_any(school_ids))
        .select(SubmissionRow::as_select())
        .first(conn)
}

/// The submissions a case came from: the one it names (`submission_id`) and any that names the
/// case, oldest first.
pub fn submissions_of_case(
    conn: &mut DbConn,
    case_id: &str,
    submission_id: Option<&str>,
) -> QueryResult<Vec<SubmissionRow>> {
    let mut q = checklist_submissions::table
        .filter(checklist_submissions::case_id.eq(case_id))
        .select(SubmissionRow::as_select())
        .order((
            checklist_submissions::submitted_at,
            checklist_submissions::id,
        ))
        .into_boxed();
    if let Some(id) = submission_id {
        q = q.or_filter(checklist_submissions::id.eq(id.to_string()));
    }
    q.load(conn)
}

pub fn answers_of(conn: &mut DbConn, submission_ids: &[String]) -> QueryResult<Vec<AnswerRow>> {
    checklist_answers::table
        .filter(checklist_answers::submission_id.eq_any(submission_ids))
        .select(AnswerRow::as_select())
        .load(conn)
}

/// The items of these versions (for showing answers beside their question and theme).
pub fn items_of(conn: &mut DbConn, version_ids: &[String]) -> QueryResult<Vec<ItemRow>> {
    checklist_items::table
        .filter(checklist_items::version_id.eq_any(version_ids))
        .select(ItemRow::as_select())
        .order((checklist_items::version_id, checklist_items::position))
        .load(conn)
}

pub fn sections_of(conn: &mut DbConn, version_ids: &[String]) -> QueryResult<Vec<SectionRow>> {
    checklist_sections::table
        .filter(checklist_sections::version_id.eq_any(version_ids))
        .select(SectionRow::as_select())
        .order((checklist_sections::version_id, checklist_sections::position))
        .load(conn)
}

/// The theme codes of a submission with at least one item answered `yes`, sorted: the themes a
/// case opened from it starts with.
pub fn signal_themes(conn: &mut DbConn, submission_id: &str) -> QueryResult<Vec<String>> {
    let sub = find_submission(conn, submission_id)?;
    let yes: Vec<String> = checklist_answers::table
        .filter(checklist_answers::submission_id.eq(submission_id))
        .filter(checklist_answers::answer.eq("yes"))
        .select(checklist_answers::item_code)
        .load(conn)?;
    let mut codes: Vec<String> = checklist_items::table
        .filter(checklist_items::version_id.eq(&sub.version_id))
        .filter(checklist_items::code.eq_any(&yes))
        .select(checklist_items::theme_code)
        .distinct()
        .load(conn)?;
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// What a submission list may be narrowed to. `school_ids` is the caller's scope and always
/// applies: an empty scope finds nothing.
pub struct SubmissionFilter {
    pub school_ids: Vec<SchoolId>,
    pub network_id: Option<String>,
    pub status: Option<String>,
    /// Submitted on or after this moment.
    pub from: Option<NaiveDateTime>,
    /// Submitted before this moment.
    pub until: Option<NaiveDateTime>,
    /// Only these submissions (what a search found).
    pub ids: Option<Vec<String>>,
}

impl SubmissionFilter {
    /// The first moment after `to` (inclusive day), for `until`.
    pub fn day_after(to: NaiveDate) -> NaiveDateTime {
        (to + chrono::Days::new(1)).and_time(chrono::NaiveTime::MIN)
    }
}

type Condition = Box<
    dyn BoxableExpression<
            checklist_submissions::table,
            super::MultiBackend,
            SqlType = diesel::sql_types::Bool,
        >,
>;

/// The filter as one condition, usable in plain and grouped queries alike.
fn condition(f: &SubmissionFilter) -> Condition {
    let mut c: Condition = Box::new(checklist_submissions::school_id.eq_any(f.school_ids.clone()));
    if let Some(n) = &f.network_id {
        c = Box::new(
            c.and(
                checklist_submissions::school_id.eq_any(
                    schools::table
                        .filter(schools::network_id.eq(n.clone()))
                        .select(schools::id),
                ),
            ),
        );
    }
    if let Some(s) = &f.status {
        c = Box::new(c.and(checklist_submissions::status.eq(s.clone())));
    }
    if let Some(from) = f.from {
        c = Box::new(c.and(checklist_submissions::submitted_at.ge(from)));
    }
    if let Some(until) = f.until {
        c = Box::new(c.and(checklist_submissions::submitted_at.lt(until)));
    }
    if let Some(ids) = &f.ids {
        c = Box::new(c.and(checklist_submissions::id.eq_any(ids.clone())));
    }
    c
}

/// Every submission of the schools with its pupil's pseudonym (empty once erased), for a
/// search folded in memory like the case search.
pub fn pseudonyms(
    conn: &mut DbConn,
    school_ids: &[SchoolId],
) -> QueryResult<Vec<(String, String)>> {
    checklist_submissions::table
        .filter(checklist_submissions::school_id.eq_any(school_ids.to_vec()))
        .filter(checklist_submissions::pupil_pseudonym.ne(""))
        .select((
            checklist_submissions::id,
            checklist_submissions::pupil_pseudonym,
        ))
        .load(conn)
}

/// Newest first. Ids are UUIDv7, so their order is their creation order and a cursor needs only
/// the last id seen.
pub fn list_submissions(
    conn: &mut DbConn,
    f: &SubmissionFilter,
    before_id: Option<String>,
    limit: i64,
) -> QueryResult<Vec<SubmissionRow>> {
    let mut q = checklist_submissions::table
        .filter(condition(f))
        .select(SubmissionRow::as_select())
        .order(checklist_submissions::id.desc())
        .into_boxed();
    if let Some(id) = before_id {
        q = q.filter(checklist_submissions::id.lt(id));
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

/// A code and how often it occurs.
pub type KeyCount = (String, i64);

/// Counts by status and by concern.
pub fn count_submissions(
    conn: &mut DbConn,
    f: &SubmissionFilter,
) -> QueryResult<(Vec<KeyCount>, Vec<KeyCount>)> {
    let by_status = checklist_submissions::table
        .filter(condition(f))
        .group_by(checklist_submissions::status)
        .select((checklist_submissions::status, diesel::dsl::count_star()))
        .load(conn)?;
    let by_concern = checklist_submissions::table
        .filter(condition(f))
        .group_by(checklist_submissions::concern)
        .select((checklist_submissions::concern, diesel::dsl::count_star()))
        .load(conn)?;
    Ok((by_status, by_concern))
}

/// The state a transition found the submission in, when it was not the one it needs.
fn refuse(conn: &mut DbConn, id: &str, needs: &str, action: Code) -> DbError {
    match find_submission(conn, id) {
        Ok(s) => DbError::invalid_state(
            s.status.clone(),
            Msg::new(Code::SubmissionWrongState)
                .arg("needs", needs)
                .arg_msg("action", Msg::new(action))
                .arg("status", &s.status),
        ),
        Err(e) => e.into(),
    }
}

/// `submitted` → `triaged`, by a worker (the caller has checked they act for the school).
pub fn triage(conn: &mut DbConn, id: &str, worker_id: &str, note: Option<&str>) -> DbResult<()> {
    let at = now();
    let changed = diesel::update(
        checklist_submissions::table
            .find(id)
            .filter(checklist_submissions::status.eq(SUBMITTED)),
    )
    .set((
        checklist_submissions::status.eq(TRIAGED),
        checklist_submissions::triaged_by.eq(Some(worker_id)),
        checklist_submissions::triaged_at.eq(Some(at)),
        checklist_submissions::triage_note.eq(note),
        checklist_submissions::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(refuse(conn, id, SUBMITTED, Code::SubmissionActionTriage));
    }
    Ok(())
}

/// `triaged` → `no_action`, with the reason.
pub fn close_without_action(
    conn: &mut DbConn,
    id: &str,
    worker_id: &str,
    reason: &str,
    advice_for_school: Option<&str>,
) -> DbResult<()> {
    let at = now();
    let changed = diesel::update(
        checklist_submissions::table
            .find(id)
            .filter(checklist_submissions::status.eq(TRIAGED)),
    )
    .set((
        checklist_submissions::status.eq(NO_ACTION),
        checklist_submissions::no_action_reason.eq(Some(reason)),
        checklist_submissions::advice_for_school.eq(advice_for_school),
        checklist_submissions::decided_by.eq(Some(worker_id)),
        checklist_submissions::decided_at.eq(Some(at)),
        checklist_submissions::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(refuse(conn, id, TRIAGED, Code::SubmissionActionNoAction));
    }
    Ok(())
}

/// `triaged` → `case_opened`, linking the case. For the cases code: call it in the same
/// transaction that creates the case, after checking that `opened_by` is assigned to the
/// submission's school. 404 when there is no such submission, 409 (naming the current state)
/// when it is not `triaged`, so the case creation rolls back with it.
pub fn mark_case_opened(
    conn: &mut DbConn,
    submission_id: &str,
    case_id: &str,
    case_reference: &str,
    opened_by: &str,
) -> DbResult<()> {
    let at = now();
    let changed = diesel::update(
        checklist_submissions::table
            .find(submission_id)
            .filter(checklist_submissions::status.eq(TRIAGED)),
    )
    .set((
        checklist_submissions::status.eq(CASE_OPENED),
        checklist_submissions::case_id.eq(Some(case_id)),
        checklist_submissions::case_reference.eq(Some(case_reference)),
        checklist_submissions::decided_by.eq(Some(opened_by)),
        checklist_submissions::decided_at.eq(Some(at)),
        checklist_submissions::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(refuse(
            conn,
            submission_id,
            TRIAGED,
            Code::SubmissionActionOpenCase,
        ));
    }
    Ok(())
}
