//! The whole round trip, end to end: `cargo run --example demo`.
//!
//! Starts the Stripe emulator in-process, starts a checkout with `CheckoutFlow` (session created,
//! pending checkout recorded in a file store), pays through the emulator's hosted page over HTTP
//! the way a browser would, hands the redirect link to `handle_return_url` and prints the outcome
//! verified with Stripe. With `STRIPE_SECRET_KEY=sk_test_…` it runs against Stripe's test mode
//! instead: it prints the Checkout URL to open in a browser and waits on a loopback listener for
//! the redirect. The same round trip through the reference server is
//! `cargo run -p checkout-bridge-server --example server_demo` (server/examples/server_demo.rs,
//! which shares these files).

mod cli;
mod hosted_page;
mod problem;
mod round_trip;

use std::process::ExitCode;
use std::time::Duration;

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;

use cli::Args;
use problem::{Peer, Problem};
use round_trip::{report, DEMO_APP_TOKEN};

const USAGE: &str = "\
usage: cargo run --example demo [-- [--pay-later | --cancel] [--server URL]]

The checkout round trip on the built-in Stripe emulator (no account, no network): start a
checkout, press a button on the hosted page, verify the outcome with Stripe. Prints
`outcome: Paid` (or the outcome of the button pressed).

  --pay-later     press \"Pay later\" (a delayed payment method): outcome Processing
  --cancel        press \"Cancel\": outcome Canceled
  --server URL    go through a reference server already running at URL, which must list the
                  demo's app token (scripts/ops-check.sh shows the configuration)
  -h, --help      this text

Environment: STRIPE_SECRET_KEY=sk_test_… runs against Stripe's test mode instead (no options):
open the printed URL, pay with 4242 4242 4242 4242, and the demo reads the redirect on a
loopback port. Through a server started in-process:
cargo run -p checkout-bridge-server --example server_demo";

#[tokio::main]
async fn main() -> ExitCode {
    // The library configures its own TLS; the plain reqwest client of the hosted page needs a
    // process-wide provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match std::env::var("STRIPE_SECRET_KEY") {
        Ok(key) if !key.is_empty() => {
            if let Some(first) = args.first().filter(|a| !matches!(a.as_str(), "-h" | "--help")) {
                return cli::usage_error(
                    USAGE,
                    &format!("{first}: with STRIPE_SECRET_KEY set you press the buttons yourself, in the browser"),
                );
            }
            match cli::parse(args, USAGE, false) {
                Ok(_) => with_stripe(&key).await,
                Err(code) => return code,
            }
        }
        _ => match cli::parse(args, USAGE, true) {
            Ok(args) => with_emulator(args).await,
            Err(code) => return code,
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => problem.report(),
    }
}

async fn with_emulator(args: Args) -> Result<(), Problem> {
    // Direct mode holds a (test) key in the client; with --server the app holds only its user's
    // bearer token and the server holds the key, as in a production app.
    let (config, peer, _emulator) = match args.server {
        Some(url) => {
            println!("using the server at {url}");
            let config = ClientConfig::new(Credential::backend(DEMO_APP_TOKEN)).with_base_url(url.clone());
            (config, Peer::Server(url), None)
        }
        None => {
            let emu = Emulator::start().await.map_err(|e| {
                Problem::internal(format!(
                    "Could not start the built-in Stripe emulator on 127.0.0.1: {e}."
                ))
            })?;
            println!("emulator listening on {}", emu.base_url());
            let config = ClientConfig::new(Credential::secret_key("sk_test_demo")).with_base_url(emu.base_url());
            (config, Peer::Emulator, Some(emu))
        }
    };
    let result = round_trip::run(config, &peer, args.button).await?;
    report(&result);
    Ok(())
}

async fn with_stripe(key: &str) -> Result<(), Problem> {
    if key.starts_with("sk_live_") || key.starts_with("rk_live_") {
        return Err(Problem::new(
            "STRIPE_SECRET_KEY is a live-mode key; the demo would take a real payment with it.",
            "Use a test-mode secret key (sk_test_…) from the Stripe Dashboard.",
        ));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Problem::internal(format!("Could not listen on 127.0.0.1 for the redirect: {e}.")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Problem::internal(format!("Could not read the redirect listener's port: {e}.")))?
        .port();
    let peer = Peer::Stripe;
    let lib = |e: CheckoutError| Problem::from_checkout(&e, &peer);
    let client = CheckoutClient::new(ClientConfig::new(Credential::secret_key(key))).map_err(lib)?;
    let flow = CheckoutFlow::new(
        client,
        format!("http://127.0.0.1:{port}/checkout"),
        round_trip::store()?,
    )
    .map_err(lib)?;
    let pending = flow.start(round_trip::params()).await.map_err(lib)?;
    println!(
        "Open this URL in a browser and pay with test card 4242 4242 4242 4242:\n\n  {}\n",
        pending.url
    );
    println!("waiting up to 10 minutes for the redirect to http://127.0.0.1:{port}/checkout/ …");
    let path = tokio::time::timeout(Duration::from_secs(600), wait_for_redirect(listener))
        .await
        .map_err(|_| {
            Problem::new(
                "No redirect arrived within 10 minutes.",
                "Open the printed URL in a browser on this machine and pay (or cancel) there; run the demo again for a new session.",
            )
        })??;
    let result = flow
        .handle_return_url(format!("http://127.0.0.1:{port}{path}"))
        .await
        .map_err(lib)?;
    report(&result);
    Ok(())
}

/// Accepts one browser request on the loopback listener and returns its path and query.
async fn wait_for_redirect(listener: tokio::net::TcpListener) -> Result<String, Problem> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let broken = |e: std::io::Error| Problem::internal(format!("The redirect's connection broke: {e}."));
    let (mut sock, _) = listener.accept().await.map_err(broken)?;
    let mut buf = vec![0u8; 8192];
    let n = sock.read(&mut buf).await.map_err(broken)?;
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let body = "You can close this tab and return to the terminal.";
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(resp.as_bytes()).await.map_err(broken)?;
    Ok(path)
}
