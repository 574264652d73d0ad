//! What can go wrong in the store. Messages never carry the database URL (it may hold a
//! password) or a row's contents.

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `database_url` names neither backend.
    #[error("database_url must start with sqlite:// or postgres://")]
    UnknownScheme,
    /// The SQLite file cannot be opened or set up.
    #[cfg(feature = "sqlite")]
    #[error("cannot open SQLite at {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A SQLite statement failed.
    #[cfg(feature = "sqlite")]
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL statement or connection failed (with its causes, from [`crate::store::pg_tls::describe`]).
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// SQLite's group commit failed, so every write in it did (nothing of them was applied).
    #[error("SQLite commit: {0}")]
    Commit(String),
    /// The PostgreSQL URL or its TLS parameters are not acceptable.
    #[error("{0}")]
    PostgresSettings(String),
    /// The blocking task running a SQLite call ended abnormally (a panic), or the group commit
    /// it waited for did.
    #[error("the database call did not complete")]
    Interrupted,
    /// The database holds a schema newer than this binary knows.
    #[error(
        "the database schema is at version {found}, newer than this binary knows (up to {known}): \
         run the release that migrated it, or restore a backup taken before"
    )]
    SchemaTooNew {
        /// The version recorded in the database.
        found: i64,
        /// The newest version this binary has.
        known: i64,
    },
    /// After migrating, the schema is still older than this binary needs.
    #[error("the database schema is at version {found}; this binary needs {needed}")]
    SchemaTooOld {
        /// The version recorded in the database.
        found: i64,
        /// The version this binary needs.
        needed: i64,
    },
    /// A migration failed (nothing of it was applied).
    #[error("migration {version} ({name}) failed: {reason}")]
    Migration {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// The database's error.
        reason: String,
    },
    /// A row did not have the expected shape (a column's type, a stored record's JSON).
    #[error("unreadable row: {0}")]
    Row(String),
    /// A record could not be encoded for storage.
    #[error("cannot encode the record: {0}")]
    Encode(#[from] serde_json::Error),
    /// A multi-statement transaction was asked of PostgreSQL (its writes are single statements).
    #[error("a multi-statement transaction is for SQLite only")]
    NotSqlite,
    /// This build has no support for the backend the URL names (cargo features `sqlite`, `postgres`).
    #[error("this build has no {0} support (cargo feature `{0}`)")]
    NotBuilt(&'static str),
}

#[cfg(feature = "postgres")]
impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Postgres(describe(&e))
    }
}

/// An error with its causes ("error performing TLS handshake: invalid peer certificate: …");
/// tokio-postgres's own text stops at the first.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
