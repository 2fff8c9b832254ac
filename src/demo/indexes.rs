//! Secondary indexes dropped for the load and rebuilt after it (PostgreSQL).

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::{DbConn, DbOptions};

/// The non-unique indexes of the tables demo-data fills, on PostgreSQL: dropped before the load
/// and rebuilt after it (one sort each instead of millions of index insertions). Primary keys,
/// unique indexes, foreign keys and checks stay in force throughout. Should the load fail, the
/// indexes are rebuilt all the same (on a new connection) when this is dropped.
pub(super) struct SecondaryIndexes {
    pub(super) db: DbOptions,
    pub(super) defs: Vec<(String, String)>,
}

#[derive(diesel::QueryableByName)]
pub(super) struct IndexDef {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(super) indexname: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(super) indexdef: String,
}

impl SecondaryIndexes {
    const TABLES: &'static str = "'cases', 'case_themes', 'case_needs', 'case_contacts', \
        'case_consents', 'referrals', 'referral_themes', 'referral_transitions', 'outbox_events', \
        'audit_events', 'checklist_submissions', 'checklist_answers'";

    pub(super) fn drop(conn: &mut DbConn, db: &DbOptions) -> anyhow::Result<SecondaryIndexes> {
        let mut defs = Vec::new();
        if let DbConn::Postgres(pg) = conn {
            let rows: Vec<IndexDef> = diesel::sql_query(format!(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                 AND tablename IN ({}) AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%' ORDER BY indexname",
                Self::TABLES
            ))
            .load(pg)?;
            for r in rows {
                pg.batch_execute(&format!("DROP INDEX \"{}\"", r.indexname))?;
                defs.push((r.indexname, r.indexdef));
            }
        }
        Ok(SecondaryIndexes {
            db: db.clone(),
            defs,
        })
    }

    pub(super) fn rebuild(&mut self, conn: &mut DbConn) -> anyhow::Result<()> {
        if let DbConn::Postgres(pg) = conn {
            pg.batch_execute("SET maintenance_work_mem = '256MB'")?;
            while let Some((name, def)) = self.defs.first() {
                pg.batch_execute(def)
                    .with_context(|| format!("rebuilding index {name}"))?;
                self.defs.remove(0);
            }
        }
        Ok(())
    }
}

impl Drop for SecondaryIndexes {
    fn drop(&mut self) {
        if self.defs.is_empty() {
            return;
        }
        let rebuilt = crate::db::establish(&self.db)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .and_then(|mut c| self.rebuild(&mut c));
        if let Err(e) = rebuilt {
            eprintln!("demo-data: could not rebuild the indexes it dropped: {e:#}");
            for (_, def) in &self.defs {
                eprintln!("  {def};");
            }
        }
    }
}
