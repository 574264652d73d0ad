//! `checkout-bridge-server --config server.toml`: the reference backend.
//!
//! The Stripe key comes from `STRIPE_SECRET_KEY` (and the webhook secret from
//! `STRIPE_WEBHOOK_SECRET`), never from the file. Logs go to stderr (`RUST_LOG` filters them;
//! `log_format = "json"` writes one JSON object per line).

use checkout_bridge_server::config::LogFormat;
use checkout_bridge_server::{spawn, Secrets, ServerConfig};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("checkout-bridge-server: {e}");
        std::process::exit(1);
    }
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).with_current_span(false).init(),
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => path = args.next(),
            "--help" | "-h" => {
                println!("usage: checkout-bridge-server --config FILE.toml\n  env: STRIPE_SECRET_KEY (required), STRIPE_WEBHOOK_SECRET, RUST_LOG");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let path = path.ok_or("--config FILE.toml is required")?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let config = ServerConfig::from_toml(&text)?;
    init_logs(config.log_format);
    let server = spawn(config, Secrets::from_env()?).await?;
    tracing::info!(url = %server.base_url(), "listening");
    println!("checkout-bridge-server listening on {}", server.base_url());
    if let Some(m) = server.metrics_url() {
        tracing::info!(url = %m, "metrics");
        println!("checkout-bridge-server metrics on {m}");
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
