//! The audit trail: recording events, sealing them into a hash chain, reading, verifying.
//!
//! A request only *inserts* its events into `audit_pending` (no lock on anything shared): a
//! write in its own transaction, so the event commits with the write; a read through the group
//! commit (`audit_writer`), which writes the events of many requests in one transaction and
//! answers each request once its events are committed. The *sealer* (`seal`) takes waiting
//! events in the order they were inserted, gives each the next sequence number and its hash,
//! moves them to `audit_events` and moves `audit_head` — one sealer at a time, under the head's
//! row lock (PostgreSQL) or the write lock (SQLite), so instances on one database keep one
//! chain. It runs every `AUDIT_SEAL_INTERVAL_MS` and before anything reads the trail.
//!
//! An event's hash is SHA-256 over the previous event's hash and the event's own fields, in a
//! fixed order with a separator that cannot occur in them. The head makes a removed last event
//! visible; signed checkpoints kept outside the database make a rewound head visible.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use std::cell::RefCell;

use super::DbConn;
use super::schema::{audit_event_cases, audit_events, audit_head, audit_pending};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub case_id: Option<String>,
    pub request_id: String,
    pub client_addr: String,
    pub prev_hash: String,
    pub hash: String,
    /// A list read: the objects the page returned, in order, separated by spaces.
    pub object_ids: Option<String>,
    /// A list read: the cases those objects belong to, each once, separated by spaces (`None`
    /// for a list of cases: the objects are the cases; see `listed_cases`).
    pub case_ids: Option<String>,
}

/// The object type of cases.
pub const CASE: &str = "case";

impl AuditRow {
    /// The cases a list read names: its `case_ids`, or for a list of cases its objects.
    pub fn listed_cases(&self) -> Option<&str> {
        match (&self.case_ids, &self.object_ids) {
            (Some(cases), _) => Some(cases),
            (None, Some(objects)) if self.object_type == CASE => Some(objects),
            _ => None,
        }
    }
}

/// What an event says, before it is placed in the chain.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub case_id: Option<String>,
    pub request_id: String,
    pub client_addr: String,
    /// A list read: every object the page returned (see `AuditRow::object_ids`).
    pub object_ids: Option<String>,
    pub case_ids: Option<String>,
}

/// The hash of an event: every field but the hash itself, the previous hash included.
pub fn hash_of(r: &AuditRow) -> String {
    let at = r.at.and_utc().timestamp_micros().to_string();
    let seq = r.seq.to_string();
    let fields: [&str; 12] = [
        &r.prev_hash,
        &seq,
        &r.id,
        &at,
        r.actor_id.as_deref().unwrap_or(""),
        &r.actor_role,
        &r.action,
        &r.object_type,
        r.object_id.as_deref().unwrap_or(""),
        r.case_id.as_deref().unwrap_or(""),
        &r.request_id,
        &r.client_addr,
    ];
    // Unit separator: none of the fields (ids, codes, addresses) can contain it.
    let mut text = fields.join("\u{1f}");
    // A list read's objects follow; events without them hash as they always did.
    if let Some(objects) = &r.object_ids {
        for f in [objects.as_str(), r.case_ids.as_deref().unwrap_or("")] {
            text.push('\u{1f}');
            text.push_str(f);
        }
    }
    crate::domain::sha256_hex(text.as_bytes())
}

/// A waiting event: what it says and when, before the sealer gives it a place in the chain.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = audit_pending)]
struct PendingEvent {
    id: String,
    at: NaiveDateTime,
    actor_id: Option<String>,
    actor_role: String,
    action: String,
    object_type: String,
    object_id: Option<String>,
    case_id: Option<String>,
    request_id: String,
    client_addr: String,
    object_ids: Option<String>,
    case_ids: Option<String>,
}

/// A waiting event with its insertion order.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_pending)]
struct PendingRow {
    pos: i64,
    #[diesel(embed)]
    event: PendingEvent,
}

