//! Shared by the fulfilment tests and benchmark: a merchant endpoint on 127.0.0.1 that verifies
//! signatures and counts, Stripe-shaped webhook events signed as Stripe signs them, private
//! PostgreSQL databases ([`postgres`]), and the server as a real process that can be SIGKILLed.
#![allow(dead_code)]

pub mod postgres;

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use checkout_bridge_server::wire::webhook::{sign_payload, verify_signature};

pub const KEY: &str = "sk_test_FULFILKEY0NEVER0LOGGED";
pub const WHSEC: &str = "whsec_test_FULFIL0WEBHOOK0SECRET";
pub const FULFILMENT_SECRET: &str = "fulfil_secret_0123456789abcdef0123456789abcdef";

/// A random ID (the library's idempotency-key generator).
pub fn rid() -> String {
    checkout_bridge::new_idempotency_key().expect("randomness")
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// How the merchant answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 200 after a delay.
    Ok(Duration),
    /// This status.
    Fail(u16),
    /// Never answers (until the mode changes; then it answers by the new mode).
    Hang,
}

/// One request the merchant received.
#[derive(Clone, Debug)]
pub struct Received {
    pub key: String,
    pub kind: String,
    pub body: serde_json::Value,
    pub signature_ok: bool,
    pub key_matches_body: bool,
    pub at: Instant,
    /// The status it was answered with (None: still hanging or dropped).
    pub answered: Option<u16>,
}

#[derive(Default)]
struct Counters {
    in_flight: HashMap<String, usize>,
}

pub struct MerchantState {
    mode: Mutex<Mode>,
    mode_changed: tokio::sync::watch::Sender<()>,
    received: Mutex<Vec<Received>>,
    counters: Mutex<Counters>,
    /// Most requests for one key being handled at the same moment.
    pub max_overlap: AtomicUsize,
    secret: String,
    arrived: tokio::sync::Notify,
}

/// The test merchant: `url()` to configure, `received()` to look at.
pub struct Merchant {
    pub state: Arc<MerchantState>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Merchant {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct InFlight {
    state: Arc<MerchantState>,
    key: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut c = self.state.counters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = c.in_flight.get_mut(&self.key) {
            *n -= 1;
        }
    }
}

async fn handle(State(state): State<Arc<MerchantState>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let key = header("idempotency-key");
    let signature_ok = verify_signature(
        &body,
        header("checkout-bridge-signature").as_bytes(),
        &state.secret,
        300,
        now(),
    )
    .is_ok();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let index = {
        let mut r = state.received.lock().unwrap_or_else(|e| e.into_inner());
        r.push(Received {
            key_matches_body: json["id"] == serde_json::Value::String(key.clone()),
            kind: json["type"].as_str().unwrap_or("").to_owned(),
            key: key.clone(),
            body: json,
            signature_ok,
            at: Instant::now(),
            answered: None,
        });
        r.len() - 1
    };
    let _guard = {
        let mut c = state.counters.lock().unwrap_or_else(|e| e.into_inner());
        let n = c.in_flight.entry(key.clone()).or_insert(0);
        *n += 1;
        state.max_overlap.fetch_max(*n, Ordering::SeqCst);
        InFlight {
            state: state.clone(),
            key,
        }
    };
    state.arrived.notify_waiters();
    let mut changes = state.mode_changed.subscribe();
    let status = loop {
        let mode = *state.mode.lock().unwrap_or_else(|e| e.into_inner());
        match mode {
            Mode::Ok(delay) => {
                tokio::time::sleep(delay).await;
                break 200;
            }
            Mode::Fail(s) => break s,
            Mode::Hang => {
                if changes.changed().await.is_err() {
                    break 500;
                }
            }
        }
    };
    state.received.lock().unwrap_or_else(|e| e.into_inner())[index].answered = Some(status);
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl Merchant {
    pub async fn start(mode: Mode) -> Merchant {
        Merchant::start_on("127.0.0.1:0".parse().expect("addr"), mode).await
    }

    pub async fn start_on(addr: SocketAddr, mode: Mode) -> Merchant {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind merchant");
        let addr = listener.local_addr().expect("addr");
        let (tx, _) = tokio::sync::watch::channel(());
        let state = Arc::new(MerchantState {
            mode: Mutex::new(mode),
            mode_changed: tx,
            received: Mutex::new(Vec::new()),
            counters: Mutex::new(Counters::default()),
            max_overlap: AtomicUsize::new(0),
            secret: FULFILMENT_SECRET.into(),
            arrived: tokio::sync::Notify::new(),
        });
        let app = axum::Router::new()
            .route("/fulfil", axum::routing::post(handle))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Merchant { state, addr, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}/fulfil", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
        self.state.mode_changed.send_replace(());
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Requests answered 2xx, by key.
    pub fn acknowledged(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for r in self.received() {
            if r.answered.is_some_and(|s| (200..300).contains(&s)) {
                *m.entry(r.key).or_insert(0) += 1;
            }
        }
        m
    }

    /// Waits (bounded) until `cond` holds for what was received.
    pub async fn wait_for(&self, limit: Duration, what: &str, cond: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + limit;
        loop {
            let r = self.received();
            if cond(&r) {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "merchant: timed out waiting for {what}; got {r:#?}"
            );
            let _ = tokio::time::timeout(Duration::from_millis(20), self.state.arrived.notified()).await;
        }
    }
}

/// A Stripe event whose `data.object` is `object` (stripe-go `event.go` `Event`: id, object,
/// api_version, created, data.object, livemode, pending_webhooks, request, type).
pub fn event(kind: &str, object: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": format!("evt_{}", &rid().replace('-', "")[..24]),
        "object": "event",
        "api_version": "2026-09-30.endive",
        "created": now(),
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind,
    }))
    .expect("event json")
}

