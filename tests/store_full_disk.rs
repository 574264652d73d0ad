//! The file store on a really full disk: a 64 KiB tmpfs is filled until a save fails. The
//! failure must be a typed `Storage` error, and neither memory nor disk may lose or gain
//! anything. Mounting needs root, which CI has; elsewhere the test says so and stops.

use std::process::Command;

use checkout_bridge::*;

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn pending(i: usize) -> PendingCheckout {
    PendingCheckout {
        session_id: format!("cs_test_full_{i:0>40}"),
        state: format!("{i:0>32x}"),
        url: format!("https://checkout.stripe.com/c/pay/cs_test_full_{i:0>40}"),
        amount_total: Some(1999),
        currency: Some("usd".into()),
        mode: CheckoutMode::Payment,
        livemode: false,
        created: 1_800_000_000,
        expires_at: 1_800_086_400,
        outcome: None,
    }
}

#[test]
fn a_full_disk_is_a_storage_error_and_loses_nothing() {
    let dir = std::env::temp_dir().join(format!("cb-full-{}", new_idempotency_key().unwrap()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        let _ = std::fs::remove_dir(&dir);
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a tmpfs (runs as root)"
        );
        eprintln!("store_full_disk: cannot mount a tmpfs here (not root); run scripts/test.sh as root");
        return;
    }
    let _guard = Mount(dir.clone());
    let path = dir.join("store").display().to_string();
    let store = FileStore::open(path.clone()).expect("open on tmpfs");
    let mut saved = Vec::new();
    let mut failure = None;
    for i in 0..10_000 {
        match store.save(pending(i)) {
            Ok(()) => saved.push(pending(i).session_id),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let err = failure.expect("a 64 KiB disk fills up");
    assert!(
        matches!(err, CheckoutError::Storage { ref reason } if reason.contains("cannot write")),
        "{err:?}"
    );
    assert!(
        saved.len() > 10,
        "some saves fit before the disk filled ({})",
        saved.len()
    );
    let ids = |s: &FileStore| {
        let mut v: Vec<String> = s.load_all().expect("load").into_iter().map(|p| p.session_id).collect();
        v.sort();
        v
    };
    saved.sort();
    assert_eq!(ids(&store), saved, "memory still holds exactly what was saved");
    // Dropped first: while a store is open, opening its folder again returns the same one.
    drop(store);
    let reopened = FileStore::open(path).expect("the file on the full disk is intact");
    assert_eq!(ids(&reopened), saved, "disk still holds exactly what was saved");
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("store"))
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind");
}
