//! The two migration trees, `migrations/sqlite` and `migrations/postgres`, describe one schema:
//! the queries are written once against `src/db/schema.rs` and run on both backends. These
//! tests migrate a fresh database of each backend with the service's own `db::migrate`, read
//! back what the database made of the migrations (its catalogue, not the SQL text), and
//! compare: tables, columns (name, nullability, a type class common to both backends),
//! primary keys, named indexes and unique constraints. `schema.rs` is compared with the
//! migrated databases too.
//!
//! SQLite is always there; PostgreSQL only when `TEST_DATABASE_URL` is set, so the comparison
//! across backends runs in the PostgreSQL pass of the suite.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text};
use kinderen_eerst::db::{self, DbOptions};

use crate::helpers::{pg_url, test_backend_url};

/// Differences between the two trees that are known and accepted, so the comparison passes
/// while the lead decides: (what, SQLite's side, PostgreSQL's side, why). Each must still occur:
/// an entry that no longer matches a difference fails the test, so the list stays exact.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "column `outbox_events`.`position` type class",
        "integer",
        "bigint",
        // SQLite's AUTOINCREMENT needs the rowid alias, which must be declared exactly INTEGER;
        // it holds 64 bits, as PostgreSQL's BIGSERIAL and schema.rs's `BigInt` do.
        "SQLite AUTOINCREMENT requires the type name INTEGER (a 64-bit rowid)",
    ),
    (
        "column `audit_pending`.`pos` type class",
        "integer",
        "bigint",
        "SQLite AUTOINCREMENT requires the type name INTEGER (a 64-bit rowid)",
    ),
    (
        "index `audit_events_listed_page` on `audit_events`",
        "absent",
        "(<expression>) partial",
        // SQLite keeps one `audit_event_cases` row per case a list read names instead.
        "the reads of a page found from its first read: PostgreSQL (migration 000260)",
    ),
];

/// A column as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    /// A type class common to both backends (see `sqlite_class`, `postgres_class`).
    class: String,
    nullable: bool,
}

/// An index created by name (`CREATE INDEX`), not one a constraint made.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Index {
    columns: Vec<String>,
    unique: bool,
    partial: bool,
}

impl Index {
    fn describe(&self) -> String {
        let mut s = format!("({})", self.columns.join(", "));
        if self.unique {
            s.push_str(" unique");
        }
        if self.partial {
            s.push_str(" partial");
        }
        s
    }
}

#[derive(Debug, Default)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
    indexes: BTreeMap<String, Index>,
    /// Every uniqueness rule other than the primary key, however declared (a `UNIQUE`
    /// constraint or a unique index), as its column list; partial ones are marked.
    uniques: BTreeSet<String>,
}

type Schema = BTreeMap<String, Table>;

/// One way two descriptions of the schema disagree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    what: String,
    left: String,
    right: String,
}

fn presence<T>(x: Option<T>) -> String {
    if x.is_some() { "present" } else { "absent" }.to_string()
}

fn nullability(c: &Column) -> String {
    if c.nullable { "NULL" } else { "NOT NULL" }.to_string()
}

fn union<'a, I: Iterator<Item = &'a String>>(a: I, b: I) -> BTreeSet<&'a String> {
    a.chain(b).collect()
}