thread_local! {
    /// Events of the read being run on this thread (see `collecting`): they go to the group
    /// commit once the read is done, instead of into a transaction of the read's own.
    static COLLECTED: RefCell<Option<Vec<NewEvent>>> = const { RefCell::new(None) };
}

/// Runs `f` (a read) with its events collected rather than inserted; returns them.
pub fn collecting<T>(f: impl FnOnce() -> T) -> (T, Vec<NewEvent>) {
    COLLECTED.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let value = f();
    let events = COLLECTED
        .with(|c| c.borrow_mut().take())
        .unwrap_or_default();
    (value, events)
}

/// Records one event: inside a read run by `collecting`, for the group commit; otherwise
/// inserted now, in the caller's transaction, so it commits with the write it records.
pub fn append(conn: &mut DbConn, e: NewEvent) -> QueryResult<()> {
    let not_collected = COLLECTED.with(|c| match c.borrow_mut().as_mut() {
        Some(list) => {
            list.push(e);
            None
        }
        None => Some(e),
    });
    match not_collected {
        Some(e) => insert_pending(conn, vec![e]),
        None => Ok(()),
    }
}

/// Waiting events inserted per statement: SQLite binds at most 32,766 values per statement, and
/// a waiting event has 12.
pub const PENDING_ROWS_PER_STATEMENT: usize = 2_500;

/// Inserts events to be sealed, at the time they are inserted.
pub fn insert_pending(conn: &mut DbConn, events: Vec<NewEvent>) -> QueryResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let at = super::now();
    let rows: Vec<PendingEvent> = events
        .into_iter()
        .map(|e| PendingEvent {
            id: uuid::Uuid::now_v7().to_string(),
            at,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            case_id: e.case_id,
            request_id: e.request_id,
            client_addr: e.client_addr,
            object_ids: e.object_ids,
            case_ids: e.case_ids,
        })
        .collect();
    match conn {
        DbConn::Postgres(c) => arrays::insert_pending(c, &rows),
        DbConn::Sqlite(c) => {
            for chunk in rows.chunks(PENDING_ROWS_PER_STATEMENT) {
                diesel::insert_into(audit_pending::table)
                    .values(chunk)
                    .execute(c)?;
            }
            Ok(())
        }
    }
}

/// PostgreSQL takes a batch of any size as one array per column, in one statement of one
/// fixed text: prepared once per connection and reused, instead of a new multi-row `VALUES`
/// statement (parsed and planned anew: diesel caches neither those nor `sql_query`) for every
/// batch size the group commit happens to see.
mod arrays {
    use super::{AuditRow, EventCase, PendingEvent};
    use chrono::NaiveDateTime;
    use diesel::pg::{Pg, PgConnection};
    use diesel::prelude::*;
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
    use std::marker::PhantomData;

    /// One column's values.
    enum Col {
        Texts(Vec<String>),
        MaybeTexts(Vec<Option<String>>),
        Times(Vec<NaiveDateTime>),
        BigInts(Vec<i64>),
    }

    /// A statement's text, with `?` where each column's array goes.
    trait Statement {
        const SQL: &'static str;
    }

    /// The statement: its fixed text (the type `M`, so diesel's statement cache keys it by
    /// type) and the arrays bound into it.
    struct Insert<M> {
        cols: Vec<Col>,
        _text: PhantomData<M>,
    }

