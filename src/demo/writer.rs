//! Writing generated rows: the tables in foreign-key order, rows encoded for either backend
//! (PostgreSQL `COPY` text, SQLite multi-row `INSERT`), and the writer thread.

use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc;

use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::*;

// ---------------------------------------------------------------------------------------------
// The tables we write, in foreign-key order (a batch is written in this order).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum T {
    Networks,
    Schools,
    Users,
    Assignments,
    Submissions,
    Answers,
    Cases,
    CaseThemes,
    Needs,
    Contacts,
    Consents,
    Referrals,
    ReferralThemes,
    Transitions,
    Outbox,
    Audit,
}

pub(super) const TABLES: [T; 16] = [
    T::Networks,
    T::Schools,
    T::Users,
    T::Assignments,
    T::Submissions,
    T::Answers,
    T::Cases,
    T::CaseThemes,
    T::Needs,
    T::Contacts,
    T::Consents,
    T::Referrals,
    T::ReferralThemes,
    T::Transitions,
    T::Outbox,
    T::Audit,
];

/// The SQL of `SELECT <all columns> FROM <table>`, for the table's name and column order.
macro_rules! with_table {
    ($t:expr, $m:ident) => {
        match $t {
            T::Networks => $m!(networks),
            T::Schools => $m!(schools),
            T::Users => $m!(users),
            T::Assignments => $m!(assignments),
            T::Submissions => $m!(checklist_submissions),
            T::Answers => $m!(checklist_answers),
            T::Cases => $m!(cases),
            T::CaseThemes => $m!(case_themes),
            T::Needs => $m!(case_needs),
            T::Contacts => $m!(case_contacts),
            T::Consents => $m!(case_consents),
            T::Referrals => $m!(referrals),
            T::ReferralThemes => $m!(referral_themes),
            T::Transitions => $m!(referral_transitions),
            T::Outbox => $m!(outbox_events),
            T::Audit => $m!(audit_events),
        }
    };
}

/// `(table name, column names)` in `schema.rs` order, which is also the order of
/// PostgreSQL's `COPY table (all columns)`: rows are written in that order.
pub(super) fn table_columns(t: T) -> (String, Vec<String>) {
    macro_rules! sql {
        ($tab:ident) => {
            diesel::debug_query::<diesel::sqlite::Sqlite, _>(&$tab::table.select($tab::all_columns))
                .to_string()
        };
    }
    let sql = with_table!(t, sql);
    let cols = sql
        .trim_start_matches("SELECT ")
        .split(" FROM ")
        .next()
        .unwrap_or_default();
    let name = sql
        .split(" FROM ")
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches('`')
        .to_string();
    let cols = cols
        .split(", ")
        .map(|c| {
            c.rsplit('.')
                .next()
                .unwrap_or(c)
                .trim_matches('`')
                .to_string()
        })
        .collect();
    (name, cols)
}

pub(super) fn pg_copy(conn: &mut PgConnection, t: T, data: &[u8]) -> QueryResult<usize> {
    use diesel::prelude::ExecuteCopyFromDsl;
    macro_rules! copy {
        ($tab:ident) => {
            diesel::copy_from($tab::table)
                .from_raw_data($tab::table, |w: &mut dyn Write| {
                    w.write_all(data)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                })
                .execute(conn)
        };
    }
    with_table!(t, copy)
}

// ---------------------------------------------------------------------------------------------
// Encoding rows for either backend

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Enc {
    /// PostgreSQL COPY text format.
    Copy,
    /// SQLite SQL literals.
    Sql,
}

pub(super) struct Buf {
    pub(super) data: Vec<u8>,
    pub(super) rows: usize,
}

/// Per-table buffers of encoded rows.
pub(super) struct Rows {
    pub(super) enc: Enc,
    pub(super) bufs: Vec<Buf>,
    pub(super) total: usize,
    pub(super) written: u64,
}

/// One row being written: values in column order.
pub(super) struct Row<'a> {
    pub(super) enc: Enc,
    pub(super) buf: &'a mut Vec<u8>,
    pub(super) first: bool,
}

