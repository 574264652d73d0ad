//! Versioned migrations: the schema is a numbered list of SQL scripts, applied in order at start,
//! each once, in a transaction with the row that records it in `checkout_bridge_schema`. The
//! server refuses a database whose schema is newer than it knows (an older binary started after
//! a newer one migrated) and one it could not bring up to its own version.
//!
//! Instances starting together are serialised: SQLite by `BEGIN IMMEDIATE` (one writer), PostgreSQL
//! by a transaction-scoped advisory lock, so two instances never apply the same migration.
//!
//! Why not a migration crate: refinery (the maintained one with rusqlite and tokio-postgres
//! drivers) runs on a connection of its own making per driver, pins its own rusqlite range
//! (a second bundled SQLite when it differs from ours), keeps no lock across instances starting
//! together on PostgreSQL, and adds proc-macros to embed the files. What is needed here is one
//! table, one loop and one lock per backend; the scripts are plain SQL both backends read alike
//! (`TEXT`, `BIGINT`, `BOOLEAN`, partial indexes), kept in `store/migrations/`.
//!
//! A new migration is one more file and one more entry in [`MIGRATIONS`], never an edit of an
//! applied one: databases in the field have run it already.

use crate::store::db::Db;
use crate::store::error::StoreError;

/// One schema change.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Its number: 1, 2, … in order, no gaps.
    pub version: i64,
    /// What it does, in a few words (recorded with it).
    pub name: &'static str,
    /// The statements, separated by `;`.
    pub sql: &'static str,
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "baseline: events, return links, sessions, fulfilments, outbox",
        sql: include_str!("migrations/0001_baseline.sql"),
    },
    Migration {
        version: 2,
        name: "sessions: seen_at, open sessions per user",
        sql: include_str!("migrations/0002_open_sessions_and_signs_of_life.sql"),
    },
];

/// The schema version this binary runs on: the last migration's.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS checkout_bridge_schema (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// Advisory lock key serialising migrations across instances ("cb_schem").
#[cfg(feature = "postgres")]
const MIGRATION_LOCK: i64 = 0x6362_5f73_6368_656d;

/// What [`migrate`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migrated {
    /// The version found before.
    pub from: i64,
    /// The version now ([`SCHEMA_VERSION`]).
    pub to: i64,
}

/// Brings the database to [`SCHEMA_VERSION`], or refuses it.
///
/// # Errors
///
/// [`StoreError::SchemaTooNew`], a failed migration (then nothing of it was applied), or the
/// database's error.
pub async fn migrate(db: &Db) -> Result<Migrated, StoreError> {
    migrate_with(db, MIGRATIONS).await
}

/// [`migrate`] with a given list (tests add a later version to see a newer schema refused).
pub(crate) async fn migrate_with(db: &Db, migrations: &'static [Migration]) -> Result<Migrated, StoreError> {
    let now = crate::base::clock::unix_now();
    let done = match db {
        #[cfg(feature = "sqlite")]
        Db::Sqlite(_) => {
            db.with_sqlite_writer(move |c| {
                let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                tx.execute_batch(VERSION_TABLE)?;
                let found: i64 = tx.query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM checkout_bridge_schema",
                    [],
                    |r| r.get(0),
                )?;
                check_version_in(found, migrations)?;
                for m in migrations.iter().filter(|m| m.version > found) {
                    tx.execute_batch(m.sql).map_err(|e| StoreError::Migration {
                        version: m.version,
                        name: m.name,
                        reason: e.to_string(),
                    })?;
                    tx.execute(
                        "INSERT INTO checkout_bridge_schema (version, name, applied_at) VALUES (?1, ?2, ?3)",
                        rusqlite::params![m.version, m.name, now],
                    )?;
                }
                tx.commit()?;
                Ok(found)
            })
            .await?
        }
        #[cfg(feature = "postgres")]
        Db::Postgres(_) => {
            let mut client = db.postgres_session().await?;
            let tx = client.transaction().await?;
            tx.execute(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"), &[])
                .await?;
            tx.batch_execute(VERSION_TABLE).await?;
            let found: i64 = tx
                .query_one(
                    "SELECT COALESCE(MAX(version), 0)::BIGINT FROM checkout_bridge_schema",
                    &[],
                )
                .await?
                .try_get(0)?;
            check_version_in(found, migrations)?;
            for m in migrations.iter().filter(|m| m.version > found) {
                tx.batch_execute(m.sql).await.map_err(|e| StoreError::Migration {
                    version: m.version,
                    name: m.name,
                    reason: crate::store::error::describe(&e),
                })?;
                tx.execute(
                    "INSERT INTO checkout_bridge_schema (version, name, applied_at) VALUES ($1, $2, $3)",
                    &[&m.version, &m.name, &now],
                )
                .await?;
            }
            tx.commit().await?;
            found
        }
    };
    let to = migrations.last().map_or(0, |m| m.version);
    let now_at = version(db).await?;
    if now_at != to {
        return Err(StoreError::SchemaTooOld {
            found: now_at,
            needed: to,
        });
    }
    if done != to {
        tracing::info!(from = done, to, "database schema migrated");
    }
    Ok(Migrated { from: done, to })
}

fn check_version_in(found: i64, migrations: &[Migration]) -> Result<(), StoreError> {
    let known = migrations.last().map_or(0, |m| m.version);
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    Ok(())
}

/// The version recorded in the database (0 before any migration).
///
/// # Errors
///
/// The database's error.
pub async fn version(db: &Db) -> Result<i64, StoreError> {
    let v = db
        .read(
            "SELECT COALESCE(MAX(version), 0) FROM checkout_bridge_schema",
            vec![],
            |r| r.get::<i64>(0),
        )
        .await?;
    Ok(v.first().copied().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i64::try_from(i).unwrap_or(-1) + 1, "{}", m.name);
        }
        assert!(check_version_in(SCHEMA_VERSION, MIGRATIONS).is_ok());
        assert!(matches!(
            check_version_in(SCHEMA_VERSION + 1, MIGRATIONS),
            Err(StoreError::SchemaTooNew { .. })
        ));
    }
}
