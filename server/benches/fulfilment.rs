//! Fulfilment figures (issue 13), on loopback, against the emulator as Stripe and a merchant
//! endpoint that verifies each signature:
//!
//! 1. payment → merchant latency via the webhook (the test signs and posts the
//!    `checkout.session.completed` event the moment the session is paid, as Stripe would; Stripe's
//!    own dispatch delay is not in the figure), p50 and p99;
//! 2. the same via reconciliation only (no webhook, no app): with `reconcile_interval_ms` = 1000
//!    and no doubling, sessions paid at random moments;
//! 3. fulfilments per second one instance delivers to a merchant answering in 50 ms: a backlog
//!    drained by the outbox (at the default 16 attempts in flight, and at 64), and end to end
//!    (webhooks in, deliveries out).
//!
//! SQLite always; PostgreSQL too when `CHECKOUT_BRIDGE_TEST_DATABASE_URL` is set
//! (`export CHECKOUT_BRIDGE_TEST_DATABASE_URL=$(scripts/postgres.sh)`).
//!
//! Run: `cargo bench -p checkout-bridge-server --bench fulfilment` (without `--bench`, e.g. under
//! `cargo test --benches`, a quick pass with small counts).

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use checkout_bridge_server::fulfilment::purchase::{Purchase, PurchaseSource};
use checkout_bridge_server::store::ledger::NewDelivery;
use checkout_bridge_server::{spawn, RunningServer, Secrets, ServerConfig};
use support::*;

fn secrets() -> Secrets {
    Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: Some(WHSEC.into()),
        fulfilment_secret: Some(FULFILMENT_SECRET.into()),
    }
}

async fn server(emu: &Emulator, db: &str, merchant: Option<&Merchant>, extra: &str) -> RunningServer {
    let mut lines = format!("outbox_poll_interval_ms = 200\n{extra}");
    if let Some(m) = merchant {
        lines.push_str(&format!("fulfilment_url = \"{}\"\n", m.url()));
    }
    let config = ServerConfig::from_toml(&config_toml(&emu.base_url(), db, &lines)).expect("config");
    spawn(config, secrets()).await.expect("server")
}

fn app(base: &str) -> Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::backend(ALICE)).with_base_url(base.to_owned());
    c.max_retries = 0;
    CheckoutClient::new(c).expect("client")
}

fn params() -> CreateSessionParams {
    simple_checkout_params(SimpleCheckout {
        amount: 1999,
        currency: "usd".into(),
        name: "Gems".into(),
        description: None,
        success_url: Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into()),
        cancel_url: Some("myapp://checkout/cancel".into()),
        customer_email: None,
    })
}