/// Everything in which `left` and `right` differ. Type classes are compared after `class`
/// (which says what counts as one class on the backends at hand); indexes and unique
/// constraints only when `indexes` is set (schema.rs knows none).
fn diff(left: &Schema, right: &Schema, indexes: bool, class: fn(&str) -> &str) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut push =
        |what: String, left: String, right: String| out.push(Difference { what, left, right });
    for name in union(left.keys(), right.keys()) {
        let (l, r) = match (left.get(name), right.get(name)) {
            (Some(l), Some(r)) => (l, r),
            (l, r) => {
                push(format!("table `{name}`"), presence(l), presence(r));
                continue;
            }
        };
        for col in union(l.columns.keys(), r.columns.keys()) {
            match (l.columns.get(col), r.columns.get(col)) {
                (Some(a), Some(b)) => {
                    if class(&a.class) != class(&b.class) {
                        let what = format!("column `{name}`.`{col}` type class");
                        push(what, a.class.clone(), b.class.clone());
                    }
                    if a.nullable != b.nullable {
                        let what = format!("column `{name}`.`{col}` nullability");
                        push(what, nullability(a), nullability(b));
                    }
                }
                (a, b) => push(format!("column `{name}`.`{col}`"), presence(a), presence(b)),
            }
        }
        if l.primary_key != r.primary_key {
            let show = |pk: &[String]| format!("({})", pk.join(", "));
            let what = format!("primary key of `{name}`");
            push(what, show(&l.primary_key), show(&r.primary_key));
        }
        if !indexes {
            continue;
        }
        for idx in union(l.indexes.keys(), r.indexes.keys()) {
            let (a, b) = (l.indexes.get(idx), r.indexes.get(idx));
            if a != b {
                let show = |i: Option<&Index>| i.map_or("absent".to_string(), Index::describe);
                push(format!("index `{idx}` on `{name}`"), show(a), show(b));
            }
        }
        for u in union(l.uniques.iter(), r.uniques.iter()) {
            let (a, b) = (l.uniques.get(u), r.uniques.get(u));
            if a.is_some() != b.is_some() {
                push(format!("unique {u} on `{name}`"), presence(a), presence(b));
            }
        }
    }
    out
}

/// Fails with every difference (and every allowance that no longer occurs), not the first.
fn assert_no_differences(
    found: Vec<Difference>,
    known: &[(&str, &str, &str, &str)],
    left: &str,
    right: &str,
) {
    let is_known = |d: &Difference, k: &(&str, &str, &str, &str)| {
        d.what == k.0 && d.left == k.1 && d.right == k.2
    };
    let show = |d: &Difference| format!("  - {}: {left} {}, {right} {}", d.what, d.left, d.right);
    for d in found
        .iter()
        .filter(|d| known.iter().any(|k| is_known(d, k)))
    {
        let why = known.iter().find(|k| is_known(d, k)).map_or("", |k| k.3);
        println!("tolerated known difference:\n{}\n      ({why})", show(d));
    }
    let unexpected: Vec<String> = found
        .iter()
        .filter(|d| !known.iter().any(|k| is_known(d, k)))
        .map(show)
        .collect();
    let stale: Vec<String> = known
        .iter()
        .filter(|k| !found.iter().any(|d| is_known(d, k)))
        .map(|k| format!("  - {}: {left} {}, {right} {}", k.0, k.1, k.2))
        .collect();
    let mut message = String::new();
    if !unexpected.is_empty() {
        message.push_str(&format!(
            "{} difference(s) between {left} and {right} (an intended one goes into the \
             known differences, with its reason):\n{}\n",
            unexpected.len(),
            unexpected.join("\n")
        ));
    }
    if !stale.is_empty() {
        message.push_str(&format!(
            "known differences that no longer occur (remove them from the list):\n{}\n",
            stale.join("\n")
        ));
    }
    assert!(message.is_empty(), "{message}");
}

// --- SQLite -------------------------------------------------------------------------------

/// The common class of an SQLite declared type (as written in the migration).
fn sqlite_class(declared: &str) -> String {
    let upper = declared.to_ascii_uppercase();
    let base = upper.split('(').next().unwrap_or("").trim();
    match base {
        "INTEGER" | "INT" | "INT2" | "INT4" | "SMALLINT" | "TINYINT" | "MEDIUMINT" => "integer",
        "BIGINT" | "INT8" => "bigint",
        "TEXT" | "VARCHAR" | "CHAR" | "CHARACTER" | "CHARACTER VARYING" | "CLOB" => "text",
        "BOOLEAN" | "BOOL" => "bool",
        "TIMESTAMP" | "DATETIME" => "timestamp",
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => "timestamptz",
        "DATE" => "date",
        "TIME" => "time",
        "DOUBLE" | "DOUBLE PRECISION" | "REAL" | "FLOAT" | "FLOAT8" => "float",
        "NUMERIC" | "DECIMAL" => "numeric",
        "BLOB" | "BINARY" | "BYTEA" | "" => "blob",
        "UUID" => "uuid",
        "JSON" | "JSONB" => "json",
        _ => return format!("unknown SQLite type {declared}"),
    }
    .to_string()
}

