//! The webhook event log (table `checkout_events`): the checkout events Stripe delivered, once
//! per event ID.
//!
//! The event ID is the primary key, so a redelivered event is recorded once, and with
//! PostgreSQL that holds across every server instance sharing the database.

use crate::store::db::{Db, Durability};
use crate::store::error::StoreError;
use crate::wire::webhook::WebhookEvent;

/// Checkout events worth recording; others are acknowledged and ignored.
pub const RECORDED_TYPES: [&str; 4] = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
];

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

/// The event log, in the store's database. Cheap to clone.
#[derive(Clone)]
pub struct EventLog {
    db: Db,
}

impl EventLog {
    /// Over the store's database (its tables are made by [`crate::store::migrations`]).
    pub(crate) fn new(db: Db) -> Self {
        EventLog { db }
    }

    /// Records `event` unless its ID is already there; true when it was new.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn record(&self, event: &WebhookEvent, payload: &str) -> Result<bool, StoreError> {
        let obj = &event.data.object;
        let field = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let inserted = self
            .db
            .write(
                "INSERT INTO checkout_events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                vec![
                    event.id.clone().into(),
                    event.event_type.clone().into(),
                    field("id").into(),
                    field("client_reference_id").into(),
                    field("payment_status").into(),
                    event.livemode.into(),
                    event.created.into(),
                    crate::base::clock::unix_now().into(),
                    payload.to_owned().into(),
                ],
                Durability::Durable,
                |r| r.get::<String>(0),
            )
            .await?;
        Ok(!inserted.is_empty())
    }

    /// Every stored event, oldest first.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn all(&self) -> Result<Vec<StoredEvent>, StoreError> {
        self.db
            .read(
                "SELECT event_id, event_type, session_id, client_reference_id FROM checkout_events
                 ORDER BY received_at, event_id",
                vec![],
                |r| {
                    Ok(StoredEvent {
                        event_id: r.get(0)?,
                        event_type: r.get(1)?,
                        session_id: r.get(2)?,
                        client_reference_id: r.get(3)?,
                    })
                },
            )
            .await
    }
}