fn pct(v: &mut [Duration], q: f64) -> Duration {
    v.sort();
    v.get(((v.len().max(1) - 1) as f64 * q).round() as usize)
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// When the merchant first got each key.
fn arrivals(m: &Merchant) -> std::collections::HashMap<String, Instant> {
    let mut out = std::collections::HashMap::new();
    for r in m.received() {
        out.entry(r.key).or_insert(r.at);
    }
    out
}

async fn via_webhook(emu: &Emulator, db: &str, n: usize) {
    let merchant = Merchant::start(Mode::Ok(Duration::ZERO)).await;
    let srv = server(emu, db, Some(&merchant), "reconcile_interval_ms = 0\n").await;
    let alice = app(&srv.base_url());
    let http = http();
    let mut paid = Vec::with_capacity(n);
    for _ in 0..n {
        let s = alice.create_session(params()).await.expect("create");
        assert!(emu.complete_session(&s.id, true));
        let body = event("checkout.session.completed", emu.session_json(&s.id).expect("json"));
        let t0 = Instant::now();
        assert_eq!(deliver_webhook(&http, &srv.base_url(), &body).await, 200);
        let key = format!("ful_{}", s.id);
        merchant
            .wait_for(Duration::from_secs(30), "the delivery", |r| {
                r.iter().any(|x| x.key == key)
            })
            .await;
        paid.push((key, t0));
    }
    srv.shutdown().await;
    let got = arrivals(&merchant);
    let mut lat: Vec<Duration> = paid.iter().map(|(k, t0)| got[k] - *t0).collect();
    println!(
        "  via webhook, {n} sessions one at a time: p50 {:.1} ms, p99 {:.1} ms",
        ms(pct(&mut lat, 0.5)),
        ms(pct(&mut lat, 0.99))
    );
}

async fn via_reconciliation(emu: &Emulator, db: &str, n: usize) {
    let merchant = Merchant::start(Mode::Ok(Duration::ZERO)).await;
    let srv = server(
        emu,
        db,
        Some(&merchant),
        // The budget (default 600 checks a minute per instance) would spread 300 sessions due
        // every second over 30 s; this measures the interval's bound, so it is lifted.
        "reconcile_interval_ms = 1000\nreconcile_max_interval_ms = 1000\nreconcile_max_checks_per_minute = 1000000\n",
    )
    .await;
    let alice = app(&srv.base_url());
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        ids.push(alice.create_session(params()).await.expect("create").id);
    }
    // Pay each at a random moment in the next three seconds: a uniform phase against the checks.
    let emu_url = emu.base_url();
    let http = http();
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let delay = Duration::from_millis(u64::from(rand_u16()) % 3000);
        let (http, emu_url) = (http.clone(), emu_url.clone());
        tasks.spawn(async move {
            tokio::time::sleep(delay).await;
            let r = http
                .post(format!("{emu_url}/_emulator/sessions/{id}/complete"))
                .body("{}")
                .send()
                .await
                .expect("complete");
            assert!(r.status().is_success());
            (format!("ful_{id}"), Instant::now())
        });
    }
    let paid = tasks.join_all().await;
    merchant
        .wait_for(Duration::from_secs(30), "every delivery", |r| keys(r).len() >= n)
        .await;
    srv.shutdown().await;
    let got = arrivals(&merchant);
    let mut lat: Vec<Duration> = paid
        .iter()
        .map(|(k, t0)| got[k].saturating_duration_since(*t0))
        .collect();
    println!(
        "  via reconciliation only (interval 1000 ms, no doubling), {n} sessions: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        ms(pct(&mut lat, 0.5)),
        ms(pct(&mut lat, 0.99)),
        ms(pct(&mut lat, 1.0))
    );
}

fn keys(r: &[Received]) -> std::collections::HashSet<&str> {
    r.iter().map(|x| x.key.as_str()).collect()
}

fn rand_u16() -> u16 {
    let k = rid();
    u16::from_str_radix(&k[..4], 16).unwrap_or(0)
}

/// A backlog of `n` fulfilments written straight into the ledger, then drained by one
/// instance against a merchant answering in 50 ms.
async fn drain(emu: &Emulator, db: &str, n: usize, concurrency: usize) {
    {
        let filler = server(emu, db, None, "reconcile_interval_ms = 0\n").await;
        let ledger = filler.state.fulfilments.ledger().clone();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..n {
            let ledger = ledger.clone();
            tasks.spawn(async move {
                let id = format!("cs_bench_{}_{i}", &rid()[..8]);
                let p = Purchase {
                    session_id: id.clone(),
                    user: "alice".into(),
                    mode: CheckoutMode::Payment,
                    payment_status: PaymentStatus::Paid,
                    currency: Some("usd".into()),
                    amount_total: Some(1999),
                    amount_subtotal: Some(1999),
                    payment_intent: Some(format!("pi_{id}")),
                    subscription: None,
                    customer: None,
                    customer_email: None,
                    metadata: Default::default(),
                    line_items: vec![],
                    livemode: false,
                    fulfilled_at: support::now(),
                    source: PurchaseSource::Webhook,
                    amount_refunded: 0,
                    refunded: false,
                    disputed: false,
                    updated_at: support::now(),
                };
                let key = format!("ful_{id}");
                let payload =
                    checkout_bridge_server::fulfilment::event_payload(&key, "purchase.fulfilled", &p, p.fulfilled_at);
                ledger
                    .record_fulfilment(
                        &p,
                        &NewDelivery {
                            key,
                            kind: "purchase.fulfilled".into(),
                            payload,
                        },
                    )
                    .await
                    .expect("record");
            });
        }
        tasks.join_all().await;
        filler.shutdown().await;
    }
    let merchant = Merchant::start(Mode::Ok(Duration::from_millis(50))).await;
    let started = Instant::now();
    let srv = server(
        emu,
        db,
        Some(&merchant),
        &format!("reconcile_interval_ms = 0\nfulfilment_concurrency = {concurrency}\n"),
    )
    .await;
    let deadline = started + Duration::from_secs(300);
    loop {
        let c = srv.state.fulfilments.ledger().counts().await.expect("counts");
        if c.pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "drain did not finish");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let wall = started.elapsed();
    srv.shutdown().await;
    println!(
        "  outbox drain, {n} fulfilments, {concurrency} in flight, merchant 50 ms: {:.0}/s ({:.2} s; ceiling {:.0}/s)",
        n as f64 / wall.as_secs_f64(),
        wall.as_secs_f64(),
        concurrency as f64 / 0.05
    );
}