#[derive(QueryableByName)]
struct SqliteTableRow {
    #[diesel(sql_type = Text)]
    table_name: String,
}

#[derive(QueryableByName)]
struct SqliteColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    declared_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    /// Position in the primary key from 1; 0 when not in it.
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndexRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    /// `c`: CREATE INDEX; `u`: a UNIQUE constraint; `pk`: the primary key.
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Bool)]
    is_partial: bool,
    /// NULL for an expression.
    #[diesel(sql_type = Nullable<Text>)]
    column_name: Option<String>,
}

/// The user tables: not SQLite's own (`sqlite_sequence`, `sqlite_stat1`, …) nor diesel's.
const SQLITE_TABLES: &str = "FROM sqlite_schema m WHERE m.type = 'table' \
     AND substr(m.name, 1, 7) <> 'sqlite_' AND m.name <> '__diesel_schema_migrations'";

fn introspect_sqlite(path: &Path) -> Schema {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open SQLite");
    let mut schema = Schema::new();
    let tables: Vec<SqliteTableRow> =
        diesel::sql_query(format!("SELECT m.name AS table_name {SQLITE_TABLES}"))
            .load(&mut conn)
            .expect("list SQLite tables");
    for t in tables {
        schema.insert(t.table_name, Table::default());
    }

    let columns: Vec<SqliteColumnRow> = diesel::sql_query(format!(
        "SELECT m.name AS table_name, c.name AS column_name, c.type AS declared_type, \
         c.\"notnull\" AS not_null, c.pk AS pk \
         FROM sqlite_schema m JOIN pragma_table_info(m.name) c \
         WHERE m.rowid IN (SELECT m.rowid {SQLITE_TABLES}) ORDER BY m.name, c.cid"
    ))
    .load(&mut conn)
    .expect("read SQLite columns");
    let mut pk_positions: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
    for c in &columns {
        let table = schema.get_mut(&c.table_name).expect("a listed table");
        let column = Column {
            class: sqlite_class(&c.declared_type),
            nullable: !c.not_null,
        };
        table.columns.insert(c.column_name.clone(), column);
        if c.pk > 0 {
            let pk = pk_positions.entry(c.table_name.clone()).or_default();
            pk.push((c.pk, c.column_name.clone()));
        }
    }
    for (name, mut pk) in pk_positions {
        pk.sort();
        let table = schema.get_mut(&name).expect("a listed table");
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        // A lone INTEGER PRIMARY KEY is the rowid: never NULL, whatever was declared.
        if let [only] = table.primary_key.as_slice() {
            let rowid = columns.iter().any(|c| {
                c.table_name == name
                    && &c.column_name == only
                    && c.declared_type.eq_ignore_ascii_case("INTEGER")
            });
            if rowid {
                table.columns.get_mut(only).expect("pk column").nullable = false;
            }
        }
    }

    let index_rows: Vec<SqliteIndexRow> = diesel::sql_query(format!(
        "SELECT m.name AS table_name, l.name AS index_name, l.\"unique\" AS is_unique, \
         l.origin AS origin, l.partial AS is_partial, i.name AS column_name \
         FROM sqlite_schema m JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i \
         WHERE m.rowid IN (SELECT m.rowid {SQLITE_TABLES}) ORDER BY m.name, l.name, i.seqno"
    ))
    .load(&mut conn)
    .expect("read SQLite indexes");
    let mut indexes: BTreeMap<(String, String), (Index, String)> = BTreeMap::new();
    for r in index_rows {
        let entry = indexes
            .entry((r.table_name, r.index_name))
            .or_insert_with(|| {
                let index = Index {
                    columns: Vec::new(),
                    unique: r.is_unique,
                    partial: r.is_partial,
                };
                (index, r.origin)
            });
        let column = r.column_name.unwrap_or_else(|| "<expression>".into());
        entry.0.columns.push(column);
    }
    for ((table_name, index_name), (index, origin)) in indexes {
        let table = schema.get_mut(&table_name).expect("a listed table");
        add_index(table, index_name, index, origin == "c", origin == "pk");
    }
    schema
}

