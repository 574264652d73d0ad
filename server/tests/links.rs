//! Links that open the app, and the server's operations: the association files checked field by
//! field against Apple's and Google's formats, the https return page over real HTTP (security
//! headers, what a forged link learns, that refusals never reach Stripe, the rate limit), the
//! metrics listener, `/healthz` and `/readyz`, and JSON logs from the real binary.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use checkout_bridge::*;
use checkout_bridge_emulator::{Emulator, Fault, FaultKind};
use checkout_bridge_server::wire::webhook::sign_payload;
use checkout_bridge_server::{spawn_on, token_hash, RunningServer, Secrets, ServerConfig};
use serde_json::Value;

const KEY: &str = "sk_test_LINKS0SERVER0KEY";
const WHSEC: &str = "whsec_test_LINKS0WEBHOOK";
const TOKEN: &str = "links-app-token-0123";
const FP: &str = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

struct Setup {
    srv: RunningServer,
    base: String,
}

fn sqlite() -> String {
    format!(
        "sqlite://{}",
        std::env::temp_dir()
            .join(format!("cb-links-{}.db", new_idempotency_key().expect("random")))
            .display()
    )
}

fn config_text(upstream: &str, port: u16, page_rate: u32, links: bool) -> String {
    config_with_db(upstream, port, page_rate, links, &sqlite())
}

fn config_with_db(upstream: &str, port: u16, page_rate: u32, links: bool, database_url: &str) -> String {
    let links = if links {
        format!(
            r#"
[links]
return_base = "http://127.0.0.1:{port}/checkout"
app_return_base = "myapp://checkout"
apple_app_ids = ["ABCDE12345.com.example.shop", "ABCDE12345.com.example.shop.debug"]
page_rate_limit_per_minute = {page_rate}
[[links.android_apps]]
package_name = "com.example.shop"
sha256_cert_fingerprints = ["{}", "{FP}"]
[[links.android_apps]]
package_name = "com.example.shop.debug"
sha256_cert_fingerprints = ["{FP}"]
"#,
            FP.to_lowercase().replacen("14", "15", 1)
        )
    } else {
        String::new()
    };
    format!(
        r#"
listen = "127.0.0.1:0"
upstream_base_url = "{upstream}"
database_url = "{database_url}"
metrics_listen = "127.0.0.1:0"
rate_limit_per_minute = 1000
address_rate_limit_per_minute = 100000
[[app_tokens]]
user = "alice"
sha256 = "{}"
[policy.prices]
allow_inline = true
allow_product_data = true
max_amount = {{ usd = 100000 }}
[policy.return_urls]
allowed = ["http://127.0.0.1:{port}/checkout", "myapp://checkout"]
{links}"#,
        token_hash(TOKEN)
    )
}

async fn start(upstream: &str, page_rate: u32, links: bool) -> Setup {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    start_with(listener, &config_text(upstream, port, page_rate, links)).await
}

async fn start_with(listener: tokio::net::TcpListener, text: &str) -> Setup {
    let config = ServerConfig::from_toml(text).expect("config");
    let secrets = Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: Some(WHSEC.into()),
        fulfilment_secret: None,
    };
    let srv = spawn_on(listener, config, secrets).await.expect("server");
    let base = format!("{}/checkout", srv.base_url());
    Setup { srv, base }
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http")
}

fn app_client(srv: &RunningServer) -> Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::backend(TOKEN)).with_base_url(srv.base_url());
    c.max_retries = 0;
    CheckoutClient::new(c).expect("client")
}

fn params() -> CreateSessionParams {
    let mut p = simple_checkout_params(SimpleCheckout {
        amount: 4321,
        currency: "usd".into(),
        name: "Secret Product Name".into(),
        description: None,
        success_url: None,
        cancel_url: None,
        customer_email: Some("private.person@example.com".into()),
    });
    p.origin_context = Some(OriginContext::MobileApp);
    p
}