    impl<M: Statement> QueryFragment<Pg> for Insert<M> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
            let mut pieces = M::SQL.split('?');
            out.push_sql(pieces.next().unwrap_or_default());
            for (col, piece) in self.cols.iter().zip(pieces) {
                match col {
                    Col::Texts(v) => out.push_bind_param::<Array<Text>, _>(v)?,
                    Col::MaybeTexts(v) => out.push_bind_param::<Array<Nullable<Text>>, _>(v)?,
                    Col::Times(v) => out.push_bind_param::<Array<Timestamp>, _>(v)?,
                    Col::BigInts(v) => out.push_bind_param::<Array<BigInt>, _>(v)?,
                }
                out.push_sql(piece);
            }
            Ok(())
        }
    }

    impl<M: 'static> QueryId for Insert<M> {
        type QueryId = Self;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    impl<M> RunQueryDsl<PgConnection> for Insert<M> {}

    fn run<M: Statement + 'static>(c: &mut PgConnection, cols: Vec<Col>) -> QueryResult<()> {
        debug_assert_eq!(M::SQL.matches('?').count(), cols.len());
        Insert::<M> {
            cols,
            _text: PhantomData,
        }
        .execute(c)
        .map(drop)
    }

    fn texts<T>(rows: &[T], f: impl Fn(&T) -> &str) -> Col {
        Col::Texts(rows.iter().map(|r| f(r).to_string()).collect())
    }
    fn maybe<T>(rows: &[T], f: impl Fn(&T) -> Option<&str>) -> Col {
        Col::MaybeTexts(rows.iter().map(|r| f(r).map(str::to_string)).collect())
    }

    struct Pending;
    impl Statement for Pending {
        // In array order: `pos` numbers the events in the order they were submitted.
        const SQL: &'static str = "INSERT INTO audit_pending (id, at, actor_id, actor_role, \
            action, object_type, object_id, case_id, request_id, client_addr, object_ids, \
            case_ids) SELECT a, b, c, d, e, f, g, h, i, j, k, l FROM unnest(?::text[], \
            ?::timestamp[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], \
            ?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY \
            AS r(a, b, c, d, e, f, g, h, i, j, k, l, n) ORDER BY n";
    }

    pub(super) fn insert_pending(c: &mut PgConnection, rows: &[PendingEvent]) -> QueryResult<()> {
        run::<Pending>(
            c,
            vec![
                texts(rows, |r| &r.id),
                Col::Times(rows.iter().map(|r| r.at).collect()),
                maybe(rows, |r| r.actor_id.as_deref()),
                texts(rows, |r| &r.actor_role),
                texts(rows, |r| &r.action),
                texts(rows, |r| &r.object_type),
                maybe(rows, |r| r.object_id.as_deref()),
                maybe(rows, |r| r.case_id.as_deref()),
                texts(rows, |r| &r.request_id),
                texts(rows, |r| &r.client_addr),
                maybe(rows, |r| r.object_ids.as_deref()),
                maybe(rows, |r| r.case_ids.as_deref()),
            ],
        )
    }

    struct Events;
    impl Statement for Events {
        const SQL: &'static str = "INSERT INTO audit_events (seq, id, at, actor_id, actor_role, \
            action, object_type, object_id, case_id, request_id, client_addr, prev_hash, hash, \
            object_ids, case_ids) SELECT * FROM unnest(?::bigint[], ?::text[], ?::timestamp[], \
            ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], \
            ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])";
    }

    pub(super) fn insert_events(c: &mut PgConnection, rows: &[AuditRow]) -> QueryResult<()> {
        run::<Events>(
            c,
            vec![
                Col::BigInts(rows.iter().map(|r| r.seq).collect()),
                texts(rows, |r| &r.id),
                Col::Times(rows.iter().map(|r| r.at).collect()),
                maybe(rows, |r| r.actor_id.as_deref()),
                texts(rows, |r| &r.actor_role),
                texts(rows, |r| &r.action),
                texts(rows, |r| &r.object_type),
                maybe(rows, |r| r.object_id.as_deref()),
                maybe(rows, |r| r.case_id.as_deref()),
                texts(rows, |r| &r.request_id),
                texts(rows, |r| &r.client_addr),
                texts(rows, |r| &r.prev_hash),
                texts(rows, |r| &r.hash),
                maybe(rows, |r| r.object_ids.as_deref()),
                maybe(rows, |r| r.case_ids.as_deref()),
            ],
        )
    }

    struct EventCases;
    impl Statement for EventCases {
        const SQL: &'static str = "INSERT INTO audit_event_cases (case_id, seq) \
            SELECT * FROM unnest(?::text[], ?::bigint[])";
    }

    pub(super) fn insert_event_cases(
        c: &mut PgConnection,
        rows: &[EventCase<'_>],
    ) -> QueryResult<()> {
        run::<EventCases>(
            c,
            vec![
                texts(rows, |r| r.case_id),
                Col::BigInts(rows.iter().map(|r| r.seq).collect()),
            ],
        )
    }
}