/// Files an index under the table: as a named index when it was created by name, and as a
/// uniqueness rule when it is unique and not the primary key's.
fn add_index(table: &mut Table, name: String, index: Index, named: bool, primary: bool) {
    if index.unique && !primary {
        let mut rule = format!("({})", index.columns.join(", "));
        if index.partial {
            rule.push_str(" [partial]");
        }
        table.uniques.insert(rule);
    }
    if named {
        table.indexes.insert(name, index);
    }
}

/// A fresh SQLite file, migrated; returns its path and the migrations applied.
fn migrated_sqlite(dir: &Path) -> (PathBuf, Vec<String>) {
    let path = dir.join("parity.db");
    let applied = db::migrate(&DbOptions::new(path.to_string_lossy().into_owned()))
        .expect("the SQLite migrations apply to a fresh file");
    (path, applied)
}

// --- PostgreSQL ---------------------------------------------------------------------------

/// The common class of a PostgreSQL column type (`information_schema.columns.data_type`).
fn postgres_class(data_type: &str, udt_name: &str) -> String {
    match data_type {
        "integer" | "smallint" => "integer",
        "bigint" => "bigint",
        "text" | "character varying" | "character" => "text",
        "boolean" => "bool",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        "date" => "date",
        "time without time zone" => "time",
        "double precision" | "real" => "float",
        "numeric" => "numeric",
        "bytea" => "blob",
        // Not folded into `text`: schema.rs declares ids `Text` on both backends (UUIDs stored
        // as text), and a PostgreSQL `uuid` column would not read as `Text`.
        "uuid" => "uuid",
        "json" | "jsonb" => "json",
        _ => return format!("unknown PostgreSQL type {data_type} ({udt_name})"),
    }
    .to_string()
}

#[derive(QueryableByName)]
struct PgTableRow {
    #[diesel(sql_type = Text)]
    table_name: String,
}

#[derive(QueryableByName)]
struct PgColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    udt_name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct PgIndexRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    is_primary: bool,
    #[diesel(sql_type = Bool)]
    is_partial: bool,
    /// Made for a PRIMARY KEY, UNIQUE or EXCLUDE constraint rather than by CREATE INDEX.
    #[diesel(sql_type = Bool)]
    from_constraint: bool,
    /// NULL for an expression.
    #[diesel(sql_type = Nullable<Text>)]
    column_name: Option<String>,
}

fn introspect_postgres(url: &str) -> Schema {
    let mut conn = PgConnection::establish(url).expect("connect to the PostgreSQL database");
    let mut schema = Schema::new();
    let tables: Vec<PgTableRow> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .expect("list PostgreSQL tables");
    for t in tables {
        schema.insert(t.table_name, Table::default());
    }

    let columns: Vec<PgColumnRow> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
         c.data_type::text AS data_type, c.udt_name::text AS udt_name, \
         c.is_nullable = 'YES' AS nullable \
         FROM information_schema.columns c \
         WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position",
    )
    .load(&mut conn)
    .expect("read PostgreSQL columns");
    for c in columns {
        // Views and diesel's own table are not in the list.
        if let Some(table) = schema.get_mut(&c.table_name) {
            let column = Column {
                class: postgres_class(&c.data_type, &c.udt_name),
                nullable: c.nullable,
            };
            table.columns.insert(c.column_name, column);
        }
    }

    // pg_index has every index, those behind PRIMARY KEY and UNIQUE constraints included, so
    // a uniqueness rule counts the same whether declared as a constraint or a unique index.
    let index_rows: Vec<PgIndexRow> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
         ix.indisunique AS is_unique, ix.indisprimary AS is_primary, \
         ix.indpred IS NOT NULL AS is_partial, \
         EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid \
                 AND con.conrelid = ix.indrelid AND con.contype IN ('p', 'u', 'x')) \
             AS from_constraint, \
         a.attname::text AS column_name \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = current_schema() AND t.relkind = 'r' \
         AND k.ord <= ix.indnkeyatts \
         ORDER BY t.relname, i.relname, k.ord",
    )
    .load(&mut conn)
    .expect("read PostgreSQL indexes");
    type Entry = (Index, bool, bool);
    let mut indexes: BTreeMap<(String, String), Entry> = BTreeMap::new();
    for r in index_rows {
        let entry = indexes
            .entry((r.table_name, r.index_name))
            .or_insert_with(|| {
                let index = Index {
                    columns: Vec::new(),
                    unique: r.is_unique,
                    partial: r.is_partial,
                };
                (index, r.from_constraint, r.is_primary)
            });
        let column = r.column_name.unwrap_or_else(|| "<expression>".into());
        entry.0.columns.push(column);
    }
    for ((table_name, index_name), (index, from_constraint, primary)) in indexes {
        // Only diesel's table is left out here.
        let Some(table) = schema.get_mut(&table_name) else {
            continue;
        };
        if primary {
            table.primary_key = index.columns.clone();
        }
        add_index(table, index_name, index, !from_constraint, primary);
    }
    schema
}