/// The start-of-checkout flow (https-style return base) and the app's custom-scheme flow over
/// the same store: the page's "Open the app" link goes to the latter.
fn flows(s: &Setup) -> (Arc<CheckoutFlow>, Arc<CheckoutFlow>) {
    let dir = std::env::temp_dir().join(format!("cb-links-store-{}", new_idempotency_key().expect("random")));
    let store = FileStore::open(dir.display().to_string()).expect("store");
    let web = CheckoutFlow::new(app_client(&s.srv), s.base.clone(), store.clone()).expect("flow");
    let app = CheckoutFlow::new(app_client(&s.srv), "myapp://checkout".into(), store).expect("flow");
    (web, app)
}

/// Presses a button on the emulator's hosted page; returns the redirect target.
async fn press(url: &str, action: &str) -> String {
    let u = url::Url::parse(url).expect("url");
    let target = u.join(&format!("{}/{action}", u.path())).expect("join");
    let resp = http().post(target).send().await.expect("post");
    resp.headers()["location"].to_str().expect("ascii").to_owned()
}

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn result(&self) -> &str {
        let start = self.body.find("data-result=\"").map_or(0, |i| i + 13);
        self.body[start..].split('"').next().unwrap_or("")
    }

    fn open_app(&self) -> Option<String> {
        let i = self.body.find("id=\"open-app\" href=\"")? + 20;
        Some(self.body[i..].split('"').next()?.replace("&amp;", "&"))
    }

    /// The body with its nonce blanked, to compare two refusals.
    fn without_nonce(&self) -> String {
        let csp = self.header("content-security-policy");
        match csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()) {
            Some(n) => self.body.replace(n, "NONCE"),
            None => self.body.clone(),
        }
    }
}

async fn get(url: &str, user_agent: Option<&str>) -> Page {
    let mut req = http().get(url);
    if let Some(ua) = user_agent {
        req = req.header("user-agent", ua);
    }
    let r = req.send().await.expect("get");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    Page {
        status,
        headers,
        body: r.text().await.expect("body"),
    }
}

