//! The HTTP surface.

pub mod auth;
pub mod client_addr;
pub mod error;
pub mod health;
pub mod rate_limit;
pub mod serve;
pub mod sessions;