/// A new, empty PostgreSQL database beside `TEST_DATABASE_URL`'s, dropped when this is.
/// (The helpers' per-test databases are copies of an already migrated template; this test
/// needs one that its own `db::migrate` call migrates from nothing.)
struct ThrowawayPg {
    admin_url: String,
    name: String,
    url: String,
}

impl ThrowawayPg {
    fn create(admin_url: &str) -> ThrowawayPg {
        let name = format!("ke_parity_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(admin_url).expect("TEST_DATABASE_URL is reachable");
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))
            .expect("create a throwaway database");
        ThrowawayPg {
            url: pg_url(admin_url, &name),
            admin_url: admin_url.to_string(),
            name,
        }
    }

    /// Migrated with the service's own function; returns the migrations applied.
    fn migrate(&self) -> Vec<String> {
        db::migrate(&DbOptions::new(self.url.clone()))
            .expect("the PostgreSQL migrations apply to a fresh database")
    }
}

impl Drop for ThrowawayPg {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            if let Err(e) = admin.batch_execute(&drop) {
                eprintln!("could not drop the throwaway database {}: {e}", self.name);
            }
        }
    }
}

// --- schema.rs ----------------------------------------------------------------------------

/// The common class of a diesel SQL type as written in schema.rs (`Text`, `BigInt`, …).
fn diesel_class(sql_type: &str) -> String {
    let base = sql_type.rsplit("::").next().unwrap_or(sql_type).trim();
    match base {
        "Text" | "VarChar" => "text",
        "Integer" | "Int4" | "SmallInt" | "Int2" => "integer",
        "BigInt" | "Int8" => "bigint",
        "Bool" => "bool",
        "Timestamp" => "timestamp",
        "Timestamptz" | "TimestamptzSqlite" => "timestamptz",
        "Date" => "date",
        "Time" => "time",
        "Double" | "Float8" | "Float" | "Float4" => "float",
        "Numeric" => "numeric",
        "Binary" | "Bytea" | "Blob" => "blob",
        "Uuid" => "uuid",
        "Json" | "Jsonb" => "json",
        _ => return format!("unknown diesel type {sql_type}"),
    }
    .to_string()
}

/// The `#[sql_name = "…"]` of an attribute line, if it is one.
fn sql_name(line: &str) -> Option<String> {
    let rest = line
        .strip_prefix("#[sql_name")?
        .trim_start()
        .strip_prefix('=')?;
    Some(
        rest.trim()
            .trim_end_matches(']')
            .trim()
            .trim_matches('"')
            .to_string(),
    )
}

