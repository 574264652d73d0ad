//! What one webhook delivery costs to verify, for an honest header and for the worst header an
//! attacker can build, with a typical event body and with the largest body the server reads.
//! Run: `cargo bench -p checkout-bridge-server --bench webhook`.
//!
//! - `normal`: `t=…,v1=…`, as Stripe sends it.
//! - `eight_candidates`: eight `v1` values (the limit), the valid one last.
//! - `worst_accepted`: the most work the parser lets through: a 4 KiB header (the limit) with
//!   8 `v1` values (the limit; the valid one last) and the rest filled with `v0` values.
//! - `oversized`: the attack of issue 11, 400 KiB holding 68,000 `v1` values: refused on its
//!   length.

use std::hint::black_box;

use checkout_bridge_server::wire::webhook::{sign_payload, WebhookVerifier, MAX_HEADER_BYTES, MAX_V1_SIGNATURES};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

const SECRET: &str = "whsec_bench_secret_0123456789";
const T: i64 = 1_800_000_000;

/// A checkout.session.completed event of about `size` bytes.
fn event(size: usize) -> Vec<u8> {
    let mut metadata = serde_json::Map::new();
    let mut i = 0;
    let mut body = Vec::new();
    while body.len() < size {
        metadata.insert(format!("key_{i}"), serde_json::Value::String("v".repeat(40)));
        i += 1;
        body = serde_json::to_vec(&serde_json::json!({
            "id": "evt_1Qbench", "object": "event", "type": "checkout.session.completed",
            "created": T, "livemode": false, "api_version": "2026-07-29",
            "data": {"object": {
                "id": "cs_test_a1b2c3", "object": "checkout.session", "mode": "payment",
                "status": "complete", "payment_status": "paid", "amount_total": 1500,
                "currency": "usd", "client_reference_id": "user_123", "metadata": metadata,
            }}
        }))
        .unwrap_or_default();
    }
    body
}

/// Eight `v1` values, the valid one last, nothing else: the comparisons without the filler.
fn eight_candidates(body: &[u8]) -> String {
    let good = sign_payload(body, SECRET, T);
    let (t, sig) = good.split_once(",v1=").unwrap_or_default();
    format!(
        "{t}{},v1={sig}",
        format!(",v1={}", "0f".repeat(32)).repeat(MAX_V1_SIGNATURES - 1)
    )
}

fn worst_header(body: &[u8]) -> String {
    let good = sign_payload(body, SECRET, T);
    let (t, sig) = good.split_once(",v1=").unwrap_or_default();
    let mut h = t.to_owned();
    for _ in 0..MAX_V1_SIGNATURES - 1 {
        h.push_str(",v1=");
        h.push_str(&"0f".repeat(32));
    }
    h.push_str(",v1=");
    h.push_str(sig);
    while h.len() + 68 <= MAX_HEADER_BYTES {
        h.push_str(",v0=");
        h.push_str(&"ab".repeat(32));
    }
    h
}

fn bench(c: &mut Criterion) {
    let verifier = WebhookVerifier::new(SECRET, 300).unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("webhook_verify");
    for (label, size) in [("3KiB_body", 3 * 1024), ("64KiB_body", 64 * 1024)] {
        let body = event(size);
        let normal = sign_payload(&body, SECRET, T);
        let worst = worst_header(&body);
        let eight = eight_candidates(&body);
        // As many candidates as 400 KiB holds: before the fix each cost an HMAC over the body.
        let oversized = format!("t={T}{}", ",v1=00".repeat(68_000));
        assert!(worst.len() <= MAX_HEADER_BYTES && oversized.len() > 400_000);
        let run = |header: &str| {
            verifier
                .precheck(black_box(header.as_bytes()), T)
                .and_then(|h| verifier.verify(black_box(&body), &h))
        };
        assert!(run(&normal).is_ok() && run(&eight).is_ok() && run(&worst).is_ok() && run(&oversized).is_err());
        g.bench_with_input(BenchmarkId::new("normal", label), &normal, |b, h| b.iter(|| run(h)));
        g.bench_with_input(BenchmarkId::new("eight_candidates", label), &eight, |b, h| {
            b.iter(|| run(h))
        });
        g.bench_with_input(BenchmarkId::new("worst_accepted", label), &worst, |b, h| {
            b.iter(|| run(h))
        });
        g.bench_with_input(BenchmarkId::new("oversized", label), &oversized, |b, h| {
            b.iter(|| run(h))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
