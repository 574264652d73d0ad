//! The library demo's round trip through the reference server:
//! `cargo run -p checkout-bridge-server --example server_demo`.
//!
//! Starts the Stripe emulator and this server in-process (SQLite in a temporary file, the demo's
//! app token, a policy that allows the demo's purchase), then runs the same round trip as
//! `cargo run --example demo` with the app client in backend mode: the app holds only its user's
//! bearer token, the server holds the (emulator's) Stripe key and checks every request against
//! its policy. The app side is the library demo's own code (examples/demo/), so the two demos
//! cannot drift apart; this file adds only the server.

use std::process::ExitCode;

use checkout_bridge::{ClientConfig, Credential};
use checkout_bridge_emulator::Emulator;
use checkout_bridge_server::{spawn, token_hash, RunningServer, Secrets, ServerConfig};

// The library demo's files; it uses all of them, this demo not every flag or peer.
#[allow(dead_code)]
#[path = "../../examples/demo/cli.rs"]
mod cli;
#[path = "../../examples/demo/hosted_page.rs"]
mod hosted_page;
#[allow(dead_code)]
#[path = "../../examples/demo/problem.rs"]
mod problem;
#[path = "../../examples/demo/round_trip.rs"]
mod round_trip;

use problem::{Peer, Problem};
use round_trip::{report, DEMO_APP_TOKEN, RETURN_BASE};

const USAGE: &str = "\
usage: cargo run -p checkout-bridge-server --example server_demo [-- --pay-later | --cancel]

The checkout round trip through the reference server: app client (backend mode, a bearer token)
→ checkout-bridge-server (the Stripe key, the policy) → the built-in Stripe emulator, all on
127.0.0.1 in this process. Prints `outcome: Paid` (or the outcome of the button pressed).

  --pay-later     press \"Pay later\" (a delayed payment method): outcome Processing
  --cancel        press \"Cancel\": outcome Canceled
  -h, --help      this text

Without the server: cargo run --example demo";

#[tokio::main]
async fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = match cli::parse(std::env::args().skip(1), USAGE, false) {
        Ok(args) => args,
        Err(code) => return code,
    };
    match run(args.button).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => problem.report(),
    }
}

async fn run(button: cli::Button) -> Result<(), Problem> {
    let emu = Emulator::start().await.map_err(|e| {
        Problem::internal(format!(
            "Could not start the built-in Stripe emulator on 127.0.0.1: {e}."
        ))
    })?;
    println!("emulator listening on {}", emu.base_url());
    let server = start_server(&emu).await?;
    println!(
        "server listening on {} (holds the Stripe key; the app has a bearer token)",
        server.base_url()
    );
    let config = ClientConfig::new(Credential::backend(DEMO_APP_TOKEN)).with_base_url(server.base_url());
    let result = round_trip::run(config, &Peer::Server(server.base_url()), button).await?;
    report(&result);
    Ok(())
}

/// The reference backend, pointed at the emulator, allowing this demo's purchase.
async fn start_server(emu: &Emulator) -> Result<RunningServer, Problem> {
    let database = std::env::temp_dir().join(format!("checkout-bridge-demo-{}.db", std::process::id()));
    let config = ServerConfig::from_toml(&format!(
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
allowed = ["{RETURN_BASE}"]
"#,
        emu.base_url(),
        database.display(),
        token_hash(DEMO_APP_TOKEN),
    ))
    .map_err(|e| Problem::internal(format!("The demo's server configuration was refused: {e}.")))?;
    let secrets = Secrets {
        stripe_secret_key: "sk_test_demo_server".into(),
        webhook_secret: None,
        fulfilment_secret: None,
    };
    spawn(config, secrets).await.map_err(|e| {
        Problem::new(
            format!("The reference server did not start: {e}."),
            format!("Check that {} can be created (TMPDIR, else /tmp).", database.display()),
        )
    })
}