/// Events sealed per transaction. A list read's event names every object of its page (a few
/// kilobytes), and a batch is held several times over while it is read, hashed and bound, on
/// whichever blocking thread runs the sealer (each keeps its own allocator arena): 250 keeps
/// that to a megabyte or two however far the sealer fell behind (5,000 cost the service tens of
/// megabytes under list traffic), for a few more, still batched, transactions.
const SEAL_BATCH: i64 = 250;

/// Links every waiting event into the chain, in the order they were inserted. One sealer at a
/// time (the head's row lock, or SQLite's write lock); returns how many it sealed.
pub fn seal(conn: &mut DbConn) -> QueryResult<usize> {
    // Most rounds find nothing: then no lock is taken and nothing is written.
    let waiting: bool = diesel::select(diesel::dsl::exists(
        audit_pending::table.select(audit_pending::pos),
    ))
    .get_result(conn)?;
    if !waiting {
        return Ok(0);
    }
    let mut sealed = 0;
    loop {
        let n = super::write_tx(conn, seal_batch)?;
        sealed += n;
        if n < SEAL_BATCH as usize {
            return Ok(sealed);
        }
    }
}

/// Reclaims the rows the sealer deleted from `audit_pending` (PostgreSQL; SQLite reuses freed
/// pages by itself). Every audited read inserts a row there and the sealer deletes it a moment
/// later, so without a vacuum the table keeps every event ever recorded as a dead row: the
/// sealer's scans of it slow down (19 ms to learn whether anything waits, measured with 730,000
/// dead rows), and its pages crowd the rest of the database out of PostgreSQL's buffers.
/// Autovacuum may be off, or come late for a table whose live size is a few rows; the sealer
/// does it after every `AUDIT_PENDING_VACUUM_EVENTS`. `SKIP_LOCKED`: when another instance's
/// sealer is vacuuming, this one does not wait.
/// Returns whether it vacuumed.
pub fn vacuum_pending(conn: &mut DbConn) -> QueryResult<bool> {
    match conn {
        // Outside any transaction: `seal` commits each batch, and VACUUM cannot run inside one.
        DbConn::Postgres(c) => {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                "VACUUM (SKIP_LOCKED) audit_pending",
            )?;
            Ok(true)
        }
        DbConn::Sqlite(_) => Ok(false),
    }
}

/// Like `seal`, inside the caller's write transaction (which then holds the head until it ends).
pub fn seal_here(conn: &mut DbConn) -> QueryResult<usize> {
    let mut sealed = 0;
    loop {
        let n = seal_batch(conn)?;
        sealed += n;
        if n < SEAL_BATCH as usize {
            return Ok(sealed);
        }
    }
}

