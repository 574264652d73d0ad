//! Stripe's wire as the server reads it from outside: the create form apps send, and webhook
//! signatures and events.

pub mod create_form;
pub mod webhook;
