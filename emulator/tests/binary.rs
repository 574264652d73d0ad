//! The `stripe-emulator` binary: first line, serving, stdin EOF, argument checks.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_stripe-emulator");

#[tokio::test]
async fn prints_its_url_serves_and_exits_on_stdin_eof() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("line");
    let url = line
        .trim()
        .strip_prefix("stripe-emulator listening on ")
        .expect("first line")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let _ = rustls::crypto::ring::default_provider().install_default();
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/checkout/sessions"))
        .bearer_auth("sk_test_bin")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("mode=payment&line_items[0][price]=price_test_usd_1000&line_items[0][quantity]=1")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.expect("text");
    assert!(text.contains(&format!("{url}/pay/cs_test_")));
    let count = reqwest::get(format!("{url}/_emulator/sessions"))
        .await
        .expect("count")
        .text()
        .await
        .expect("text");
    assert!(count.contains("\"count\": 1"), "{count}");

    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success());
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("emulator did not exit on stdin EOF");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn help_and_bad_arguments() {
    let out = Command::new(BIN).arg("--help").output().expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: stripe-emulator"));
    let out = Command::new(BIN)
        .args(["--host", "0.0.0.0"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("non-loopback"));
    let out = Command::new(BIN).arg("--frobnicate").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn api_key_flags_bind_the_emulator() {
    let mut child = Command::new(BIN)
        .args([
            "--api-key",
            "sk_test_cli_bound_1",
            "--api-key=sk_test_cli_bound_2",
            "--account-version",
            "2026-07-29.dahlia",
            "--exit-on-stdin-eof",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("line");
    let url = line
        .trim()
        .strip_prefix("stripe-emulator listening on ")
        .expect("first line")
        .to_owned();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let status = |key: &'static str| {
        let req = client
            .post(format!("{url}/v1/checkout/sessions"))
            .bearer_auth(key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("mode=payment&line_items[0][price]=price_test_usd_1000&line_items[0][quantity]=1&payment_method_types[0]=card");
        async move { req.send().await.expect("send").status().as_u16() }
    };
    // Bound keys pass; and the account default is dahlia, so `payment_method_types` is accepted.
    assert_eq!(status("sk_test_cli_bound_1").await, 200);
    assert_eq!(status("sk_test_cli_bound_2").await, 200);
    assert_eq!(status("sk_test_not_bound").await, 401);
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("emulator did not exit on stdin EOF");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // A malformed key or an unknown version is refused at start, without echoing the key.
    let out = Command::new(BIN)
        .args(["--api-key", "pk_test_secretish"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secretish"));
    let out = Command::new(BIN)
        .args(["--account-version", "2026-09-30.dahlia"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
}
