//! The return page in a real browser, end to end (scripts/browser-test.sh runs it):
//!
//! 1. starts the Stripe emulator and the reference server on loopback, the server's `[links]`
//!    return base being `http://127.0.0.1:PORT/checkout` (https-style; plain http is allowed
//!    on loopback);
//! 2. starts two checkouts with the library's `CheckoutFlow` in backend mode, so Stripe's
//!    success and cancel URLs point at the server's return page;
//! 3. hands headless Chromium (tests/browser/return-page.mjs, playwright-core) the Checkout
//!    URLs and a forged link; Chromium clicks Pay and Cancel on the hosted page, follows the
//!    redirects to the return page, and reports what it rendered and its "Open the app" links;
//! 4. gives those links to `handle_return_url` of the app's custom-scheme flow (same store),
//!    which must say Paid and Canceled, and checks the forged link was refused everywhere.
//!
//! Prints one PASS/FAIL line per check and `browser: N passed, M failed`; exits non-zero on any
//! failure. Screenshots of the three pages go to `--out` (default `target/browser`).
//!
//! ```sh
//! cargo run -p checkout-bridge-server --example browser_e2e -- [--node node] [--chromium /usr/bin/chromium] [--out DIR]
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use checkout_bridge_server::{spawn_on, token_hash, Secrets, ServerConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Res<T> = Result<T, Box<dyn Error>>;

const TOKEN: &str = "browser-e2e-app-token";
/// The whole browser run; the driver stops itself sooner (90 s).
const DRIVER_TIMEOUT: Duration = Duration::from_secs(150);

struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn check(&mut self, ok: bool, what: &str, detail: impl std::fmt::Display) {
        if ok {
            self.passed += 1;
            println!("PASS: {what}");
        } else {
            self.failed += 1;
            println!("FAIL: {what}: {detail}");
        }
    }
}

struct Args {
    node: String,
    chromium: String,
    driver: PathBuf,
    out: PathBuf,
}

