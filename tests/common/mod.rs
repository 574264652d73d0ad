//! Shared helpers for the integration tests: an emulator per test and clients pointed at it.
#![allow(dead_code)]

use std::sync::Arc;

pub mod scenarios;

use checkout_bridge::*;
use checkout_bridge_emulator::{Emulator, Fault, FaultKind};

/// A test key; the tests assert it never shows up in any message.
pub const TEST_KEY: &str = "sk_test_NEVERPRINTME0123456789";

pub async fn emulator() -> Emulator {
    Emulator::start().await.expect("emulator starts on 127.0.0.1")
}

pub fn config(emu: &Emulator) -> ClientConfig {
    let mut c = ClientConfig::new(Credential::secret_key(TEST_KEY)).with_base_url(emu.base_url());
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

/// Serves every connection on 127.0.0.1 with `respond(request_head)`, until the test ends: a
/// server that says exactly what the test wants (headers the emulator cannot send, another
/// session's JSON).
pub async fn raw_server(respond: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let respond = Arc::new(respond);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let respond = respond.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut n = 0;
                // The head is enough: these servers answer without reading a body.
                while n < buf.len() {
                    match sock.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => n += k,
                    }
                    if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let _ = sock.write_all(&respond(&head)).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// An HTTP/1.1 response with `extra` header lines (each ending in `\r\n`) and a JSON body.
pub fn json_response(status: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A checkout a mobile shop sends: two adjustable items with promotion codes, automatic tax,
/// a shipping address in the US or Germany and the emulator's two catalogue shipping rates.
pub fn discounted_taxed_shipped_params() -> CreateSessionParams {
    let mut item = inline_item(1250, "Tea", 2);
    item.adjustable_quantity = Some(AdjustableQuantity {
        enabled: true,
        minimum: Some(1),
        maximum: Some(10),
    });
    if let LineItemPrice::Inline { tax_behavior, .. } = &mut item.price {
        *tax_behavior = Some(TaxBehavior::Exclusive);
    }
    let mut p = CreateSessionParams::new(CheckoutMode::Payment);
    p.line_items.push(item);
    p.allow_promotion_codes = Some(true);
    p.automatic_tax = Some(AutomaticTax {
        enabled: true,
        liable_account: None,
    });
    p.shipping_address_collection = Some(ShippingAddressCollection {
        allowed_countries: vec!["US".into(), "DE".into()],
    });
    p.shipping_options = vec![
        ShippingOption::Rate {
            id: "shr_test_standard".into(),
        },
        ShippingOption::Rate {
            id: "shr_test_express".into(),
        },
    ];
    p
}

/// What the customer of [`discounted_taxed_shipped_params`] pays after choosing 3 items, the
/// code SAVE10 (10 % off the items), express shipping (15.00) and a German address (the
/// emulator's automatic tax: 19 %, exclusive, on items after discount and on shipping):
/// 3 × 12.50 = 37.50; −3.75; +15.00; tax 0.19 × 33.75 = 6.4125 → 6.41 and 0.19 × 15.00 = 2.85.
pub fn expected_receipt() -> Receipt {
    Receipt {
        currency: "usd".into(),
        subtotal: 3750,
        discount: 375,
        shipping: 1500,
        tax: 641 + 285,
        total: 3750 - 375 + 1500 + 641 + 285,
        shipping_rate: Some("shr_test_express".into()),
    }
}
