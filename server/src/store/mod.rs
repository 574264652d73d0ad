//! The one persistence layer: one database (SQLite for one instance, PostgreSQL for several),
//! opened once ([`Store::open`]), its schema brought to this binary's version by versioned
//! migrations ([`migrations`]), and every table behind a typed view of it:
//!
//! | table | view | what |
//! |---|---|---|
//! | `checkout_events` | [`EventLog`] | Stripe's checkout events, once per event ID |
//! | `checkout_return_links` | [`ReturnLinks`] | which session each return link's state belongs to |
//! | `checkout_sessions`, `checkout_fulfilments`, `checkout_outbox` | [`Ledger`] | the session registry, fulfilments and their deliveries |
//! | `checkout_bridge_schema` | [`migrations`] | the migrations applied |
//!
//! Queries are written once for both backends ([`db`]). The cargo features `sqlite` and
//! `postgres` (both on by default) choose which backends are compiled in.

pub mod db;
pub mod error;
pub mod events;
pub mod ledger;
pub mod migrations;
#[cfg(feature = "postgres")]
pub mod pg_tls;
pub mod return_links;

pub use self::error::StoreError;
pub use self::events::{EventLog, StoredEvent};
pub use self::ledger::{Ledger, NewDelivery};
pub use self::return_links::ReturnLinks;

use self::db::Db;

/// The server's database, with its schema at [`migrations::SCHEMA_VERSION`]. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Connects to `sqlite://PATH` or `postgres://…` (TLS by `sslmode`, [`pg_tls`]) and migrates
    /// the schema to this binary's version.
    ///
    /// # Errors
    ///
    /// The connection failing, a schema newer than this binary knows
    /// ([`StoreError::SchemaTooNew`]), or a migration failing.
    pub async fn open(database_url: &str) -> Result<Self, StoreError> {
        let db = Db::connect(database_url).await?;
        migrations::migrate(&db).await?;
        Ok(Store { db })
    }

    /// The webhook event log.
    pub fn events(&self) -> EventLog {
        EventLog::new(self.db.clone())
    }

    /// The session registry, fulfilments and outbox.
    pub fn ledger(&self) -> Ledger {
        Ledger::new(self.db.clone())
    }

    /// The return links' states.
    pub fn return_links(&self) -> ReturnLinks {
        ReturnLinks::new(self.db.clone())
    }

    /// The schema version recorded in the database.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        migrations::version(&self.db).await
    }

    /// Whether the database answers (`SELECT 1`), for `/readyz`.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.read("SELECT 1", vec![], |r| r.get::<i64>(0)).await.map(drop)
    }

    /// Whether this is the shared PostgreSQL store.
    pub fn is_postgres(&self) -> bool {
        self.db.is_postgres()
    }
}