fn args() -> Res<Args> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut a = Args {
        node: "node".into(),
        chromium: "/usr/bin/chromium".into(),
        driver: root.join("tests/browser/return-page.mjs"),
        out: root.join("target/browser"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--node" => a.node = value()?,
            "--chromium" => a.chromium = value()?,
            "--driver" => a.driver = value()?.into(),
            "--out" => a.out = value()?.into(),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(a)
}

fn params(name: &str) -> CreateSessionParams {
    let mut p = simple_checkout_params(SimpleCheckout {
        amount: 1999,
        currency: "usd".into(),
        name: name.into(),
        description: Some("checkout-bridge browser test".into()),
        success_url: None,
        cancel_url: None,
        customer_email: Some("customer@example.com".into()),
    });
    p.origin_context = Some(OriginContext::MobileApp);
    p
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    match run().await {
        Ok(c) => {
            println!("\nbrowser: {} passed, {} failed", c.passed, c.failed);
            std::process::exit(i32::from(c.failed > 0));
        }
        Err(e) => {
            println!("FAIL: browser end to end did not complete: {e}");
            println!("\nbrowser: 0 passed, 1 failed");
            std::process::exit(1);
        }
    }
}

async fn run() -> Res<Checks> {
    let a = args()?;
    std::fs::create_dir_all(&a.out)?;
    let emu = Emulator::start().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let return_base = format!("http://127.0.0.1:{port}/checkout");
    let db = std::env::temp_dir().join(format!("cb-browser-{}.db", std::process::id()));
    let config = ServerConfig::from_toml(&format!(
        r#"
upstream_base_url = "{}"
database_url = "sqlite://{}"
[[app_tokens]]
user = "browser-user"
sha256 = "{}"
[policy.prices]
allow_inline = true
allow_product_data = true
max_amount = {{ usd = 100000 }}
[policy.return_urls]
allowed = ["{return_base}"]
[links]
return_base = "{return_base}"
app_return_base = "myapp://checkout"
apple_app_ids = ["ABCDE12345.com.example.shop"]
[[links.android_apps]]
package_name = "com.example.shop"
sha256_cert_fingerprints = ["14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5"]
"#,
        emu.base_url(),
        db.display(),
        token_hash(TOKEN)
    ))?;
    let secrets = Secrets {
        stripe_secret_key: "sk_test_browser_e2e".into(),
        webhook_secret: None,
        fulfilment_secret: None,
    };
    let srv = spawn_on(listener, config, secrets).await?;
    eprintln!("emulator {} · server {}", emu.base_url(), srv.base_url());

    // The app: starts with the https-style base (Stripe returns to the server's page) and
    // handles the page's custom-scheme links with a second flow over the same store.
    let client = CheckoutClient::new(ClientConfig::new(Credential::backend(TOKEN)).with_base_url(srv.base_url()))?;
    let dir = std::env::temp_dir().join(format!("cb-browser-store-{}", std::process::id()));
    let store = FileStore::open(dir.display().to_string())?;
    let web = CheckoutFlow::new(client.clone(), return_base.clone(), store.clone())?;
    let app = CheckoutFlow::new(client, "myapp://checkout".into(), store)?;
    let to_pay = web.start(params("Browser test: paid")).await?;
    let to_cancel = web.start(params("Browser test: canceled")).await?;
    let forged_state = new_state()?;
    let forged_url = format!(
        "{return_base}/success?session_id={}&state={forged_state}",
        to_pay.session_id
    );

    let job = json!({
        "chromium": a.chromium,
        "return_base": return_base,
        "pay_url": to_pay.url,
        "cancel_url": to_cancel.url,
        "forged_url": forged_url,
        "out_dir": a.out,
    });
    let seen = drive(&a, &job).await?;
    eprintln!("Chromium {}", seen["version"].as_str().unwrap_or("?"));

    let mut c = Checks { passed: 0, failed: 0 };
    let csp_ok = |p: &Value| {
        let csp = p["headers"]["content-security-policy"].as_str().unwrap_or("");
        csp.starts_with("default-src 'none'; style-src 'nonce-") && !csp.contains("unsafe-inline")
    };
    for (name, page, status, result, heading) in [
        ("paid", &seen["paid"], 200, "paid", "Payment received"),
        (
            "canceled",
            &seen["canceled"],
            200,
            "not_completed",
            "Payment not completed",
        ),
        ("forged", &seen["forged"], 400, "refused", "This link is not valid"),
    ] {
        let url = page["url"].as_str().unwrap_or("");
        c.check(
            url.starts_with(&format!("{return_base}/")),
            &format!("{name}: the browser ended on the server's return page"),
            url,
        );
        c.check(
            page["status"] == status,
            &format!("{name}: HTTP {status}"),
            &page["status"],
        );
        c.check(
            page["result"] == result && page["heading"] == heading,
            &format!("{name}: the page says \"{heading}\""),
            format!("{} / {}", page["result"], page["heading"]),
        );
        c.check(
            csp_ok(page)
                && page["headers"]["referrer-policy"] == "no-referrer"
                && page["headers"]["cache-control"] == "no-store"
                && page["headers"]["x-frame-options"] == "DENY",
            &format!("{name}: CSP with a nonce, no-referrer, no-store, DENY framing"),
            &page["headers"],
        );
        c.check(
            page["console_errors"].as_array().is_some_and(Vec::is_empty),
            &format!("{name}: no console errors (no CSP violation)"),
            &page["console_errors"],
        );
        c.check(
            page["subrequests"].as_array().is_some_and(Vec::is_empty),
            &format!("{name}: the page loads nothing else"),
            &page["subrequests"],
        );
        c.check(
            page["background"] == "rgb(255, 255, 255)",
            &format!("{name}: the nonce'd stylesheet applied"),
            &page["background"],
        );
        let text = page["text"].as_str().unwrap_or("");
        c.check(
            !["19.99", "1999", "customer@example.com", "Browser test", "browser-user"]
                .iter()
                .any(|p| text.contains(p)),
            &format!("{name}: no amount, email, product or user on the page"),
            text,
        );
        let png = page["screenshot"].as_str().map(std::fs::read).and_then(Result::ok);
        c.check(
            png.as_ref()
                .is_some_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 2000),
            &format!("{name}: screenshot {}", page["screenshot"].as_str().unwrap_or("?")),
            "missing or empty",
        );
    }

    // The links the customer would tap, handed to the library.
    let paid_link = seen["paid"]["open_app"].as_str().unwrap_or_default().to_owned();
    c.check(
        paid_link
            == format!(
                "myapp://checkout/success?session_id={}&state={}",
                to_pay.session_id, to_pay.state
            )
            && seen["paid"]["open_app_label"] == "Open the app",
        "paid: \"Open the app\" carries the session ID and state to myapp://checkout/success",
        &paid_link,
    );
    match app.handle_return_url(paid_link).await {
        Ok(r) => c.check(
            r.outcome == PaymentOutcome::Paid,
            "paid: handleReturnUrl says Paid",
            format!("{:?}", r.outcome),
        ),
        Err(e) => c.check(false, "paid: handleReturnUrl says Paid", e),
    }
    let cancel_link = seen["canceled"]["open_app"].as_str().unwrap_or_default().to_owned();
    c.check(
        cancel_link == format!("myapp://checkout/cancel?state={}", to_cancel.state),
        "canceled: \"Open the app\" carries the state to myapp://checkout/cancel",
        &cancel_link,
    );
    match app.handle_return_url(cancel_link).await {
        Ok(r) => c.check(
            r.outcome == PaymentOutcome::Canceled,
            "canceled: handleReturnUrl says Canceled",
            format!("{:?}", r.outcome),
        ),
        Err(e) => c.check(false, "canceled: handleReturnUrl says Canceled", e),
    }
    c.check(
        seen["forged"]["open_app"].is_null(),
        "forged: no way into the app",
        &seen["forged"]["open_app"],
    );
    let forged = web.handle_return_url(forged_url).await;
    c.check(
        matches!(forged, Err(CheckoutError::InvalidReturnUrl { .. })),
        "forged: the library refuses the forged link too",
        format!("{forged:?}"),
    );
    let android = seen["android"]["open_app"].as_str().unwrap_or("");
    c.check(
        android.starts_with(&format!(
            "intent://checkout/success?session_id={}&state={}#Intent;scheme=myapp;package=com.example.shop;S.browser_fallback_url=https%3A%2F%2Fplay.google.com%2F",
            to_pay.session_id, to_pay.state
        )) && android.ends_with(";end"),
        "android: \"Open the app\" is an intent: URL with the package and a Play Store fallback",
        android,
    );
    srv.shutdown().await;
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(c)
}

/// Runs the Node driver with `job` on stdin; its stdout is the result. Bounded by
/// [`DRIVER_TIMEOUT`]; the child is killed if it overruns or this process drops it.
async fn drive(a: &Args, job: &Value) -> Res<Value> {
    let mut child = tokio::process::Command::new(&a.node)
        .arg(&a.driver)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {} {}: {e}", a.node, a.driver.display()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin.write_all(job.to_string().as_bytes()).await?;
    drop(stdin);
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut out = String::new();
    let status = tokio::time::timeout(DRIVER_TIMEOUT, async {
        stdout.read_to_string(&mut out).await?;
        child.wait().await
    })
    .await
    .map_err(|_| format!("the browser driver took longer than {} s", DRIVER_TIMEOUT.as_secs()))??;
    if !status.success() {
        return Err(format!("the browser driver failed ({status})").into());
    }
    Ok(serde_json::from_str(out.trim())?)
}