fn seal_batch(c: &mut DbConn) -> QueryResult<usize> {
    // Lock the head first (a no-op update), so that two sealers take turns.
    diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq))
        .execute(c)?;
    let waiting: Vec<PendingRow> = audit_pending::table
        .order(audit_pending::pos)
        .limit(SEAL_BATCH)
        .select(PendingRow::as_select())
        .load(c)?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let (mut seq, mut prev): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(c)?;
    let mut rows = Vec::with_capacity(waiting.len());
    let positions: Vec<i64> = waiting.iter().map(|p| p.pos).collect();
    for PendingRow { event: p, .. } in waiting {
        seq += 1;
        let mut row = AuditRow {
            seq,
            id: p.id,
            at: p.at,
            actor_id: p.actor_id,
            actor_role: p.actor_role,
            action: p.action,
            object_type: p.object_type,
            object_id: p.object_id,
            case_id: p.case_id,
            request_id: p.request_id,
            client_addr: p.client_addr,
            prev_hash: prev,
            hash: String::new(),
            object_ids: p.object_ids,
            case_ids: p.case_ids,
        };
        row.hash = hash_of(&row);
        prev = row.hash.clone();
        rows.push(row);
    }
    match c {
        DbConn::Postgres(pg) => {
            // A page read for the first time is named case by case, on its first read (its
            // representative); every read of a page is found from there by the page's index
            // (`audit_events_listed_page`, migration 000260). Asked before this batch is in.
            let mut new = new_pages(pg, &rows)?;
            arrays::insert_events(pg, &rows)?;
            let by_case = cases_of(&rows, OwnCase::ByObject, |r| {
                r.listed_cases().is_some_and(|p| new.remove(p))
            });
            arrays::insert_event_cases(pg, &by_case)?;
        }
        DbConn::Sqlite(lite) => {
            let by_case = cases_of(&rows, OwnCase::Row, |_| true);
            // 15 values per row; SQLite binds at most 32,766 per statement.
            for chunk in rows.chunks(2_000) {
                diesel::insert_into(audit_events::table)
                    .values(chunk)
                    .execute(lite)?;
            }
            for chunk in by_case.chunks(10_000) {
                diesel::insert_into(audit_event_cases::table)
                    .values(chunk)
                    .execute(lite)?;
            }
        }
    }
    for chunk in positions.chunks(5_000) {
        diesel::delete(audit_pending::table.filter(audit_pending::pos.eq_any(chunk))).execute(c)?;
    }
    diesel::update(audit_head::table.find(1))
        .set((audit_head::seq.eq(seq), audit_head::hash.eq(&prev)))
        .execute(c)?;
    Ok(rows.len())
}

/// A row of the index from cases to the events that name them.
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_event_cases)]
struct EventCase<'a> {
    case_id: &'a str,
    seq: i64,
}

/// How an event's own case (`case_id`) is found from the case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OwnCase {
    /// Always by a row of `audit_event_cases`.
    Row,
    /// By the index on the event's object (`audit_events_object`) when the object is the case
    /// itself (a read of the case, the most frequent audited event): no row, which on
    /// PostgreSQL was a quarter of the trail's statement time per case view, a B-tree insert at
    /// a random place (cases have random ids) beside the object index's own. `list` looks there
    /// too.
    ByObject,
}

impl OwnCase {
    fn row_for(self, r: &AuditRow) -> Option<&str> {
        let case = r.case_id.as_deref()?;
        let by_object = r.object_type == CASE && r.object_id.as_deref() == Some(case);
        (self == OwnCase::Row || !by_object).then_some(case)
    }
}

/// The cases each event names: its `case_id` (see `OwnCase`), and each case of a list read for
/// which `listed` holds (on PostgreSQL only the first read of a page; see `new_pages`).
fn cases_of(
    rows: &[AuditRow],
    own: OwnCase,
    mut listed: impl FnMut(&AuditRow) -> bool,
) -> Vec<EventCase<'_>> {
    let mut out = Vec::new();
    for r in rows {
        let listed = r
            .listed_cases()
            .filter(|_| listed(r))
            .unwrap_or("")
            .split_whitespace();
        let mut named: Vec<&str> = own.row_for(r).into_iter().chain(listed).collect();
        named.sort_unstable();
        named.dedup();
        out.extend(named.into_iter().map(|case_id| EventCase {
            case_id,
            seq: r.seq,
        }));
    }
    out
}

