//! One folder is one store: two handles in one process, and two processes saving at the same
//! time, must keep every record (each change is applied to the file's current content under a
//! lock, never to a stale copy). The processes are this test binary run again as children, as
//! tests/store_crash.rs does.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use checkout_bridge::*;

const CHILD_DIR: &str = "CHECKOUT_BRIDGE_SHARING_CHILD_DIR";
const CHILD_TAG: &str = "CHECKOUT_BRIDGE_SHARING_CHILD_TAG";
const PER_PROCESS: usize = 500;

fn pending(id: String) -> PendingCheckout {
    PendingCheckout {
        session_id: id,
        state: "0123456789abcdef0123456789abcdef".into(),
        url: "https://checkout.stripe.com/c/pay/cs_test_sharing".into(),
        amount_total: Some(1999),
        currency: Some("usd".into()),
        mode: CheckoutMode::Payment,
        livemode: false,
        created: 1_900_000_000,
        expires_at: 1_900_086_400,
        outcome: None,
    }
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("cb-sharing-{tag}-{}", new_idempotency_key().unwrap()))
}

fn ids(store: &FileStore) -> BTreeSet<String> {
    store
        .load_all()
        .expect("load")
        .into_iter()
        .map(|p| p.session_id)
        .collect()
}

/// The child's body: opens the store, says "ready", waits for "go" on stdin, saves
/// [`PER_PROCESS`] checkouts. Run normally, it only returns.
#[test]
fn sharing_child_entry_point() {
    let (Ok(dir), Ok(tag)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_TAG)) else {
        return;
    };
    let store = FileStore::open(dir).expect("open");
    println!("ready");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).expect("go");
    for i in 0..PER_PROCESS {
        store.save(pending(format!("cs_{tag}_{i:03}"))).expect("save");
    }
    println!("done");
}

#[test]
fn two_processes_saving_at_once_keep_all_records() {
    let dir = temp_dir("processes");
    let exe = std::env::current_exe().expect("test binary");
    let mut children: Vec<_> = ["a", "b"]
        .iter()
        .map(|tag| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "sharing_child_entry_point",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DIR, &dir)
                .env(CHILD_TAG, tag)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn child")
        })
        .collect();
    // Both open the store first, then start together.
    let mut outputs = Vec::new();
    for child in &mut children {
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        while !line.trim_end().ends_with("ready") {
            line.clear();
            assert!(out.read_line(&mut line).expect("read") > 0, "child exited before ready");
        }
        outputs.push(out);
    }
    for child in &mut children {
        child.stdin.take().expect("stdin").write_all(b"go\n").expect("go");
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    for child in &mut children {
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                assert!(status.success(), "child failed: {status}");
                break;
            }
            assert!(Instant::now() < deadline, "children did not finish in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    for out in outputs {
        let rest: Vec<String> = out.lines().map_while(Result::ok).collect();
        assert!(rest.iter().any(|l| l.ends_with("done")), "{rest:?}");
    }
    let present = ids(&FileStore::open(dir.display().to_string()).expect("open"));
    let expected: BTreeSet<String> = ["a", "b"]
        .iter()
        .flat_map(|tag| (0..PER_PROCESS).map(move |i| format!("cs_{tag}_{i:03}")))
        .collect();
    let missing: Vec<_> = expected.difference(&present).take(10).collect();
    assert!(
        missing.is_empty(),
        "{} of {} records lost, e.g. {missing:?}",
        expected.len() - expected.intersection(&present).count(),
        expected.len()
    );
    assert_eq!(present.len(), 2 * PER_PROCESS);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn two_handles_on_one_folder_keep_all_records() {
    // An Activity recreated for the return link opens the store again while the old one lives.
    let dir = temp_dir("handles");
    let first = FileStore::open(dir.display().to_string()).expect("open");
    let second = FileStore::open(dir.display().to_string()).expect("open again");
    std::thread::scope(|scope| {
        for (tag, store) in [("first", &first), ("second", &second)] {
            scope.spawn(move || {
                for i in 0..100 {
                    store.save(pending(format!("cs_{tag}_{i:03}"))).expect("save");
                }
            });
        }
    });
    first.remove("cs_second_000".into()).expect("remove");
    second.remove("cs_first_000".into()).expect("remove");
    assert_eq!(ids(&first).len(), 198);
    assert_eq!(ids(&first), ids(&second));
    drop((first, second));
    let reopened = FileStore::open(dir.display().to_string()).expect("reopen");
    assert_eq!(ids(&reopened).len(), 198, "and on disk");
    let _ = std::fs::remove_dir_all(dir);
}
