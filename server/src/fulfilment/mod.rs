//! Fulfilment exactly once.

pub mod fulfil;
pub mod outbox;
pub mod purchase;
pub mod reconcile;