/// The cases a list read names, as SQL over an `audit_events` row aliased `e`: the expression
/// `AuditRow::listed_cases` computes, and the one migration 000260 indexes (its md5), word for
/// word so the planner uses the index.
macro_rules! listed_sql {
    ($e:literal) => {
        concat!(
            "COALESCE(",
            $e,
            ".case_ids, CASE WHEN ",
            $e,
            ".object_type = 'case' THEN ",
            $e,
            ".object_ids END)"
        )
    };
}

/// The pages of list reads among `rows` that no event sealed before names case by case yet
/// (PostgreSQL): a page's first read becomes its representative. An earlier read of the page
/// counts when it has its rows in `audit_event_cases` (the first case of the page is enough to
/// look up), so a read sealed without them (by an instance from before migration 000260) does not
/// keep a page from getting its representative.
fn new_pages(
    pg: &mut diesel::pg::PgConnection,
    rows: &[AuditRow],
) -> QueryResult<std::collections::HashSet<String>> {
    use diesel::sql_types::{Array, Text};
    #[derive(QueryableByName)]
    struct Page {
        #[diesel(sql_type = Text)]
        page: String,
    }
    let mut pages: Vec<&str> = rows.iter().filter_map(AuditRow::listed_cases).collect();
    if pages.is_empty() {
        return Ok(Default::default());
    }
    pages.sort_unstable();
    pages.dedup();
    diesel::sql_query(concat!(
        "SELECT p.page FROM unnest($1::text[]) AS p(page) WHERE NOT EXISTS (",
        "SELECT 1 FROM audit_events e JOIN audit_event_cases x ON x.seq = e.seq ",
        "AND x.case_id = split_part(p.page, ' ', 1) WHERE e.object_ids IS NOT NULL AND md5(",
        listed_sql!("e"),
        ") = md5(p.page) AND ",
        listed_sql!("e"),
        " = p.page)"
    ))
    .bind::<Array<Text>, _>(pages)
    .load::<Page>(pg)
    .map(|found| found.into_iter().map(|p| p.page).collect())
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub case_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub before: Option<NaiveDateTime>,
}

/// Events newest first; `before_seq` is the last row of the previous page.
pub fn list(
    conn: &mut DbConn,
    f: AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_events::table
        .select(AuditRow::as_select())
        .order(audit_events::seq.desc())
        .into_boxed();
    if let Some(a) = f.actor_id {
        q = q.filter(audit_events::actor_id.eq(a));
    }
    if let Some(t) = f.object_type {
        q = q.filter(audit_events::object_type.eq(t));
    }
    if let Some(o) = f.object_id {
        q = q.filter(audit_events::object_id.eq(o));
    }
    if let Some(c) = f.case_id {
        q = match conn {
            // By the index of cases to events, which also names the cases of list reads.
            DbConn::Sqlite(_) => q.filter(
                audit_events::seq.eq_any(
                    audit_event_cases::table
                        .filter(audit_event_cases::case_id.eq(c))
                        .select(audit_event_cases::seq),
                ),
            ),
            // The same index for events of one case and the first read of each page; the
            // reads of the case itself by the object index (`OwnCase::ByObject`); every read of
            // those pages by the page's index (`audit_events_listed_page`). The case's events,
            // then their pages, are gathered first (`ARRAY(…)`, once each), so each index is
            // searched for them whatever the statistics say. The md5 only finds candidates:
            // `strpos` checks that the page names the case.
            DbConn::Postgres(_) => {
                use diesel::sql_types::{Bool, Text};
                q.filter(
                    diesel::dsl::sql::<Bool>(
                        "\"audit_events\".\"seq\" IN (SELECT seq FROM audit_event_cases WHERE case_id = ",
                    )
                    .bind::<Text, _>(c.clone())
                    .sql(
                        " UNION ALL SELECT o.seq FROM audit_events o WHERE o.object_type = 'case' \
                         AND o.case_id = o.object_id AND o.object_id = ",
                    )
                    .bind::<Text, _>(c.clone())
                    .sql(concat!(
                        " UNION ALL SELECT l.seq FROM audit_events l WHERE l.object_ids IS NOT NULL AND md5(",
                        listed_sql!("l"),
                        ") = ANY(ARRAY(SELECT md5(",
                        listed_sql!("r"),
                        ") FROM audit_events r WHERE r.seq = \
                         ANY(ARRAY(SELECT seq FROM audit_event_cases WHERE case_id = ",
                    ))
                    .bind::<Text, _>(c.clone())
                    .sql(concat!(")))) AND strpos(", listed_sql!("l"), ", "))
                    .bind::<Text, _>(c)
                    .sql(") > 0)"),
                )
            }
        };
    }
    if let Some(from) = f.from {
        q = q.filter(audit_events::at.ge(from));
    }
    if let Some(before) = f.before {
        q = q.filter(audit_events::at.lt(before));
    }
    if let Some(s) = before_seq {
        q = q.filter(audit_events::seq.lt(s));
    }
    super::paged::Paged::new(q, limit + 1).load(conn)
}