/// Reads the `diesel::table!` declarations of schema.rs text with a line scanner: tables by
/// their SQL name, with columns (class, nullability) and primary key. No indexes.
fn parse_schema_rs(text: &str) -> Schema {
    let mut schema = Schema::new();
    let mut lines = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty());
    while let Some(line) = lines.next() {
        if !line.starts_with("diesel::table!") && !line.starts_with("table!") {
            continue;
        }
        let mut table_sql_name = None;
        let header = loop {
            let l = lines.next().expect("a table! declaration has a header");
            if let Some(n) = sql_name(l) {
                table_sql_name = Some(n);
            } else if !l.starts_with("#[") {
                break l;
            }
        };
        // `name (pk, …) {` or `name {` (the key is then `id`); maybe `schema.name`.
        let head = header.trim_end_matches('{').trim();
        let (rust_name, pk) = match head.split_once('(') {
            Some((n, keys)) => {
                let keys = keys.trim_end_matches(')');
                let pk = keys.split(',').map(|k| k.trim().trim_start_matches("r#"));
                (
                    n.trim(),
                    pk.filter(|k| !k.is_empty()).map(String::from).collect(),
                )
            }
            None => (head, vec!["id".to_string()]),
        };
        let rust_name = rust_name.rsplit('.').next().unwrap_or(rust_name);
        let mut table = Table::default();
        let mut column_sql_name = None;
        let mut renamed = BTreeMap::new();
        for l in lines.by_ref() {
            if l.starts_with('}') {
                break;
            }
            if let Some(n) = sql_name(l) {
                column_sql_name = Some(n);
                continue;
            }
            if l.starts_with("#[") {
                continue;
            }
            let (name, ty) = l
                .split_once("->")
                .unwrap_or_else(|| panic!("schema.rs: not a column line in `{rust_name}`: {l}"));
            let rust_col = name.trim().trim_start_matches("r#").to_string();
            let col = column_sql_name.take().unwrap_or_else(|| rust_col.clone());
            renamed.insert(rust_col, col.clone());
            let ty = ty.trim().trim_end_matches(',').trim();
            let (nullable, inner) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (true, inner.trim_end_matches('>')),
                None => (false, ty),
            };
            let column = Column {
                class: diesel_class(inner),
                nullable,
            };
            table.columns.insert(col, column);
        }
        table.primary_key = pk
            .into_iter()
            .map(|k: String| renamed.get(&k).cloned().unwrap_or(k))
            .collect();
        let name = table_sql_name.unwrap_or_else(|| rust_name.to_string());
        schema.insert(name, table);
    }
    schema
}

fn schema_rs() -> Schema {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db/schema.rs");
    let text = std::fs::read_to_string(&path).expect("read src/db/schema.rs");
    let schema = parse_schema_rs(&text);
    assert!(
        schema.len() >= 10 && schema.values().all(|t| !t.columns.is_empty()),
        "the scanner read schema.rs's tables: {:?}",
        schema.keys().collect::<Vec<_>>()
    );
    schema
}

/// SQLite stores every integer in up to 64 bits whatever the declared type, and diesel reads
/// `Integer` and `BigInt` from either: against SQLite the two are one class.
fn sqlite_storage(class: &str) -> &str {
    if class == "bigint" { "integer" } else { class }
}

fn same(class: &str) -> &str {
    class
}

fn migration_names(tree: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(tree);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|d| d.unwrap())
        .filter(|d| d.path().join("up.sql").exists())
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .collect()
}

// --- The tests ----------------------------------------------------------------------------