fn assert_page_headers(p: &Page) {
    assert_eq!(p.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(p.header("cache-control"), "no-store");
    assert_eq!(p.header("referrer-policy"), "no-referrer");
    assert_eq!(p.header("x-content-type-options"), "nosniff");
    assert_eq!(p.header("x-frame-options"), "DENY");
    let csp = p.header("content-security-policy");
    assert!(csp.starts_with("default-src 'none'; style-src 'nonce-"), "{csp}");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("base-uri 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && !csp.contains("script-src"), "{csp}");
    // The one inline element that needs it carries the CSP's nonce; there is no script at all.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap_or("?");
    assert!(nonce.len() >= 22, "a nonce of at least 128 bits: {nonce}");
    assert!(p.body.contains(&format!("<style nonce=\"{nonce}\">")), "{}", p.body);
    assert!(!p.body.to_ascii_lowercase().contains("<script"), "{}", p.body);
    assert!(p.body.contains("<meta name=\"referrer\" content=\"no-referrer\">"));
}

/// Apple's component pattern: `*` any run, `?` one character (everything else literal).
fn apple_match(pattern: &str, text: &str) -> bool {
    fn m(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| m(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && m(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && m(rest, &t[1..]),
        }
    }
    m(&pattern.chars().collect::<Vec<_>>(), &text.chars().collect::<Vec<_>>())
}

/// Whether an `applinks` component matches `url` as Apple describes: the path pattern and,
/// for a query dictionary, each named item's value.
fn component_matches(c: &Value, url: &url::Url) -> bool {
    let path_ok = apple_match(c["/"].as_str().unwrap_or("*"), url.path());
    let query_ok = match &c["?"] {
        Value::Object(items) => items.iter().all(|(k, pattern)| {
            url.query_pairs()
                .any(|(n, v)| n == *k && apple_match(pattern.as_str().unwrap_or("*"), &v))
        }),
        Value::String(p) => apple_match(p, url.query().unwrap_or("")),
        _ => true,
    };
    path_ok && query_ok
}

#[tokio::test]
async fn association_files_follow_apples_and_googles_formats() {
    let emu = Emulator::start().await.expect("emulator");
    let s = start(&emu.base_url(), 30, true).await;
    for path in [
        "/.well-known/apple-app-site-association",
        "/.well-known/assetlinks.json",
    ] {
        let r = http()
            .get(format!("{}{path}", s.srv.base_url()))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "{path}: served directly, no redirect");
        assert!(r.headers().get("location").is_none());
        assert_eq!(r.headers()["content-type"], "application/json", "{path}");
    }

    // Apple: https://developer.apple.com/documentation/bundleresources/applinks/details-swift.dictionary
    // and …/components-swift.dictionary (keys "/", "?", "#", "exclude", "comment").
    let aasa: Value = http()
        .get(format!("{}/.well-known/apple-app-site-association", s.srv.base_url()))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("json"))
        .expect("body");
    let top: BTreeSet<&str> = aasa.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(top, BTreeSet::from(["applinks", "webcredentials"]));
    let details = aasa["applinks"]["details"].as_array().expect("details is an array");
    assert_eq!(details.len(), 1);
    let d = details[0].as_object().expect("detail object");
    for k in d.keys() {
        assert!(
            ["appID", "appIDs", "components", "defaults"].contains(&k.as_str()),
            "unknown detail key {k}"
        );
    }
    let app_id = regex_like_app_id;
    let ids: Vec<&str> = d["appIDs"]
        .as_array()
        .expect("appIDs array")
        .iter()
        .map(|v| v.as_str().expect("string"))
        .collect();
    assert_eq!(
        ids,
        ["ABCDE12345.com.example.shop", "ABCDE12345.com.example.shop.debug"]
    );
    assert!(ids.iter().all(|i| app_id(i)));
    let components = d["components"].as_array().expect("components array");
    for c in components {
        let c = c.as_object().expect("component object");
        for (k, v) in c {
            match k.as_str() {
                "/" | "#" | "comment" => assert!(v.is_string(), "{k} is a string"),
                "?" => assert!(
                    v.is_string() || v.as_object().is_some_and(|o| o.values().all(Value::is_string)),
                    "? is a pattern or a dictionary of patterns"
                ),
                "exclude" => assert!(v.is_boolean()),
                other => panic!("unknown component key {other}"),
            }
        }
    }
    let web = aasa["webcredentials"]["apps"]
        .as_array()
        .expect("webcredentials.apps array");
    assert_eq!(web.len(), 2);
    assert!(web.iter().all(|v| v.as_str().is_some_and(app_id)));

    // The components route exactly the library's own links to the app.
    let urls = build_return_urls(s.base.clone()).expect("urls");
    let success = url::Url::parse(&urls.success_url.replace(SESSION_ID_PLACEHOLDER, "cs_test_a1")).expect("url");
    let cancel = url::Url::parse(&urls.cancel_url).expect("url");
    let matching = |u: &url::Url| components.iter().filter(|c| component_matches(c, u)).count();
    assert_eq!(matching(&success), 1, "the success link opens the app");
    assert_eq!(matching(&cancel), 1, "the cancel link opens the app");
    for other in [
        format!("{}/success?state={}", s.base, urls.state),
        format!("{}/cancel", s.base),
        format!("{}/other?state={}", s.base, urls.state),
        format!("{}/success/x?session_id=a&state=b", s.base),
    ] {
        assert_eq!(matching(&url::Url::parse(&other).expect("url")), 0, "{other}");
    }

    // Google: https://developer.android.com/training/app-links/verify-android-applinks
    let statements: Value = http()
        .get(format!("{}/.well-known/assetlinks.json", s.srv.base_url()))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("json"))
        .expect("body");
    let statements = statements.as_array().expect("a list of statements");
    assert_eq!(statements.len(), 2);
    let fingerprint = |f: &str| {
        f.len() == 95
            && f.split(':')
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)))
    };
    for st in statements {
        let keys: BTreeSet<&str> = st.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["relation", "target"]));
        assert_eq!(
            st["relation"],
            serde_json::json!(["delegate_permission/common.handle_all_urls"])
        );
        let t = st["target"].as_object().expect("target");
        let keys: BTreeSet<&str> = t.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["namespace", "package_name", "sha256_cert_fingerprints"])
        );
        assert_eq!(t["namespace"], "android_app");
        assert!(t["package_name"].is_string());
        let fps = t["sha256_cert_fingerprints"].as_array().expect("array");
        assert!(
            !fps.is_empty() && fps.iter().all(|f| f.as_str().is_some_and(fingerprint)),
            "{fps:?}"
        );
    }
    assert_eq!(statements[0]["target"]["package_name"], "com.example.shop");
    assert_eq!(
        statements[0]["target"]["sha256_cert_fingerprints"][0],
        FP.replacen("14", "15", 1),
        "configured in lower case, served in upper case"
    );

    // Exact paths only: no trailing-slash or extension variants, no redirects.
    for path in [
        "/.well-known/apple-app-site-association/",
        "/.well-known/apple-app-site-association.json",
        "/apple-app-site-association",
    ] {
        let r = http()
            .get(format!("{}{path}", s.srv.base_url()))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.headers().get("location").is_none());
    }

    // Without [links], neither file (nor the page) exists.
    let bare = start(&emu.base_url(), 30, false).await;
    for path in [
        "/.well-known/apple-app-site-association",
        "/.well-known/assetlinks.json",
        "/checkout/cancel",
    ] {
        let r = http()
            .get(format!("{}{path}", bare.srv.base_url()))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 404, "{path}");
    }
}

