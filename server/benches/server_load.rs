//! Load through the reference server: 500 concurrent creates from one app client (backend
//! mode) through the server to the emulator on loopback, against the same 500 sent directly to
//! the emulator. Prints throughput, p50/p99 latency, errors, and the proxy's added latency.
//!
//! Run: `cargo bench -p checkout-bridge-server --bench server_load`

use std::sync::Arc;
use std::time::{Duration, Instant};

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;

const TOKEN: &str = "load-test-app-token";

fn params() -> CreateSessionParams {
    simple_checkout_params(SimpleCheckout {
        amount: 1999,
        currency: "usd".into(),
        name: "Load".into(),
        description: None,
        success_url: Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into()),
        cancel_url: Some("myapp://checkout/cancel".into()),
        customer_email: None,
    })
}

/// Fires `n` creates at once; returns (wall time, sorted latencies, errors).
async fn burst(client: &Arc<CheckoutClient>, n: usize) -> (Duration, Vec<Duration>, usize) {
    let start = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                let r = c.create_session(params()).await;
                (t.elapsed(), r.is_ok())
            })
        })
        .collect();
    let mut lat = Vec::with_capacity(n);
    let mut errors = 0;
    for t in tasks {
        match t.await {
            Ok((d, true)) => lat.push(d),
            _ => errors += 1,
        }
    }
    lat.sort();
    (start.elapsed(), lat, errors)
}

fn pct(v: &[Duration], q: f64) -> Duration {
    v.get(((v.len().max(1) - 1) as f64 * q) as usize)
        .copied()
        .unwrap_or_default()
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let quick = !std::env::args().any(|a| a == "--bench");
    let (n, rounds) = if quick { (20, 1) } else { (500, 5) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let emu = Emulator::start().await.expect("emulator");
        let config = checkout_bridge_server::ServerConfig::from_toml(&format!(
            "listen = \"127.0.0.1:0\"\nupstream_base_url = \"{}\"\ndatabase_url = \"sqlite://{}\"\nrate_limit_per_minute = 1000000\naddress_rate_limit_per_minute = 1000000\nmax_open_sessions_per_user = 1000000\nmax_connections_per_address = 1024\n\
             [[app_tokens]]\nuser = \"load\"\nsha256 = \"{}\"\n[policy.prices]\nallow_inline = true\nallow_product_data = true\nmax_amount = {{ usd = 100000 }}\n\
             [policy.return_urls]\nallowed = [\"myapp://checkout\"]\n",
            emu.base_url(),
            std::env::temp_dir().join(format!("cb-load-{}.db", std::process::id())).display(),
            checkout_bridge_server::token_hash(TOKEN)
        ))
        .expect("config");
        let secrets = checkout_bridge_server::Secrets { stripe_secret_key: "sk_test_load".into(), webhook_secret: None, fulfilment_secret: None };
        let server = checkout_bridge_server::spawn(config, secrets).await.expect("server");
        let client = |base: String, cred: std::sync::Arc<Credential>| {
            let mut c = ClientConfig::new(cred).with_base_url(base);
            c.max_retries = 0;
            c.timeout_ms = 30_000;
            CheckoutClient::new(c).expect("client")
        };
        let via = client(server.base_url(), Credential::backend(TOKEN));
        let direct = client(emu.base_url(), Credential::secret_key("sk_test_load"));
        // Warm-up: open the connection pools.
        let _ = burst(&via, n.min(50)).await;
        let _ = burst(&direct, n.min(50)).await;
        for round in 0..rounds {
            for (name, c) in [("via server", &via), ("direct   ", &direct)] {
                let (wall, lat, errors) = burst(c, n).await;
                println!(
                    "round {round} {name}: {n} concurrent creates in {:>7.1} ms = {:>6.0}/s, p50 {:>6.1} ms, p99 {:>6.1} ms, errors {errors}",
                    wall.as_secs_f64() * 1e3,
                    n as f64 / wall.as_secs_f64(),
                    pct(&lat, 0.5).as_secs_f64() * 1e3,
                    pct(&lat, 0.99).as_secs_f64() * 1e3,
                );
            }
        }
        // Unloaded: the proxy's added latency for one request at a time.
        let mut v = Vec::new();
        let mut d = Vec::new();
        for _ in 0..if quick { 5 } else { 200 } {
            let t = Instant::now();
            via.create_session(params()).await.expect("via");
            v.push(t.elapsed());
            let t = Instant::now();
            direct.create_session(params()).await.expect("direct");
            d.push(t.elapsed());
        }
        v.sort();
        d.sort();
        println!(
            "sequential create: via server p50 {:.0} µs, direct p50 {:.0} µs, added by the proxy {:.0} µs",
            pct(&v, 0.5).as_secs_f64() * 1e6,
            pct(&d, 0.5).as_secs_f64() * 1e6,
            (pct(&v, 0.5).as_secs_f64() - pct(&d, 0.5).as_secs_f64()) * 1e6
        );
    });
}