impl Row<'_> {
    pub(super) fn sep(&mut self) {
        if !self.first {
            self.buf
                .push(if self.enc == Enc::Copy { b'\t' } else { b',' });
        }
        self.first = false;
    }
    pub(super) fn raw(mut self, s: &str) -> Self {
        self.sep();
        self.buf.extend_from_slice(s.as_bytes());
        self
    }
    pub(super) fn null(mut self) -> Self {
        self.sep();
        self.buf.extend_from_slice(if self.enc == Enc::Copy {
            b"\\N"
        } else {
            b"NULL"
        });
        self
    }
    pub(super) fn s(mut self, v: &str) -> Self {
        self.sep();
        match self.enc {
            Enc::Copy => {
                for b in v.bytes() {
                    match b {
                        b'\\' => self.buf.extend_from_slice(b"\\\\"),
                        b'\t' => self.buf.extend_from_slice(b"\\t"),
                        b'\n' => self.buf.extend_from_slice(b"\\n"),
                        b'\r' => self.buf.extend_from_slice(b"\\r"),
                        _ => self.buf.push(b),
                    }
                }
            }
            Enc::Sql => {
                self.buf.push(b'\'');
                for b in v.bytes() {
                    if b == b'\'' {
                        self.buf.push(b'\'');
                    }
                    self.buf.push(b);
                }
                self.buf.push(b'\'');
            }
        }
        self
    }
    pub(super) fn os(self, v: Option<&str>) -> Self {
        match v {
            Some(v) => self.s(v),
            None => self.null(),
        }
    }
    pub(super) fn i(self, v: i64) -> Self {
        self.raw(&v.to_string())
    }
    pub(super) fn oi(self, v: Option<i64>) -> Self {
        match v {
            Some(v) => self.i(v),
            None => self.null(),
        }
    }
    pub(super) fn f(self, v: f64) -> Self {
        self.raw(&format!("{v:.1}"))
    }
    pub(super) fn b(self, v: bool) -> Self {
        let enc = self.enc;
        self.raw(match (enc, v) {
            (Enc::Copy, true) => "t",
            (Enc::Copy, false) => "f",
            (Enc::Sql, true) => "1",
            (Enc::Sql, false) => "0",
        })
    }
    pub(super) fn ob(self, v: Option<bool>) -> Self {
        match v {
            Some(v) => self.b(v),
            None => self.null(),
        }
    }
    /// Timestamps as diesel writes them on SQLite (`%F %T%.f`), so text comparisons agree.
    pub(super) fn ts(self, v: NaiveDateTime) -> Self {
        let s = v.format("%F %T%.f").to_string();
        self.s(&s)
    }
    pub(super) fn ots(self, v: Option<NaiveDateTime>) -> Self {
        match v {
            Some(v) => self.ts(v),
            None => self.null(),
        }
    }
    pub(super) fn d(self, v: NaiveDate) -> Self {
        let s = v.format("%F").to_string();
        self.s(&s)
    }
    pub(super) fn od(self, v: Option<NaiveDate>) -> Self {
        match v {
            Some(v) => self.d(v),
            None => self.null(),
        }
    }
    pub(super) fn t(self, v: NaiveTime) -> Self {
        let s = v.format("%T%.f").to_string();
        self.s(&s)
    }
    pub(super) fn ot(self, v: Option<NaiveTime>) -> Self {
        match v {
            Some(v) => self.t(v),
            None => self.null(),
        }
    }
    pub(super) fn end(self) {
        match self.enc {
            Enc::Copy => self.buf.push(b'\n'),
            Enc::Sql => self.buf.push(b')'),
        }
    }
}

impl Rows {
    pub(super) fn new(enc: Enc) -> Rows {
        Rows {
            enc,
            bufs: TABLES
                .iter()
                .map(|_| Buf {
                    data: Vec::new(),
                    rows: 0,
                })
                .collect(),
            total: 0,
            written: 0,
        }
    }
    pub(super) fn row(&mut self, t: T) -> Row<'_> {
        let i = TABLES.iter().position(|x| *x == t).unwrap_or(0);
        let buf = &mut self.bufs[i];
        if self.enc == Enc::Sql {
            if buf.rows > 0 {
                buf.data.push(b',');
            }
            buf.data.push(b'(');
        }
        buf.rows += 1;
        self.total += 1;
        Row {
            enc: self.enc,
            buf: &mut buf.data,
            first: true,
        }
    }
    /// Takes the buffered rows out as one batch.
    pub(super) fn take(&mut self) -> Vec<(T, Vec<u8>)> {
        self.written += self.total as u64;
        self.total = 0;
        TABLES
            .iter()
            .zip(self.bufs.iter_mut())
            .filter(|(_, b)| b.rows > 0)
            .map(|(t, b)| {
                b.rows = 0;
                (*t, std::mem::take(&mut b.data))
            })
            .collect()
    }
}

/// Writes batches on its own thread, each in one transaction, in table order.
/// One batch: rows of tables, each as its encoded bytes.
pub(super) type Batch = Vec<(T, Vec<u8>)>;

pub(super) struct Writer {
    pub(super) tx: Option<mpsc::SyncSender<Batch>>,
    pub(super) handle: Option<std::thread::JoinHandle<anyhow::Result<DbConn>>>,
}

impl Writer {
    pub(super) fn start(mut conn: DbConn) -> Writer {
        let (tx, rx) = mpsc::sync_channel::<Vec<(T, Vec<u8>)>>(2);
        let handle = std::thread::spawn(move || -> anyhow::Result<DbConn> {
            let names: HashMap<usize, (String, Vec<String>)> = TABLES
                .iter()
                .enumerate()
                .map(|(i, t)| (i, table_columns(*t)))
                .collect();
            for batch in rx {
                crate::db::write_tx(&mut conn, |c| -> anyhow::Result<()> {
                    for (t, data) in &batch {
                        let i = TABLES.iter().position(|x| x == t).unwrap_or(0);
                        let (name, cols) = &names[&i];
                        match c {
                            DbConn::Postgres(pg) => {
                                pg_copy(pg, *t, data)
                                    .with_context(|| format!("COPY into {name}"))?;
                            }
                            DbConn::Sqlite(lite) => {
                                let mut sql =
                                    format!("INSERT INTO {name} ({}) VALUES ", cols.join(", "));
                                sql.push_str(std::str::from_utf8(data)?);
                                lite.batch_execute(&sql)
                                    .with_context(|| format!("INSERT into {name}"))?;
                            }
                        }
                    }
                    Ok(())
                })?;
            }
            Ok(conn)
        });
        Writer {
            tx: Some(tx),
            handle: Some(handle),
        }
    }
    pub(super) fn send(&mut self, batch: Vec<(T, Vec<u8>)>) -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let sent = self.tx.as_ref().map(|tx| tx.send(batch).is_ok());
        if sent != Some(true) {
            // The writer stopped: its error says why.
            return Err(self
                .finish()
                .err()
                .unwrap_or_else(|| anyhow::anyhow!("the database writer stopped unexpectedly")));
        }
        Ok(())
    }
    pub(super) fn finish(&mut self) -> anyhow::Result<DbConn> {
        self.tx.take();
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| anyhow::anyhow!("the database writer panicked"))?,
            None => bail!("the database writer already stopped"),
        }
    }
}
