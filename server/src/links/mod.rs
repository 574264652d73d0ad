//! Links that open the app: the `[links]` configuration ([`config`]), the association files
//! Apple and Google fetch from this domain ([`well_known`]), and the https return page a
//! customer sees when a return link opens in the browser ([`return_page`]).

pub mod config;
pub mod return_page;
pub mod well_known;
