//! The round trip and the store: `start` + `handle_return_url` against the in-process emulator
//! (with the durable file store, fsyncs included), and loading a store of 10,000 pending
//! checkouts. Run: `cargo bench --bench flow`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;

fn params() -> CreateSessionParams {
    simple_checkout_params(SimpleCheckout {
        amount: 1999,
        currency: "usd".into(),
        name: "Bench".into(),
        description: None,
        success_url: None,
        cancel_url: None,
        customer_email: None,
    })
}

fn tmp(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("cb-bench-{tag}-{}", new_idempotency_key().unwrap()))
}

fn report(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let p = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{name}: median {:?}, p90 {:?}, min {:?} ({} runs)",
        p(0.5),
        p(0.9),
        p(0.0),
        samples.len()
    );
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let (rounds, entries) = if quick { (5, 100) } else { (300, 10_000) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    rt.block_on(async {
        let emu = Emulator::start().await.expect("emulator");
        let config = ClientConfig::new(Credential::secret_key("sk_test_bench")).with_base_url(emu.base_url());
        let client = CheckoutClient::new(config).expect("client");
        let dir = tmp("flow");
        let store = FileStore::open(dir.display().to_string()).expect("store");
        let flow = CheckoutFlow::new(client, "myapp://checkout".into(), store.clone()).expect("flow");
        let mut samples = Vec::new();
        for i in 0..rounds + 20 {
            let t = Instant::now();
            let pending = flow.start(params()).await.expect("start");
            // The customer pays (in-process control: not part of the app's cost).
            let paid = Instant::now();
            emu.complete_session(&pending.session_id, true);
            let pay_time = paid.elapsed();
            let link = format!(
                "myapp://checkout/success?session_id={}&state={}",
                pending.session_id, pending.state
            );
            let r = flow.handle_return_url(link).await.expect("handled");
            assert_eq!(r.outcome, PaymentOutcome::Paid);
            let elapsed = t.elapsed() - pay_time;
            // Keep the store at one entry so every round does the same work.
            store.remove(pending.session_id).expect("remove");
            if i >= 20 {
                samples.push(elapsed);
            }
        }
        report(
            "start + handle_return_url (file store, emulator on loopback)",
            &mut samples,
        );
        let _ = std::fs::remove_dir_all(dir);
    });

    // A store file with `entries` pending checkouts, written once, then loaded repeatedly.
    let dir = tmp("load");
    std::fs::create_dir_all(&dir).expect("dir");
    let checkouts: Vec<PendingCheckout> = (0..entries)
        .map(|i| PendingCheckout {
            session_id: format!("cs_test_{i:0>58}"),
            state: format!("{i:0>32x}"),
            url: format!("https://checkout.stripe.com/c/pay/cs_test_{i:0>58}"),
            amount_total: Some(1999),
            currency: Some("usd".into()),
            mode: CheckoutMode::Payment,
            livemode: false,
            created: 1_800_000_000 + i as i64,
            expires_at: 1_800_086_400 + i as i64,
            outcome: None,
        })
        .collect();
    let body = serde_json::json!({ "version": 1, "checkouts": checkouts });
    let bytes = serde_json::to_vec(&body).expect("json");
    std::fs::write(dir.join("pending-checkouts.json"), &bytes).expect("write");
    let mut samples = Vec::new();
    for _ in 0..if quick { 3 } else { 30 } {
        let t = Instant::now();
        let s = FileStore::open(dir.display().to_string()).expect("open");
        assert_eq!(black_box(s.load_all().expect("load")).len(), entries);
        samples.push(t.elapsed());
    }
    report(
        &format!(
            "FileStore::open + load_all with {entries} entries ({} KiB file)",
            bytes.len() / 1024
        ),
        &mut samples,
    );
    // What one more save costs at that size (the whole file is rewritten and fsynced), and the
    // same against a baseline in the same process, interleaved with it: the bare durable
    // rewrite any store needs (encode the entries, write a temp file, fsync, rename, fsync the
    // folder). Disk speed and load move both; the ratio is the store's own cost (lock, change
    // counter, unique temp name, cache).
    let s = FileStore::open(dir.display().to_string()).expect("open");
    let bare_dir = tmp("bare");
    std::fs::create_dir_all(&bare_dir).expect("dir");
    let mut bare_entries = checkouts.clone();
    let (mut samples, mut bare) = (Vec::new(), Vec::new());
    for i in 0..if quick { 3 } else { 40 } {
        let mut c = checkouts[0].clone();
        c.session_id = format!("cs_extra_{i}");
        bare_entries.push(c.clone());
        let t = Instant::now();
        s.save(c).expect("save");
        samples.push(t.elapsed());
        let t = Instant::now();
        bare_rewrite(&bare_dir, &bare_entries);
        bare.push(t.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let ratio = median(&mut samples).as_secs_f64() / median(&mut bare).as_secs_f64();
    report(&format!("FileStore::save with {entries} entries present"), &mut samples);
    report(
        "baseline: bare encode + write + fsync + rename + fsync folder",
        &mut bare,
    );
    println!("FileStore::save / bare durable rewrite, medians: {ratio:.2}");
    let _ = std::fs::remove_dir_all(bare_dir);
    let _ = std::fs::remove_dir_all(dir);
}

/// The least any crash-safe whole-file store does per change.
fn bare_rewrite(dir: &std::path::Path, entries: &[PendingCheckout]) {
    #[derive(serde::Serialize)]
    struct FileFormat<'a> {
        version: u32,
        checkouts: &'a [PendingCheckout],
    }
    let body = serde_json::to_vec(&FileFormat {
        version: 1,
        checkouts: entries,
    })
    .expect("json");
    let tmp = dir.join("store.tmp");
    let mut f = std::fs::File::create(&tmp).expect("create");
    std::io::Write::write_all(&mut f, &body).expect("write");
    f.sync_all().expect("fsync");
    drop(f);
    std::fs::rename(&tmp, dir.join("store.json")).expect("rename");
    std::fs::File::open(dir).and_then(|d| d.sync_all()).expect("fsync dir");
}
