//! Persistence.

pub mod db;
pub mod events;
pub mod ledger;
pub mod pg_tls;
pub mod return_links;
