//! The whole round trip, end to end.
//!
//! `cargo run --example demo` starts the Stripe emulator in-process, starts a checkout with
//! `CheckoutFlow` (session created, pending checkout recorded in a file store), pays through the
//! emulator's hosted page over HTTP the way a browser would, hands the redirect link to
//! `handle_return_url` and prints the outcome verified with Stripe. `-- --pay-later` and
//! `-- --cancel` press the other buttons; `-- --via-server` runs app client (backend mode) →
//! reference server → emulator; `-- --server URL` uses a reference server already running there
//! (with this demo's app token configured; scripts/ops-check.sh does that).
//!
//! With `STRIPE_SECRET_KEY=sk_test_…` it runs against Stripe's test mode instead: it prints the
//! Checkout URL to open in a browser and waits on a loopback listener for the redirect.

use std::error::Error;
use std::time::Duration;

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;

type Res<T> = Result<T, Box<dyn Error>>;

#[tokio::main]
async fn main() -> Res<()> {
    // The library configures its own TLS; the plain reqwest client used here needs a process-wide provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match std::env::var("STRIPE_SECRET_KEY") {
        Ok(key) if !key.is_empty() => with_stripe(key).await,
        _ => with_emulator().await,
    }
}

fn params() -> CreateSessionParams {
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
fn store() -> Res<std::sync::Arc<FileStore>> {
    let dir = std::env::temp_dir().join(format!("checkout-bridge-demo-{}", std::process::id()));
    Ok(FileStore::open(dir.display().to_string())?)
}

async fn with_emulator() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Which button the "customer" presses: Pay (default), "Pay later" or Cancel.
    let button = if args.iter().any(|a| a == "--pay-later") {
        "Pay later"
    } else if args.iter().any(|a| a == "--cancel") {
        "Cancel"
    } else {
        "Pay"
    };
    let emu = Emulator::start().await?;
    println!("emulator listening on {}", emu.base_url());
    // Direct mode holds a (test) key in the client; --via-server puts the reference backend in
    // between, as a production app would: the app holds only its user's bearer token.
    let running = args
        .iter()
        .position(|a| a == "--server")
        .and_then(|i| args.get(i + 1).cloned());
    let (_server, config) = if let Some(url) = running {
        println!("using the server at {url}");
        let token = Credential::backend(DEMO_APP_TOKEN);
        (None, ClientConfig::new(token).with_base_url(url))
    } else if args.iter().any(|a| a == "--via-server") {
        let server = start_server(&emu).await?;
        println!(
            "server listening on {} (holds the Stripe key; the app has a bearer token)",
            server.base_url()
        );
        let config = ClientConfig::new(Credential::backend(DEMO_APP_TOKEN)).with_base_url(server.base_url());
        (Some(server), config)
    } else {
        let key = Credential::secret_key("sk_test_demo");
        (None, ClientConfig::new(key).with_base_url(emu.base_url()))
    };
    let flow = CheckoutFlow::new(CheckoutClient::new(config)?, "myapp://checkout".into(), store()?)?;

    let pending = flow.start(params()).await?;
    println!(
        "started {} ({} {}), recorded as pending",
        pending.session_id,
        fmt_amount(pending.amount_total),
        pending.currency.as_deref().unwrap_or("?")
    );
    println!("opening {}", pending.url);

    // The "browser": load the page, submit one of its forms, read the redirect without
    // following it (a custom scheme is for the app, not for HTTP).
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = browser.get(&pending.url).send().await?.text().await?;
    let action = form_action(&page, button).ok_or("the hosted page has the form")?;
    let resp = browser
        .post(url::Url::parse(&pending.url)?.join(&action)?)
        .send()
        .await?;
    let link = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("the form redirects")?
        .to_owned();
    println!("customer pressed {button:?}; browser hands the app {link}");
    report(flow.handle_return_url(link).await?)
}

const DEMO_APP_TOKEN: &str = "demo-app-user-token";

/// The reference backend, pointed at the emulator, allowing this demo's purchase.
async fn start_server(emu: &Emulator) -> Res<checkout_bridge_server::RunningServer> {
    let config = checkout_bridge_server::ServerConfig::from_toml(&format!(
        r#"
listen = "127.0.0.1:0"
upstream_base_url = "{}"
database_url = "sqlite://{}"
[[app_tokens]]
user = "demo-user"
sha256 = "{}"
[policy.prices]
allow_inline = true
allow_product_data = true
max_amount = {{ usd = 100000 }}
[policy.return_urls]
allowed = ["myapp://checkout"]
"#,
        emu.base_url(),
        std::env::temp_dir()
            .join(format!("checkout-bridge-demo-{}.db", std::process::id()))
            .display(),
        checkout_bridge_server::token_hash(DEMO_APP_TOKEN),
    ))?;
    let secrets = checkout_bridge_server::Secrets {
        stripe_secret_key: "sk_test_demo_server".into(),
        webhook_secret: None,
        fulfilment_secret: None,
    };
    Ok(checkout_bridge_server::spawn(config, secrets).await?)
}

async fn with_stripe(key: String) -> Res<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let client = CheckoutClient::new(ClientConfig::new(Credential::secret_key(&key)))?;
    let flow = CheckoutFlow::new(client, format!("http://127.0.0.1:{port}/checkout"), store()?)?;
    let pending = flow.start(params()).await?;
    println!(
        "Open this URL in a browser and pay with test card 4242 4242 4242 4242:\n\n  {}\n",
        pending.url
    );
    println!("waiting up to 10 minutes for the redirect to http://127.0.0.1:{port}/checkout/ …");
    let path = tokio::time::timeout(Duration::from_secs(600), wait_for_redirect(listener)).await??;
    report(flow.handle_return_url(format!("http://127.0.0.1:{port}{path}")).await?)
}

/// Accepts one browser request on the loopback listener and returns its path and query.
async fn wait_for_redirect(listener: tokio::net::TcpListener) -> Res<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut sock, _) = listener.accept().await?;
    let mut buf = vec![0u8; 8192];
    let n = sock.read(&mut buf).await?;
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let body = "You can close this tab and return to the terminal.";
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(resp.as_bytes()).await?;
    Ok(path)
}

/// Prints the outcome CheckoutFlow decided from Stripe's own record of the session.
fn report(result: PaymentResult) -> Res<()> {
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
    Ok(())
}

/// The `action` of the form whose button reads `label`.
fn form_action(html: &str, label: &str) -> Option<String> {
    html.split("<form").skip(1).find_map(|form| {
        let end = form.find("</form>")?;
        let form = &form[..end];
        if !form.contains(&format!(">{label}</button>")) {
            return None;
        }
        let start = form.find("action=\"")? + "action=\"".len();
        let len = form[start..].find('"')?;
        Some(form[start..start + len].replace("&amp;", "&"))
    })
}

fn fmt_amount(minor: Option<i64>) -> String {
    minor.map_or("?".into(), |m| format!("{}.{:02}", m / 100, m % 100))
}
