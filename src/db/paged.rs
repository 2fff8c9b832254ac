//! A page's `LIMIT` written into the statement, not bound as a parameter.
//!
//! PostgreSQL plans a prepared statement once and reuses that plan only when it expects it to
//! cost no more than one planned for the actual parameters. With `LIMIT $n` it cannot know the
//! limit, assumes a tenth of the table, and so plans every execution anew: for a case list that
//! is most of its CPU time. With the limit written in, the statement is planned once per
//! connection and limit (each page size is its own statement in the cache).

use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// `query LIMIT n`, with `n` written into the SQL. `query` must have no limit of its own.
#[derive(Debug, Clone)]
pub struct Paged<Q> {
    query: Q,
    limit: u32,
}

impl<Q> Paged<Q> {
    /// At most `limit` rows (clamped to 0..=u32::MAX).
    pub fn new(query: Q, limit: i64) -> Self {
        let limit = u32::try_from(limit.max(0)).unwrap_or(u32::MAX);
        Paged { query, limit }
    }
}

impl<Q: Query> Query for Paged<Q> {
    type SqlType = Q::SqlType;
}

// The SQL text differs per limit, so the statement cache must key on the text, not on the type.
impl<Q> QueryId for Paged<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for Paged<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(&format!(" LIMIT {}", self.limit));
        Ok(())
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for Paged<Q> {}

/// `SELECT * FROM ((b₁ LIMIT n) UNION ALL (b₂ LIMIT n) …) AS m ORDER BY m.<key> DESC … LIMIT n`:
/// the first `n` rows of several branches, each already in the order of `key` (descending), as
/// one page in that order. PostgreSQL reads it as a merge of the branches' index scans (`Merge
/// Append`): a page reads about one row per row it returns, plus one per branch. For PostgreSQL
/// only (SQLite allows no `LIMIT` on a member of a compound select). There is at least one
/// branch; the branches share one select list, in which `key` are names.
#[derive(Debug, Clone)]
pub struct MergedPage<Q> {
    branches: Vec<Q>,
    key: &'static [&'static str],
    limit: u32,
}

impl<Q> MergedPage<Q> {
    /// At most `limit` rows of `branches`, newest `key` first (clamped to 0..=u32::MAX).
    pub fn new(branches: Vec<Q>, key: &'static [&'static str], limit: i64) -> Self {
        let limit = u32::try_from(limit.max(0)).unwrap_or(u32::MAX);
        MergedPage {
            branches,
            key,
            limit,
        }
    }
}

impl<Q: Query> Query for MergedPage<Q> {
    type SqlType = Q::SqlType;
}

// One text per number of branches and limit: keyed on the text, as `Paged`.
impl<Q> QueryId for MergedPage<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for MergedPage<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let limit = self.limit;
        out.push_sql("SELECT * FROM (");
        for (i, branch) in self.branches.iter().enumerate() {
            if i > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql("(");
            branch.walk_ast(out.reborrow())?;
            out.push_sql(&format!(" LIMIT {limit})"));
        }
        let order: Vec<String> = self.key.iter().map(|k| format!("m.{k} DESC")).collect();
        out.push_sql(&format!(
            ") AS m ORDER BY {} LIMIT {limit}",
            order.join(", ")
        ));
        Ok(())
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for MergedPage<Q> {}