/// Where the chain first breaks, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The sequence number of the first event that does not fit (or the head's).
    pub seq: i64,
    pub reason: String,
}

/// What a checkpoint kept outside says of the chain: at `seq`, the head's hash was `hash`.
#[derive(Debug, Clone)]
pub struct Mark {
    pub seq: i64,
    pub hash: String,
}

/// How the chain compares with one mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkFinding {
    /// The chain has event `seq` with the hash the checkpoint signed.
    Consistent,
    /// Event `seq` has another hash now: events up to it were rewritten.
    Differs { now: String },
    /// The chain ends before `seq`: events were removed and the head rewound.
    Beyond { chain_ends_at: i64 },
    /// The walk stopped at an earlier break.
    NotReached,
}

/// The outcome of a walk.
#[derive(Debug, Clone)]
pub struct Verification {
    pub checked: i64,
    pub first_break: Option<Break>,
    /// One finding per mark, in the order given.
    pub marks: Vec<MarkFinding>,
}

/// Walks the whole chain in order, in batches, recomputing every hash.
pub fn verify(conn: &mut DbConn) -> QueryResult<(i64, Option<Break>)> {
    let v = verify_against(conn, &[])?;
    Ok((v.checked, v.first_break))
}

/// Walks the whole chain in order, in batches of a few thousand events (memory stays flat
/// however long the chain), recomputing every hash and comparing it with each mark. A mark
/// that differs breaks the chain at the first event after the last mark that held (the earliest
/// event that can have been rewritten), unless the walk broke earlier.
pub fn verify_against(conn: &mut DbConn, marks: &[Mark]) -> QueryResult<Verification> {
    seal(conn)?;
    const BATCH: i64 = 5_000;
    let mut order: Vec<usize> = (0..marks.len()).collect();
    order.sort_by_key(|&i| marks[i].seq);
    let mut findings = vec![MarkFinding::NotReached; marks.len()];
    let mut next_mark = 0usize;
    let mut last_held = 0i64;
    let mut checked = 0i64;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    let mut first_break: Option<Break> = None;
    // Marks at sequence 0 speak of the empty chain.
    let settle = |at_seq: i64,
                  hash: &str,
                  findings: &mut Vec<MarkFinding>,
                  next_mark: &mut usize,
                  last_held: &mut i64,
                  first_break: &mut Option<Break>| {
        while *next_mark < order.len() && marks[order[*next_mark]].seq == at_seq {
            let i = order[*next_mark];
            if marks[i].hash == hash {
                findings[i] = MarkFinding::Consistent;
                *last_held = at_seq;
            } else {
                findings[i] = MarkFinding::Differs {
                    now: hash.to_string(),
                };
                if first_break.is_none() {
                    *first_break = Some(Break {
                        seq: *last_held + 1,
                        reason: format!(
                            "checkpoint {at_seq} signed another hash: events {}..{at_seq} were rewritten",
                            *last_held + 1
                        ),
                    });
                }
            }
            *next_mark += 1;
        }
    };
    settle(
        0,
        GENESIS,
        &mut findings,
        &mut next_mark,
        &mut last_held,
        &mut first_break,
    );
    'walk: while first_break.is_none() {
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::seq.ge(expected_seq))
            .order(audit_events::seq)
            .limit(BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            let fail = |reason: &str| {
                Some(Break {
                    seq: r.seq,
                    reason: reason.to_string(),
                })
            };
            if r.seq != expected_seq {
                first_break = Some(Break {
                    seq: expected_seq,
                    reason: format!("event {expected_seq} is missing"),
                });
                break 'walk;
            }
            if r.prev_hash != prev {
                first_break = fail("its previous hash does not match the event before it");
                break 'walk;
            }
            if hash_of(&r) != r.hash {
                first_break = fail("its content does not match its hash");
                break 'walk;
            }
            prev = r.hash;
            expected_seq += 1;
            checked += 1;
            settle(
                r.seq,
                &prev,
                &mut findings,
                &mut next_mark,
                &mut last_held,
                &mut first_break,
            );
            if first_break.is_some() {
                break 'walk;
            }
        }
    }
    if first_break.is_none() {
        let (head_seq, head_hash): (i64, String) = audit_head::table
            .find(1)
            .select((audit_head::seq, audit_head::hash))
            .first(conn)?;
        if head_seq != expected_seq - 1 || head_hash != prev {
            first_break = Some(Break {
                seq: expected_seq,
                reason: format!(
                    "the chain ends at event {} but its head names event {head_seq}",
                    expected_seq - 1
                ),
            });
        }
    }
    let chain_ends_at = expected_seq - 1;
    if first_break.is_none() {
        // Marks past the end: the chain was cut and its head rewound.
        while next_mark < order.len() {
            let i = order[next_mark];
            findings[i] = MarkFinding::Beyond { chain_ends_at };
            if first_break.is_none() {
                first_break = Some(Break {
                    seq: chain_ends_at + 1,
                    reason: format!(
                        "checkpoint {} signed a chain of {} events; it ends at event {chain_ends_at} now: events were removed",
                        marks[i].seq, marks[i].seq
                    ),
                });
            }
            next_mark += 1;
        }
    }
    Ok(Verification {
        checked,
        first_break,
        marks: findings,
    })
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::audit_checkpoints)]
pub struct CheckpointRow {
    pub seq: i64,
    pub hash: String,
    pub at: NaiveDateTime,
    pub key_id: String,
    pub signature: String,
}

