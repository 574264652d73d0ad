//! Memory as a phone would feel it: resident memory after creating one client, the peak with
//! 1,000 concurrent `wait_for_final_status` calls in flight, and the threads involved.
//!
//! The emulator runs as a separate process so that only the client side is measured:
//! `cargo build --release -p checkout-bridge-emulator && cargo bench --bench memory`
//! (target: peak under 50 MB).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use checkout_bridge::*;

fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

fn emulator_binary() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("STRIPE_EMULATOR_BIN") {
        return p.into();
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    for profile in ["release", "debug"] {
        let p = root.join(profile).join("stripe-emulator");
        if p.exists() {
            return p;
        }
    }
    panic!("build the emulator first: cargo build --release -p checkout-bridge-emulator");
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let waits: usize = if quick { 20 } else { 1000 };
    let mut child = Command::new(emulator_binary())
        .args(["--port", "0", "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start stripe-emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let base = line.trim().rsplit(' ').next().expect("url").to_owned();

    let rss_start = status_kb("VmRSS:");
    let threads_start = threads();
    // Two workers: the size of runtime a phone app would give it.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let threads_runtime = threads();
    rt.block_on(async {
        let client = CheckoutClient::new(
            ClientConfig::new(Credential::secret_key("sk_test_memory")).with_base_url(base.clone()),
        )
        .expect("client");
        let threads_client = threads();
        let rss_client = status_kb("VmRSS:");
        let first = client.create_session(params()).await.expect("create");
        let threads_after_request = threads();
        let mut ids = vec![first.id];
        for _ in 1..waits {
            ids.push(client.create_session(params()).await.expect("create").id);
        }
        let rss_before_waits = status_kb("VmRSS:");
        let client: Arc<CheckoutClient> = client;
        let tasks: Vec<_> = ids
            .into_iter()
            .map(|id| {
                let c = client.clone();
                tokio::spawn(async move { c.wait_for_final_status(id, 3_000).await })
            })
            .collect();
        let mut timeouts = 0;
        for t in tasks {
            if let Ok(Err(CheckoutError::Timeout { .. })) = t.await {
                timeouts += 1;
            }
        }
        println!("rss at start:                         {:>7} KiB", rss_start);
        println!("rss after creating one client:        {:>7} KiB (+{} KiB)", rss_client, rss_client.saturating_sub(rss_start));
        println!("rss before {waits} waits:               {:>7} KiB", rss_before_waits);
        println!("peak rss (VmHWM) with {waits} waits in flight: {:>7} KiB", status_kb("VmHWM:"));
        println!("waits that ended in Timeout (expected all): {timeouts}/{waits}");
        println!(
            "threads: start {threads_start}, with runtime {threads_runtime}, after client {threads_client}, after first request {threads_after_request}"
        );
    });
    drop(child.stdin.take());
    let _ = child.wait();
}

fn params() -> CreateSessionParams {
    simple_checkout_params(SimpleCheckout {
        amount: 1999,
        currency: "usd".into(),
        name: "Memory".into(),
        description: None,
        success_url: Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into()),
        cancel_url: Some("myapp://checkout/cancel".into()),
        customer_email: None,
    })
}
