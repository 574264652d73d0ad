//! Shared helpers for the integration tests: an emulator per test and clients pointed at it.
#![allow(dead_code)]

use std::sync::Arc;

use checkout_bridge::*;
use checkout_bridge_emulator::{Emulator, Fault, FaultKind};

/// A test key; the tests assert it never shows up in any message.
pub const TEST_KEY: &str = "sk_test_NEVERPRINTME0123456789";

pub async fn emulator() -> Emulator {
    Emulator::start().await.expect("emulator starts on 127.0.0.1")
}

pub fn config(emu: &Emulator) -> ClientConfig {
    let mut c = ClientConfig::new(Credential::SecretKey { key: TEST_KEY.into() }).with_base_url(emu.base_url());
    c.timeout_ms = 5_000;
    c
}

pub fn client(emu: &Emulator) -> Arc<CheckoutClient> {
    CheckoutClient::new(config(emu)).expect("valid config")
}

pub fn client_with(emu: &Emulator, f: impl FnOnce(&mut ClientConfig)) -> Arc<CheckoutClient> {
    let mut c = config(emu);
    f(&mut c);
    CheckoutClient::new(c).expect("valid config")
}

pub fn inline_item(amount: i64, name: &str, quantity: i64) -> LineItemParams {
    LineItemParams::new(LineItemPrice::inline("usd", amount, name), quantity)
}

pub fn payment_params() -> CreateSessionParams {
    let mut p = CreateSessionParams::new(CheckoutMode::Payment);
    p.line_items.push(inline_item(1500, "Coffee beans", 2));
    p.success_url = Some("https://shop.example/success?session_id={CHECKOUT_SESSION_ID}".into());
    p.cancel_url = Some("https://shop.example/cancel".into());
    p
}

pub fn fault(kind: FaultKind, count: u32) -> Fault {
    Fault {
        kind,
        count,
        ..Default::default()
    }
}

pub fn status_fault(status: u16, count: u32) -> Fault {
    Fault {
        kind: FaultKind::Status,
        count,
        status: Some(status),
        ..Default::default()
    }
}

/// How many requests the emulator saw (faulted or not).
pub fn attempts(emu: &Emulator) -> usize {
    emu.requests().len()
}

pub fn assert_no_secret(text: &str) {
    assert!(!text.contains(TEST_KEY), "secret leaked: {text}");
    assert!(!text.contains("NEVERPRINTME"), "secret fragment leaked: {text}");
}

/// A plain HTTP client standing in for the browser (no redirects followed).
pub fn browser() -> reqwest::Client {
    // The library configures its own TLS; a bare reqwest client needs a process-wide provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("browser")
}
