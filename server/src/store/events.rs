//! The webhook event log: the only state the server keeps. Merchants fulfil orders from it.
//!
//! The event ID is the primary key, so a redelivered event is recorded once, and with
//! PostgreSQL that holds across every server instance sharing the database.

use std::sync::{Arc, Mutex};

use crate::wire::webhook::WebhookEvent;

/// Checkout events worth recording; others are acknowledged and ignored.
pub const RECORDED_TYPES: [&str; 4] = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
];

/// Where events are stored.
#[derive(Clone)]
pub enum EventLog {
    /// A local SQLite file (bundled SQLite): one server instance.
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    /// A shared PostgreSQL: several instances behind a load balancer.
    Postgres(Arc<tokio_postgres::Client>),
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS checkout_events (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    session_id TEXT,
    client_reference_id TEXT,
    payment_status TEXT,
    livemode BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    payload TEXT NOT NULL
)";

/// Advisory lock key for creating the schema (any constant unlikely to clash).
const SCHEMA_LOCK: i64 = 0x6362_5f65_7665_6e74; // "cb_event"

/// One stored event (for merchants and tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// `evt_…`
    pub event_id: String,
    /// e.g. `checkout.session.completed`
    pub event_type: String,
    /// The Checkout Session.
    pub session_id: Option<String>,
    /// The app user the session was created for.
    pub client_reference_id: Option<String>,
}

impl EventLog {
    /// Opens `sqlite://path` or `postgres://…` (TLS by `sslmode`, see [`crate::store::pg_tls`]) and
    /// creates the table if needed.
    pub async fn open(database_url: &str) -> Result<Self, String> {
        if let Some(path) = database_url.strip_prefix("sqlite://") {
            let conn = rusqlite::Connection::open(path).map_err(|e| format!("cannot open SQLite at {path}: {e}"))?;
            conn.execute_batch(&format!("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; {SCHEMA};"))
                .map_err(|e| format!("cannot create the events table: {e}"))?;
            Ok(EventLog::Sqlite(Arc::new(Mutex::new(conn))))
        } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            let client = crate::store::pg_tls::connect(database_url).await?;
            // Instances starting together would race in CREATE TABLE IF NOT EXISTS (a unique
            // violation in pg_type): serialise them with a transaction-scoped advisory lock.
            client
                .batch_execute(&format!(
                    "BEGIN; SELECT pg_advisory_xact_lock({SCHEMA_LOCK}); {SCHEMA}; COMMIT;"
                ))
                .await
                .map_err(|e| format!("cannot create the events table: {}", crate::store::pg_tls::describe(&e)))?;
            Ok(EventLog::Postgres(Arc::new(client)))
        } else {
            Err("database_url must start with sqlite:// or postgres://".into())
        }
    }

    /// Records `event` unless its ID is already there; true when it was new.
    pub async fn record(&self, event: &WebhookEvent, payload: &str) -> Result<bool, String> {
        let obj = &event.data.object;
        let field = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let (session_id, reference, payment_status) =
            (field("id"), field("client_reference_id"), field("payment_status"));
        match self {
            EventLog::Sqlite(conn) => {
                let conn = conn.clone();
                let (id, ty, live, created, payload) =
                    (event.id.clone(), event.event_type.clone(), event.livemode, event.created, payload.to_owned());
                tokio::task::spawn_blocking(move || {
                    let c = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    c.execute(
                        "INSERT OR IGNORE INTO checkout_events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        rusqlite::params![id, ty, session_id, reference, payment_status, live, created, crate::base::clock::unix_now(), payload],
                    )
                    .map(|n| n == 1)
                    .map_err(|e| format!("cannot record the event: {e}"))
                })
                .await
                .map_err(|e| format!("event write did not complete: {e}"))?
            }
            EventLog::Postgres(client) => client
                .execute(
                    "INSERT INTO checkout_events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_id) DO NOTHING",
                    &[&event.id, &event.event_type, &session_id, &reference, &payment_status, &event.livemode, &event.created, &crate::base::clock::unix_now(), &payload],
                )
                .await
                .map(|n| n == 1)
                .map_err(|e| format!("cannot record the event: {e}")),
        }
    }

    /// Every stored event, oldest first.
    pub async fn all(&self) -> Result<Vec<StoredEvent>, String> {
        const Q: &str = "SELECT event_id, event_type, session_id, client_reference_id FROM checkout_events ORDER BY received_at, event_id";
        match self {
            EventLog::Sqlite(conn) => {
                let c = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let mut stmt = c.prepare(Q).map_err(|e| e.to_string())?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok(StoredEvent {
                            event_id: r.get(0)?,
                            event_type: r.get(1)?,
                            session_id: r.get(2)?,
                            client_reference_id: r.get(3)?,
                        })
                    })
                    .map_err(|e| e.to_string())?;
                rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
            }
            EventLog::Postgres(client) => Ok(client
                .query(Q, &[])
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .map(|r| StoredEvent {
                    event_id: r.get(0),
                    event_type: r.get(1),
                    session_id: r.get(2),
                    client_reference_id: r.get(3),
                })
                .collect()),
        }
    }
}