/// Webhooks in at full speed (32 senders), deliveries out to a 50 ms merchant.
async fn end_to_end(emu: &Emulator, db: &str, n: usize) {
    let merchant = Merchant::start(Mode::Ok(Duration::from_millis(50))).await;
    // 32 senders and the app's pooled connections on one loopback address: over the
    // per-address connection cap (default 32),
    // which a deployment's TLS proxy (in `trusted_proxies`) is exempt from.
    let srv = server(
        emu,
        db,
        Some(&merchant),
        "reconcile_interval_ms = 0\nmax_connections_per_address = 64\n",
    )
    .await;
    let alice = app(&srv.base_url());
    let mut bodies = Vec::with_capacity(n);
    for _ in 0..n {
        let s = alice.create_session(params()).await.expect("create");
        assert!(emu.complete_session(&s.id, true));
        bodies.push(event(
            "checkout.session.completed",
            emu.session_json(&s.id).expect("json"),
        ));
    }
    let http = http();
    let base = srv.base_url();
    let slots = Arc::new(tokio::sync::Semaphore::new(32));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for body in bodies {
        let (http, base, slots) = (http.clone(), base.clone(), slots.clone());
        tasks.spawn(async move {
            let _p = slots.acquire_owned().await.expect("slot");
            assert_eq!(deliver_webhook(&http, &base, &body).await, 200);
        });
    }
    tasks.join_all().await;
    let webhooks_done = started.elapsed();
    merchant
        .wait_for(Duration::from_secs(300), "every delivery", |r| {
            r.iter().filter(|x| x.answered == Some(200)).count() >= n
        })
        .await;
    let wall = started.elapsed();
    srv.shutdown().await;
    println!(
        "  end to end, {n} webhooks (32 senders) → merchant 50 ms, 16 in flight: {:.0} fulfilments/s ({:.2} s; webhooks answered in {:.2} s)",
        n as f64 / wall.as_secs_f64(),
        wall.as_secs_f64(),
        webhooks_done.as_secs_f64()
    );
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if std::env::var_os("BENCH_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let quick = !std::env::args().any(|a| a == "--bench");
    let (n_latency, n_reconcile, n_drain, n_e2e) = if quick {
        (10, 10, 100, 50)
    } else {
        (300, 300, 3000, 1000)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let emu = Emulator::start().await.expect("emulator");
        let mut dbs = vec![("SQLite", sqlite_url())];
        // The tests' PostgreSQL: the URL from the environment, or a throwaway cluster.
        if let Some(db) = fresh_postgres().await {
            dbs.push(("PostgreSQL", db));
        }
        for (name, db) in &dbs {
            if !only.is_empty() && !name.eq_ignore_ascii_case(&only) {
                continue;
            }
            println!("{name}:");
            via_webhook(&emu, db, n_latency).await;
            via_reconciliation(&emu, db, n_reconcile).await;
            drain(&emu, db, n_drain, 16).await;
            drain(&emu, db, n_drain, 64).await;
            end_to_end(&emu, db, n_e2e).await;
        }
        for (_, db) in &dbs {
            drop_postgres(db).await;
        }
    });
}
