//! Fulfilment exactly once: the one fulfilment function ([`fulfil`]), the outbox that delivers
//! each record to the merchant at least once ([`outbox`], [`sink`]), reconciliation for lost
//! signals ([`reconcile`]), the record itself ([`purchase`]) and the tasks that run them
//! ([`workers`]).

pub mod error;
pub mod fulfil;
pub mod outbox;
pub mod purchase;
pub mod reconcile;
pub mod sink;
pub mod workers;

pub use error::{DeliveryError, FulfilmentError};
pub use fulfil::{event_payload, Fulfilments, Outcome, Source};
pub use sink::{Delivery, DeliveryFuture, FulfilmentSink, HttpSink};
