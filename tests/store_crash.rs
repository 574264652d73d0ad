//! Crash safety of the file store: a child process keeps starting checkouts (through the real
//! CheckoutFlow against an in-process emulator) and removing old ones, and is killed with
//! SIGKILL at random moments, 200 times. After every kill the store must load, and every
//! checkout whose `start` returned (and whose removal never began) must be present.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use checkout_bridge::*;

const CHILD_ENV: &str = "CHECKOUT_BRIDGE_CRASH_CHILD_DIR";
const KILLS: usize = 200;

/// The child's body. When the test binary is run normally this entry point only returns; the
/// parent test re-runs the binary with `CHILD_ENV` set to make it the worker.
#[test]
fn crash_child_entry_point() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let emu = checkout_bridge_emulator::Emulator::start().await.expect("emulator");
        let config = ClientConfig::new(Credential::secret_key("sk_test_crash")).with_base_url(emu.base_url());
        let store = FileStore::open(dir).expect("the store must load after any kill");
        let flow = CheckoutFlow::new(
            CheckoutClient::new(config).expect("client"),
            "myapp://checkout".into(),
            store.clone(),
        )
        .expect("flow");
        println!("ready");
        let mut n: u64 = 0;
        loop {
            n += 1;
            let p = simple_checkout_params(SimpleCheckout {
                amount: 1000 + (n as i64 % 100),
                currency: "usd".into(),
                name: "crash".into(),
                description: None,
                success_url: None,
                cancel_url: None,
                customer_email: None,
            });
            let pending = flow.start(p).await.expect("start");
            println!("started {}", pending.session_id);
            // Keep the file small: remove the oldest entries beyond 20.
            let mut all = store.load_all().expect("load");
            if all.len() > 20 {
                all.sort_by_key(|p| p.session_id.clone());
                let victim = all[(n as usize) % all.len()].session_id.clone();
                println!("removing {victim}");
                store.remove(victim).expect("remove");
            }
        }
    });
}

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn store_survives_sigkill_at_random_moments() {
    let dir = std::env::temp_dir().join(format!("cb-crash-{}", new_idempotency_key().unwrap()));
    let exe = std::env::current_exe().expect("test binary");
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
        | 1;
    let mut must_exist: BTreeSet<String> = BTreeSet::new();
    let mut total_started = 0usize;
    let deadline = Instant::now() + Duration::from_secs(300);
    // At least KILLS kills, and more (up to the deadline) until the child has done at least
    // KILLS starts in all: on a loaded machine a 1–60 ms window holds less work, and the test
    // must still prove that real work was interrupted, not just idle processes.
    let mut round = 0usize;
    while round < KILLS || total_started < KILLS {
        assert!(
            Instant::now() < deadline,
            "crash test ran out of time at round {round} ({total_started} starts)"
        );
        round += 1;
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child_entry_point", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the child to be ready, then let it work for a random 1–60 ms.
        // The test harness prints its own text first ("test … ... ready" shares one line).
        let ready_by = Instant::now() + Duration::from_secs(20);
        loop {
            let left = ready_by.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("round {round}: child never got ready"));
            if line.ends_with("ready") {
                break;
            }
        }
        std::thread::sleep(Duration::from_micros(1_000 + xorshift(&mut seed) % 59_000));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let _ = reader.join();
        for line in rx.try_iter() {
            if let Some(id) = line.strip_prefix("started ") {
                must_exist.insert(id.to_owned());
                total_started += 1;
            } else if let Some(id) = line.strip_prefix("removing ") {
                must_exist.remove(id);
            }
        }
        let store = FileStore::open(dir.display().to_string())
            .unwrap_or_else(|e| panic!("round {round}: store does not load after SIGKILL: {e}"));
        let present: BTreeSet<String> = store
            .load_all()
            .expect("load")
            .into_iter()
            .map(|p| p.session_id)
            .collect();
        let missing: Vec<_> = must_exist.difference(&present).collect();
        assert!(
            missing.is_empty(),
            "round {round}: started checkouts lost after SIGKILL: {missing:?}"
        );
    }
    assert!(
        total_started >= KILLS,
        "the child did real work ({total_started} starts over {KILLS} kills)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
