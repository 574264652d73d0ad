//! Links that open the app.

pub mod config;
pub mod return_page;
pub mod well_known;