/// The head, read under its lock (inside a write transaction): one checkpointer at a time.
pub fn locked_head(c: &mut DbConn) -> QueryResult<(i64, String)> {
    diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq))
        .execute(c)?;
    audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(c)
}

pub fn find_checkpoint(c: &mut DbConn, seq: i64) -> QueryResult<Option<CheckpointRow>> {
    use super::schema::audit_checkpoints as cp;
    cp::table
        .find(seq)
        .select(CheckpointRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_checkpoint(c: &mut DbConn, row: &CheckpointRow) -> QueryResult<()> {
    use super::schema::audit_checkpoints as cp;
    diesel::insert_into(cp::table).values(row).execute(c)?;
    Ok(())
}

/// Checkpoints newest first; `before_seq` is the last of the previous page.
pub fn list_checkpoints(
    c: &mut DbConn,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CheckpointRow>> {
    use super::schema::audit_checkpoints as cp;
    let mut q = cp::table
        .select(CheckpointRow::as_select())
        .order(cp::seq.desc())
        .into_boxed();
    if let Some(s) = before_seq {
        q = q.filter(cp::seq.lt(s));
    }
    super::paged::Paged::new(q, limit + 1).load(c)
}

/// The newest checkpoint, if any.
pub fn last_checkpoint(c: &mut DbConn) -> QueryResult<Option<CheckpointRow>> {
    Ok(list_checkpoints(c, None, 0)?.into_iter().next())
}