fn regex_like_app_id(id: &str) -> bool {
    let Some((team, bundle)) = id.split_once('.') else {
        return false;
    };
    team.len() == 10
        && team.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && !bundle.is_empty()
        && bundle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[test]
fn malformed_association_fields_stop_the_server_at_start_up_naming_the_field() {
    let good = config_text("http://127.0.0.1:9", 9, 30, true);
    assert!(ServerConfig::from_toml(&good).is_ok());
    for (from, to, field) in [
        (
            "ABCDE12345.com.example.shop\"",
            "abcde12345.com.example.shop\"",
            "links.apple_app_ids[0]: the team ID",
        ),
        (
            "ABCDE12345.com.example.shop.debug",
            "ABCDE1234.com.example.shop.debug",
            "links.apple_app_ids[1]: the team ID",
        ),
        (
            &format!("\"{FP}\"]\n[[links"),
            &format!("\"{}\"]\n[[links", &FP[3..]),
            "links.android_apps[0].sha256_cert_fingerprints[1]:",
        ),
        (
            "package_name = \"com.example.shop.debug\"",
            "package_name = \"shop\"",
            "links.android_apps[1].package_name:",
        ),
        (
            "return_base = \"http://127.0.0.1:9/checkout\"",
            "return_base = \"http://shop.example/checkout\"",
            "links.return_base:",
        ),
        (
            "app_return_base = \"myapp://checkout\"",
            "app_return_base = \"https://x.example/\"",
            "links.app_return_base:",
        ),
    ] {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        let e = ServerConfig::from_toml(&bad).expect_err(field).to_string();
        assert!(e.starts_with(field), "{field}: {e}");
    }
}

#[tokio::test]
async fn the_return_page_says_only_the_status_and_opens_the_app() {
    let emu = Emulator::start().await.expect("emulator");
    let s = start(&emu.base_url(), 1000, true).await;
    let (web, app) = flows(&s);

    // Paid: Stripe redirects to the https-style link; the page shows the status.
    let pending = web.start(params()).await.expect("start");
    let link = press(&pending.url, "pay").await;
    assert!(
        link.starts_with(&format!("{}/success?session_id={}&state=", s.base, pending.session_id)),
        "{link}"
    );
    let page = get(&link, None).await;
    assert_eq!((page.status, page.result()), (200, "paid"), "{}", page.body);
    assert!(page.body.contains("<h1>Payment received</h1>"));
    assert_page_headers(&page);
    for private in [
        "43.21",
        "4321",
        "Secret Product Name",
        "private.person",
        "alice",
        "usd",
        "USD",
    ] {
        assert!(!page.body.contains(private), "the page leaks {private}");
    }
    let open = page.open_app().expect("an Open the app link");
    assert_eq!(
        open,
        format!(
            "myapp://checkout/success?session_id={}&state={}",
            pending.session_id, pending.state
        )
    );
    // The library takes that link and decides from Stripe.
    assert_eq!(
        app.handle_return_url(open).await.expect("handled").outcome,
        PaymentOutcome::Paid
    );
    // Android gets the intent: form, with the package and the store fallback.
    let android = get(
        &link,
        Some("Mozilla/5.0 (Linux; Android 15; Pixel 9) Chrome/156.0 Mobile"),
    )
    .await;
    assert_eq!(
        android.open_app().expect("link"),
        format!(
            "intent://checkout/success?session_id={}&state={}#Intent;scheme=myapp;package=com.example.shop;\
S.browser_fallback_url=https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.example.shop;end",
            pending.session_id, pending.state
        )
    );

    // Cancel.
    let pending = web.start(params()).await.expect("start");
    let link = press(&pending.url, "cancel").await;
    let page = get(&link, None).await;
    assert_eq!((page.status, page.result()), (200, "not_completed"), "{}", page.body);
    assert_page_headers(&page);
    let open = page.open_app().expect("link");
    assert_eq!(open, format!("myapp://checkout/cancel?state={}", pending.state));
    assert_eq!(
        app.handle_return_url(open).await.expect("handled").outcome,
        PaymentOutcome::Canceled
    );

    // Open, and processing (a delayed method).
    let open_session = web.start(params()).await.expect("start");
    let link = format!("{}/cancel?state={}", s.base, open_session.state);
    assert_eq!(get(&link, None).await.result(), "not_completed");
    let later = web.start(params()).await.expect("start");
    let link = press(&later.url, "pay_later").await;
    assert_eq!(get(&link, None).await.result(), "processing");

    // Stripe unreachable: the page says so (503) and still offers the app.
    let pending = web.start(params()).await.expect("start");
    let link = press(&pending.url, "pay").await;
    emu.inject_fault(Fault {
        kind: FaultKind::Status,
        status: Some(500),
        count: 10,
        should_retry: Some(false),
        ..Default::default()
    });
    let page = get(&link, None).await;
    emu.clear_faults();
    assert_eq!((page.status, page.result()), (503, "unavailable"), "{}", page.body);
    assert_page_headers(&page);
    assert!(page.open_app().is_some());
}

#[tokio::test]
async fn forged_links_learn_nothing_and_never_reach_stripe() {
    let emu = Emulator::start().await.expect("emulator");
    let s = start(&emu.base_url(), 1000, true).await;
    let (web, _app) = flows(&s);
    let paid = web.start(params()).await.expect("start");
    press(&paid.url, "pay").await;
    let other = web.start(params()).await.expect("start");
    let unknown_state = "0123456789abcdef0123456789abcdef";
    let b = &s.base;
    let forged = [
        // A real, paid session ID with a state this server never recorded.
        format!("{b}/success?session_id={}&state={unknown_state}", paid.session_id),
        // A real state with another real session's ID.
        format!("{b}/success?session_id={}&state={}", other.session_id, paid.state),
        // An unknown session ID with a real state.
        format!("{b}/success?session_id=cs_test_doesnotexist&state={}", paid.state),
        format!("{b}/cancel?state={unknown_state}"),
        // Malformed: wrong length, upper case, missing, duplicated, placeholder, markup.
        format!("{b}/cancel?state=0123"),
        format!("{b}/cancel?state={}", paid.state.to_uppercase()),
        format!("{b}/cancel"),
        format!("{b}/cancel?state={0}&state={0}", paid.state),
        format!("{b}/success?session_id={{CHECKOUT_SESSION_ID}}&state={}", paid.state),
        format!("{b}/success?state={}", paid.state),
        format!(
            "{b}/success?session_id=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state={}",
            paid.state
        ),
        format!("{b}/cancel?state=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"),
        format!("{b}/success?session_id=cs_{}&state={}", "x".repeat(300), paid.state),
    ];
    let before = emu.requests().len();
    let mut bodies = BTreeSet::new();
    for link in &forged {
        let page = get(link, None).await;
        assert_eq!((page.status, page.result()), (400, "refused"), "{link}: {}", page.body);
        assert!(page.body.contains("<h1>This link is not valid</h1>"));
        assert!(page.open_app().is_none(), "{link}: no way into the app");
        assert!(
            !page.body.contains("<script") && !page.body.contains("alert(1)"),
            "{link}"
        );
        assert_page_headers(&page);
        bodies.insert(page.without_nonce());
    }
    assert_eq!(bodies.len(), 1, "every refusal is the same page, whatever was wrong");
    assert_eq!(emu.requests().len(), before, "no refused link reached Stripe");
    // The real link still works afterwards.
    let real = format!("{b}/success?session_id={}&state={}", paid.session_id, paid.state);
    assert_eq!(get(&real, None).await.result(), "paid");
}

/// Two instances on one PostgreSQL: the session is created through one, and the other renders
/// its return page (the load balancer may send the customer anywhere). `scripts/test.sh`
/// starts PostgreSQL and sets the URL.
#[tokio::test]
async fn any_instance_answers_the_page_on_postgresql() {
    let Some(url) = support::postgres::url() else {
        return;
    };
    let emu = Emulator::start().await.expect("emulator");
    let la = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let lb = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = la.local_addr().expect("addr").port();
    let text = config_with_db(&emu.base_url(), port, 1000, true, &url);
    let (a, b) = tokio::join!(start_with(la, &text), start_with(lb, &text));
    let (web, app) = flows(&a);
    let pending = web.start(params()).await.expect("start through a");
    let link = press(&pending.url, "pay").await;
    assert!(link.starts_with(&a.base), "{link}");
    let on_b = link.replacen(&a.srv.base_url(), &b.srv.base_url(), 1);
    let page = get(&on_b, None).await;
    assert_eq!((page.status, page.result()), (200, "paid"), "{}", page.body);
    let open = page.open_app().expect("link");
    assert_eq!(
        app.handle_return_url(open).await.expect("handled").outcome,
        PaymentOutcome::Paid
    );
    let forged = format!("{}/cancel?state={}", b.base, new_state().expect("state"));
    assert_eq!(get(&forged, None).await.result(), "refused");
}

#[tokio::test]
async fn the_page_is_rate_limited_per_address_before_any_lookup() {
    let emu = Emulator::start().await.expect("emulator");
    let s = start(&emu.base_url(), 5, true).await;
    let (web, _) = flows(&s);
    let paid = web.start(params()).await.expect("start");
    let link = press(&paid.url, "pay").await;
    let before = emu.requests().len();
    let mut results = Vec::new();
    for _ in 0..8 {
        let p = get(&link, None).await;
        if p.status == 429 {
            assert_eq!(p.header("retry-after"), "60");
            assert_page_headers(&p);
        }
        results.push(p.result().to_owned());
    }
    assert_eq!(results[..5], ["paid"; 5]);
    assert_eq!(results[5..], ["rate_limited"; 3]);
    assert_eq!(emu.requests().len(), before + 5, "limited views cost no Stripe call");
    // The API is not affected by the page's limit.
    assert!(app_client(&s.srv).retrieve_session(paid.session_id).await.is_ok());
}

async fn scrape(srv: &RunningServer) -> String {
    let url = srv.metrics_url().expect("metrics listener");
    let r = http().get(&url).send().await.expect("scrape");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    r.text().await.expect("text")
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_move_on_their_own_listener() {
    let emu = Emulator::start().await.expect("emulator");
    let s = start(&emu.base_url(), 1000, true).await;
    let (web, _) = flows(&s);
    let before = scrape(&s.srv).await;
    assert_eq!(
        value(
            &before,
            "checkout_bridge_http_requests_total{route=\"/v1/checkout/sessions\",status=\"200\"}"
        ),
        0.0
    );

    let pending = web.start(params()).await.expect("start");
    let link = press(&pending.url, "pay").await;
    get(&link, None).await;
    get(&format!("{}/cancel?state=nope", s.base), None).await;
    // One verified webhook and one refused.
    let payload = r#"{"id":"evt_links_1","type":"checkout.session.completed","created":1,"livemode":false,"data":{"object":{"id":"cs_x","object":"checkout.session"}}}"#;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    for sig in [
        sign_payload(payload.as_bytes(), WHSEC, now),
        format!("t={now},v1={}", "0".repeat(64)),
    ] {
        http()
            .post(format!("{}/webhooks/stripe", s.srv.base_url()))
            .header("stripe-signature", sig)
            .body(payload)
            .send()
            .await
            .expect("webhook");
    }
    http()
        .get(format!("{}/nowhere/{}", s.srv.base_url(), pending.state))
        .send()
        .await
        .expect("404");

    let after = scrape(&s.srv).await;
    for (series, want) in [
        (
            "checkout_bridge_http_requests_total{route=\"/v1/checkout/sessions\",status=\"200\"}",
            1.0,
        ),
        (
            "checkout_bridge_http_requests_total{route=\"/checkout/success\",status=\"200\"}",
            1.0,
        ),
        (
            "checkout_bridge_http_requests_total{route=\"/checkout/cancel\",status=\"400\"}",
            1.0,
        ),
        (
            "checkout_bridge_http_requests_total{route=\"/webhooks/stripe\",status=\"200\"}",
            1.0,
        ),
        (
            "checkout_bridge_http_requests_total{route=\"/webhooks/stripe\",status=\"400\"}",
            1.0,
        ),
        (
            "checkout_bridge_http_requests_total{route=\"unmatched\",status=\"404\"}",
            1.0,
        ),
        (
            "checkout_bridge_upstream_request_duration_seconds_count{operation=\"create\",outcome=\"ok\"}",
            1.0,
        ),
        (
            "checkout_bridge_upstream_request_duration_seconds_count{operation=\"retrieve\",outcome=\"ok\"}",
            1.0,
        ),
        ("checkout_bridge_webhook_verifications_total{result=\"verified\"}", 1.0),
        ("checkout_bridge_webhook_verifications_total{result=\"refused\"}", 1.0),
        ("checkout_bridge_return_pages_total{result=\"paid\"}", 1.0),
        ("checkout_bridge_return_pages_total{result=\"refused\"}", 1.0),
    ] {
        assert_eq!(value(&after, series), want, "{series} in\n{after}");
    }
    // Paths are not labels: the state in the unmatched path appears nowhere.
    assert!(!after.contains(&pending.state));
    // Metrics are not on the public listener.
    let r = http()
        .get(format!("{}/metrics", s.srv.base_url()))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn health_and_readiness() {
    let emu = Emulator::start().await.expect("emulator");
    let s = start(&emu.base_url(), 30, true).await;
    let base = s.srv.base_url();
    let r = http().get(format!("{base}/healthz")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let ops = s.srv.metrics_url().expect("metrics").replace("/metrics", "/readyz");
    // Anyone's listener says ready or not, nothing about the database or Stripe (issue 23).
    let r = http().get(format!("{base}/readyz")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let v: Value = serde_json::from_str(&r.text().await.expect("body")).expect("json");
    assert_eq!(v, serde_json::json!({"status": "ready"}));
    // The detail is on the metrics listener.
    let r = http().get(&ops).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let v: Value = serde_json::from_str(&r.text().await.expect("body")).expect("json");
    assert_eq!(
        v,
        serde_json::json!({"status": "ready", "database": "ok", "upstream": "ok"})
    );
    // Cached: a burst of probes costs one Stripe call.
    let calls = emu.requests().len();
    for _ in 0..5 {
        http().get(format!("{base}/readyz")).send().await.expect("get");
    }
    assert_eq!(emu.requests().len(), calls);

    // Stripe unreachable: a port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let down = start(&format!("http://127.0.0.1:{closed}"), 30, false).await;
    let r = http()
        .get(format!("{}/readyz", down.srv.base_url()))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 503);
    let v: Value = serde_json::from_str(&r.text().await.expect("body")).expect("json");
    assert_eq!(v, serde_json::json!({"status": "unready"}));
    let r = http()
        .get(down.srv.metrics_url().expect("metrics").replace("/metrics", "/readyz"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 503);
    let v: Value = serde_json::from_str(&r.text().await.expect("body")).expect("json");
    assert_eq!(
        v,
        serde_json::json!({"status": "unready", "database": "ok", "upstream": "unreachable"})
    );
    assert_eq!(
        http()
            .get(format!("{}/healthz", down.srv.base_url()))
            .send()
            .await
            .expect("get")
            .status(),
        200
    );

    // A key Stripe refuses.
    let bound = Emulator::builder()
        .api_key("sk_test_only_this_one")
        .start()
        .await
        .expect("emulator");
    let refused = start(&bound.base_url(), 30, false).await;
    let public: Value = http()
        .get(format!("{}/readyz", refused.srv.base_url()))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("json"))
        .expect("body");
    assert_eq!(
        public,
        serde_json::json!({"status": "unready"}),
        "no key_refused for anyone"
    );
    let v: Value = http()
        .get(
            refused
                .srv
                .metrics_url()
                .expect("metrics")
                .replace("/metrics", "/readyz"),
        )
        .send()
        .await
        .expect("get")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("json"))
        .expect("body");
    assert_eq!(v["upstream"], "key_refused");
}

#[test]
fn json_logs_from_the_real_binary() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("cb-links-bin-{}", new_idempotency_key().expect("random")));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("server.toml");
    let text = config_text("http://127.0.0.1:9", 9, 30, true)
        .replace("metrics_listen", "log_format = \"json\"\nmetrics_listen");
    std::fs::File::create(&config)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_checkout-bridge-server"))
        .arg("--config")
        .arg(&config)
        .env("STRIPE_SECRET_KEY", KEY)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server binary");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("first line");
    let url = line.trim().rsplit(' ').next().expect("url").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    line.clear();
    out.read_line(&mut line).expect("second line");
    assert!(line.contains("metrics on http://127.0.0.1:"), "{line}");
    // One request to log, over a plain socket (no runtime needed here).
    let addr = url.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(addr).expect("connect");
    sock.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut resp = String::new();
    std::io::Read::read_to_string(&mut sock, &mut resp).expect("read");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let _ = child.kill();
    let _ = child.wait();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err).expect("stderr");
    let lines: Vec<Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().any(|l| l["message"] == "listening"), "{err}");
    assert!(
        lines.iter().any(|l| l["message"] == "request"
            && l["path"] == "/healthz"
            && l["status"] == 200
            && l["level"] == "INFO"),
        "{err}"
    );
    assert!(!err.contains(KEY));
    let _ = std::fs::remove_dir_all(dir);
}