/// Signs and POSTs `body` to `{base}/webhooks/stripe` as Stripe would; the HTTP status.
pub async fn deliver_webhook(http: &reqwest::Client, base: &str, body: &[u8]) -> u16 {
    http.post(format!("{base}/webhooks/stripe"))
        .header("stripe-signature", sign_payload(body, WHSEC, now()))
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

/// A fresh database on the test cluster ([`postgres::url`]), so tests running at once never see
/// each other's rows; `None` when the test should skip (no PostgreSQL here, and not CI).
pub async fn fresh_postgres() -> Option<String> {
    let url = postgres::url()?;
    let name = format!("cb_fulfil_{}", &rid().replace('-', "")[..16]);
    let admin = checkout_bridge_server::store::pg_tls::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let mut u = url::Url::parse(&url).expect("database url");
    u.set_path(&format!("/{name}"));
    Some(u.to_string())
}

/// Drops a database made by [`fresh_postgres`].
pub async fn drop_postgres(db_url: &str) {
    let Some(url) = postgres::url() else {
        return;
    };
    let name = url::Url::parse(db_url)
        .map(|u| u.path().trim_start_matches('/').to_owned())
        .unwrap_or_default();
    if !name.starts_with("cb_fulfil_") {
        return;
    }
    if let Ok(admin) = checkout_bridge_server::store::pg_tls::connect(&url).await {
        let _ = admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}

pub fn sqlite_url() -> String {
    format!(
        "sqlite://{}",
        std::env::temp_dir().join(format!("cb-fulfil-{}.db", rid())).display()
    )
}

/// The server's configuration for these tests: alice and bob, inline prices, `extra` appended.
pub fn config_toml(upstream: &str, database_url: &str, extra: &str) -> String {
    format!(
        r#"
listen = "127.0.0.1:0"
upstream_base_url = "{upstream}"
database_url = "{database_url}"
rate_limit_per_minute = 100000
address_rate_limit_per_minute = 100000
webhook_rate_limit_per_minute = 100000
# Hundreds of sessions per user at once (the cap itself: tests/hostile.rs).
max_open_sessions_per_user = 100000
{extra}
[[app_tokens]]
user = "alice"
sha256 = "{}"
[[app_tokens]]
user = "bob"
sha256 = "{}"
[policy.prices]
allowed = ["price_test_usd_1000"]
allow_inline = true
allow_product_data = true
max_amount = {{ usd = 100000 }}
[policy.return_urls]
allowed = ["myapp://checkout/"]
"#,
        checkout_bridge_server::token_hash(ALICE),
        checkout_bridge_server::token_hash(BOB)
    )
}

pub const ALICE: &str = "alice-fulfil-token-0123";
pub const BOB: &str = "bob-fulfil-token-4567";

/// The server as a real process (the `checkout-bridge-server` binary), killed when dropped.
pub struct ServerProcess {
    child: tokio::process::Child,
    pub base_url: String,
    pub log: std::path::PathBuf,
}

impl ServerProcess {
    /// Starts the binary with `toml` and the three secrets in its environment, and waits for
    /// its "listening on" line.
    pub async fn start(toml: &str) -> ServerProcess {
        use tokio::io::AsyncBufReadExt;
        let id = rid();
        let dir = std::env::temp_dir();
        let config = dir.join(format!("cb-fulfil-{id}.toml"));
        let log = dir.join(format!("cb-fulfil-{id}.log"));
        std::fs::write(&config, toml).expect("write config");
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_checkout-bridge-server"))
            .arg("--config")
            .arg(&config)
            .env("STRIPE_SECRET_KEY", KEY)
            .env("STRIPE_WEBHOOK_SECRET", WHSEC)
            .env("CHECKOUT_BRIDGE_FULFILMENT_SECRET", FULFILMENT_SECRET)
            .env("RUST_LOG", "info")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .kill_on_drop(true)
            .spawn()
            .expect("start checkout-bridge-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("server started in time")
            .expect("read stdout")
            .unwrap_or_default();
        let base_url = line
            .strip_prefix("checkout-bridge-server listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {line:?}; log: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .to_owned();
        ServerProcess { child, base_url, log }
    }

    /// SIGKILL: no shutdown code runs.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL");
        let _ = self.child.wait().await;
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Every log line of this test binary (tracing at DEBUG), for the no-leak assertions.
pub fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || Capture(writer.clone()))
            .try_init();
        buf
    })
}

pub struct Capture(Arc<Mutex<Vec<u8>>>);
impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
