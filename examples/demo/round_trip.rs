//! One checkout from start to a verified outcome, as an app runs it: `CheckoutFlow` creates the
//! session and records it as pending in a file store, the customer presses a button on the hosted
//! page, and the link that comes back is handed to `handle_return_url`, which asks Stripe (here,
//! the emulator or the server in front of it) what really happened.

use std::sync::Arc;

use checkout_bridge::*;

use super::cli::Button;
use super::hosted_page;
use super::problem::{Peer, Problem};

/// The return base the demo's flow builds its links under, as an app's custom scheme would be.
pub const RETURN_BASE: &str = "myapp://checkout";

/// The app token the demo's app client presents to a reference server (backend mode).
pub const DEMO_APP_TOKEN: &str = "demo-app-user-token";

/// The demo's purchase: one T-shirt, 19.99 USD.
pub fn params() -> CreateSessionParams {
    let mut p = simple_checkout_params(SimpleCheckout {
        amount: 1999,
        currency: "usd".into(),
        name: "checkout-bridge demo T-shirt".into(),
        description: Some("A round trip through CheckoutFlow".into()),
        success_url: None, // CheckoutFlow builds the return links itself
        cancel_url: None,
        customer_email: Some("demo@example.com".into()),
    });
    p.origin_context = Some(OriginContext::MobileApp);
    p
}

/// Pending checkouts live in a fresh directory, as they would in the app's private files dir.
pub fn store() -> Result<Arc<FileStore>, Problem> {
    let dir = std::env::temp_dir().join(format!("checkout-bridge-demo-{}", std::process::id()));
    FileStore::open(dir.display().to_string()).map_err(|e| Problem::from_checkout(&e, &Peer::Emulator))
}

/// The whole round trip against `peer` with `config`, the customer pressing `button`.
pub async fn run(config: ClientConfig, peer: &Peer, button: Button) -> Result<PaymentResult, Problem> {
    let lib = |e: CheckoutError| Problem::from_checkout(&e, peer);
    let flow =
        CheckoutFlow::new(CheckoutClient::new(config).map_err(lib)?, RETURN_BASE.into(), store()?).map_err(lib)?;
    let pending = flow.start(params()).await.map_err(lib)?;
    println!(
        "started {} ({} {}), recorded as pending",
        pending.session_id,
        fmt_amount(pending.amount_total),
        pending.currency.as_deref().unwrap_or("?")
    );
    println!("opening {}", pending.url);
    let link = hosted_page::press(&pending.url, button).await?;
    println!("customer pressed {:?}; browser hands the app {link}", button.label());
    flow.handle_return_url(link).await.map_err(lib)
}

/// Prints the outcome CheckoutFlow decided from Stripe's own record of the session.
pub fn report(result: &PaymentResult) {
    let s = &result.session;
    println!(
        "verified with Stripe: session {} status={} payment_status={} amount={} {}",
        s.id,
        s.status.as_ref().map_or("none", |x| x.as_str()),
        s.payment_status.as_str(),
        fmt_amount(s.amount_total),
        s.currency.as_deref().unwrap_or("?")
    );
    println!("outcome: {:?}", result.outcome);
}

fn fmt_amount(minor: Option<i64>) -> String {
    minor.map_or("?".into(), |m| format!("{}.{:02}", m / 100, m % 100))
}
