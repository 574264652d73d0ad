//! What the library costs over a bare HTTP client: create + retrieve against the emulator
//! through `CheckoutClient`, against the same two requests sent with a bare reqwest client in
//! the same process, interleaved round by round. Prints the median ratio.
//!
//! Run: `cargo bench --bench overhead` (target: ratio ≤ 1.10).

use std::time::{Duration, Instant};

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;

const ROUNDS: usize = 15;
const PER_ROUND: usize = 200;
const KEY: &str = "sk_test_bench";

fn params() -> CreateSessionParams {
    simple_checkout_params(SimpleCheckout {
        amount: 1999,
        currency: "usd".into(),
        name: "Bench T-shirt".into(),
        description: Some("Same body for both clients".into()),
        success_url: Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into()),
        cancel_url: Some("myapp://checkout/cancel".into()),
        customer_email: None,
    })
}

async fn library(client: &CheckoutClient) {
    let s = client.create_session(params()).await.expect("create");
    let r = client.retrieve_session(s.id).await.expect("retrieve");
    std::hint::black_box(r);
}

async fn bare(http: &reqwest::Client, base: &str) {
    let body = encode_create_params(&params());
    let created = http
        .post(format!("{base}/v1/checkout/sessions"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("stripe-version", PINNED_STRIPE_VERSION)
        .header("idempotency-key", new_idempotency_key().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let v: serde_json::Value = serde_json::from_slice(&created).expect("json");
    let id = v["id"].as_str().expect("id").to_owned();
    let got = http
        .get(format!("{base}/v1/checkout/sessions/{id}"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("stripe-version", PINNED_STRIPE_VERSION)
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let v: serde_json::Value = serde_json::from_slice(&got).expect("json");
    std::hint::black_box(v);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    // The library configures its own TLS; the plain reqwest client used here needs a process-wide provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run one quick round then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let (rounds, per_round) = if quick { (1, 5) } else { (ROUNDS, PER_ROUND) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // STRIPE_EMULATOR_URL points at an emulator process (as the Kotlin bench uses), so the
        // Rust and Kotlin figures can be compared under the same conditions.
        let emu = Emulator::start().await.expect("emulator");
        let base = std::env::var("STRIPE_EMULATOR_URL").unwrap_or_else(|_| emu.base_url());
        println!("emulator: {base}");
        let client = CheckoutClient::new(ClientConfig::new(Credential::secret_key(KEY)).with_base_url(base.clone()))
            .expect("client");
        let http = reqwest::Client::builder().build().expect("bare client");
        for _ in 0..per_round.min(50) {
            library(&client).await;
            bare(&http, &base).await;
        }
        let (mut lib_t, mut bare_t, mut ratios) = (Duration::ZERO, Duration::ZERO, Vec::new());
        for round in 0..rounds {
            // Alternate which side goes first so drift does not favour one.
            let mut times = [Duration::ZERO; 2];
            for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
                let t = Instant::now();
                for _ in 0..per_round {
                    if side == 0 {
                        library(&client).await
                    } else {
                        bare(&http, &base).await
                    }
                }
                times[side] = t.elapsed();
            }
            lib_t += times[0];
            bare_t += times[1];
            ratios.push(times[0].as_secs_f64() / times[1].as_secs_f64());
        }
        let n = (rounds * per_round) as f64;
        println!(
            "create+retrieve via CheckoutClient: {:.1} µs per pair",
            lib_t.as_secs_f64() * 1e6 / n
        );
        println!(
            "create+retrieve via bare reqwest:   {:.1} µs per pair",
            bare_t.as_secs_f64() * 1e6 / n
        );
        println!(
            "ratio (library / bare), median of {rounds} rounds: {:.3}",
            median(ratios)
        );
    });
}