#[test]
fn both_backends_migrate_to_the_same_tables_columns_and_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let (sqlite_path, sqlite_applied) = migrated_sqlite(dir.path());
    let sqlite = introspect_sqlite(&sqlite_path);
    assert!(
        sqlite.len() >= 10,
        "SQLite has the tables: {:?}",
        sqlite.keys().collect::<Vec<_>>()
    );

    let Some(base) = test_backend_url() else {
        println!(
            "migration_parity: TEST_DATABASE_URL is not set, so SQLite is NOT compared with \
             PostgreSQL here; the cross-backend comparison runs in the PostgreSQL pass \
             (TEST_DATABASE_URL=postgres://…). Checking the SQLite side alone."
        );
        // What can be checked without PostgreSQL: both trees hold the same migrations and
        // SQLite applied them all; every SQLite column has a type the comparison knows; and
        // every primary-key column is NOT NULL, as PostgreSQL makes it (SQLite lets a
        // non-INTEGER primary key hold NULL unless the migration says NOT NULL).
        let (sqlite_tree, postgres_tree) = (migration_names("sqlite"), migration_names("postgres"));
        let mut problems: Vec<String> = sqlite_tree
            .symmetric_difference(&postgres_tree)
            .map(|m| format!("migration {m} is in one tree only"))
            .collect();
        if sqlite_applied.len() != sqlite_tree.len() {
            problems.push(format!(
                "SQLite applied {} migrations of {}",
                sqlite_applied.len(),
                sqlite_tree.len()
            ));
        }
        for (table_name, table) in &sqlite {
            for (col, c) in &table.columns {
                if c.class.starts_with("unknown") {
                    problems.push(format!("`{table_name}`.`{col}`: {}", c.class));
                }
                if c.nullable && table.primary_key.contains(col) {
                    problems.push(format!("`{table_name}`.`{col}`: primary key but nullable"));
                }
            }
            if table.primary_key.is_empty() {
                problems.push(format!("`{table_name}` has no primary key"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        return;
    };

    let pg = ThrowawayPg::create(&base);
    let postgres_applied = pg.migrate();
    let postgres = introspect_postgres(&pg.url);
    let mut found = diff(&sqlite, &postgres, true, same);
    if sqlite_applied != postgres_applied {
        found.push(Difference {
            what: "migrations applied".into(),
            left: sqlite_applied.join(", "),
            right: postgres_applied.join(", "),
        });
    }
    assert_no_differences(found, KNOWN_DIFFERENCES, "sqlite", "postgres");
}

/// The queries are written against schema.rs: each of its tables must exist with those
/// columns (type class, nullability) and that key after migrating, and the database must
/// have no table or column schema.rs does not know.
#[test]
fn schema_rs_matches_the_migrated_tables_columns_and_primary_keys() {
    let declared = schema_rs();

    let dir = tempfile::tempdir().unwrap();
    let (sqlite_path, _) = migrated_sqlite(dir.path());
    let sqlite = introspect_sqlite(&sqlite_path);
    let found = diff(&declared, &sqlite, false, sqlite_storage);
    assert_no_differences(found, &[], "schema.rs", "sqlite");

    if let Some(base) = test_backend_url() {
        let pg = ThrowawayPg::create(&base);
        pg.migrate();
        let postgres = introspect_postgres(&pg.url);
        let found = diff(&declared, &postgres, false, same);
        assert_no_differences(found, &[], "schema.rs", "postgres");
    } else {
        println!(
            "migration_parity: TEST_DATABASE_URL is not set; schema.rs is checked against \
             SQLite only, against PostgreSQL in the PostgreSQL pass."
        );
    }
}

/// The scanner behind the schema.rs check reads what diesel's `table!` allows beyond the
/// plain form: renamed tables and columns, raw identifiers, doc comments, default keys.
#[test]
fn schema_rs_scanner_reads_renames_nullable_types_and_keys() {
    let text = r#"
        diesel::table! {
            /// A comment.
            #[sql_name = "things"]
            thing (r#type, code) {
                #[sql_name = "type"]
                r#type -> Text,
                code -> diesel::sql_types::BigInt, // trailing comment
                /// Doc.
                seen_at -> Nullable<Timestamp>,
            }
        }

        diesel::table! {
            plain {
                id -> Integer,
            }
        }
    "#;
    let schema = parse_schema_rs(text);
    assert_eq!(schema.keys().collect::<Vec<_>>(), ["plain", "things"]);
    let things = &schema["things"];
    assert_eq!(things.primary_key, ["type", "code"]);
    let col = |name: &str| things.columns[name].clone();
    assert_eq!(
        col("type"),
        Column {
            class: "text".into(),
            nullable: false
        }
    );
    assert_eq!(
        col("code"),
        Column {
            class: "bigint".into(),
            nullable: false
        }
    );
    assert_eq!(
        col("seen_at"),
        Column {
            class: "timestamp".into(),
            nullable: true
        }
    );
    assert_eq!(schema["plain"].primary_key, ["id"]);
}
