//! The https return page: what the customer sees when a success or cancel link under
//! `[links] return_base` opens in the browser instead of the app (app not installed, link
//! opened on a desktop, universal link or App Link not verified yet).
//!
//! Stripe's guide for linking out of an iOS app asks for exactly this: "Make sure to create a
//! fallback page at your `success_url` … you can define a custom URL scheme for your app and use
//! it to link back in case the universal link fails"
//! (https://docs.stripe.com/mobile/digital-goods/checkout).
//!
//! Whoever holds the link learns only what the page says: "payment received", "payment
//! processing" or "payment not completed", never an amount, email or name. The page:
//! - parses the link with the library's own return-link grammar (the same parser the app
//!   uses), so a malformed state or session ID is refused before anything else;
//! - looks the state up in [`crate::store::return_links`] (recorded when the session was created
//!   through this server) and, on a success link, requires the recorded session ID: a forged
//!   or guessed link costs one indexed lookup and is refused exactly like a malformed one, and
//!   never reaches Stripe, so a session ID without its state reveals nothing;
//! - asks the server's own Stripe view of that session for its status only;
//! - offers "Open the app" with the same `session_id` and `state` under the app's custom scheme
//!   (an Android `intent:` URL with a store fallback on Android), rebuilt from the validated
//!   values rather than echoing the query;
//! - has no script at all; its one inline style carries a per-response CSP nonce; every value
//!   is HTML-escaped; `Referrer-Policy: no-referrer` (so the store link does not carry the
//!   query away), `Cache-Control: no-store`, `frame-ancestors 'none'`;
//! - is rate-limited per client address (`links.page_rate_limit_per_minute`), on top of the
//!   server's per-address limit.
//!
//! The app still decides the outcome itself from Stripe (`handleReturnUrl`); the page is only a
//! courtesy to a customer who is looking at a browser.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use checkout_bridge::{CheckoutSession, PaymentStatus, ReturnKind, SessionStatus, SESSION_ID_PLACEHOLDER};

use crate::http::error::ApiError;
use crate::links::config::Links;
use crate::state::AppState;

/// What a page said (also the `result` label of its metric).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageResult {
    /// Stripe says complete and paid (or nothing to pay).
    Paid,
    /// Complete, but a delayed payment method is still processing.
    Processing,
    /// Open, expired or cancelled.
    NotCompleted,
    /// Malformed, unknown or mismatched link.
    Refused,
    /// The database or Stripe did not answer.
    Unavailable,
    /// Too many page views from this address.
    RateLimited,
}

impl PageResult {
    /// The metric label and the page's `data-result`.
    pub fn as_str(self) -> &'static str {
        match self {
            PageResult::Paid => "paid",
            PageResult::Processing => "processing",
            PageResult::NotCompleted => "not_completed",
            PageResult::Refused => "refused",
            PageResult::Unavailable => "unavailable",
            PageResult::RateLimited => "rate_limited",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            PageResult::Paid | PageResult::Processing | PageResult::NotCompleted => StatusCode::OK,
            PageResult::Refused => StatusCode::BAD_REQUEST,
            PageResult::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageResult::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn text(self) -> (&'static str, &'static str, &'static str) {
        // (icon, heading, sentence)
        match self {
            PageResult::Paid => (
                "\u{2713}",
                "Payment received",
                "Thank you. Your payment went through; return to the app to continue.",
            ),
            PageResult::Processing => (
                "\u{2026}",
                "Payment processing",
                "Your payment is being processed. The app shows the result once it completes.",
            ),
            PageResult::NotCompleted => (
                "\u{2715}",
                "Payment not completed",
                "No payment was taken. Return to the app to try again.",
            ),
            PageResult::Refused => (
                "!",
                "This link is not valid",
                "This checkout link cannot be used. Open the app to see your purchases.",
            ),
            PageResult::Unavailable => (
                "!",
                "Cannot check this payment now",
                "Please try again in a moment, or return to the app: it checks the payment itself.",
            ),
            PageResult::RateLimited => ("!", "Too many requests", "Please wait a minute and try again."),
        }
    }
}

/// What Stripe's view of the session means for the customer.
pub fn result_for(session: &CheckoutSession) -> PageResult {
    match (&session.status, &session.payment_status) {
        (Some(SessionStatus::Complete), PaymentStatus::Paid | PaymentStatus::NoPaymentRequired) => PageResult::Paid,
        (Some(SessionStatus::Complete), PaymentStatus::Unpaid) => PageResult::Processing,
        _ => PageResult::NotCompleted,
    }
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The link back into the app: `{app_return_base}/success?session_id=…&state=…` (or
/// `/cancel?state=…`), or on Android Chrome's `intent:` form of it, which names the package and
/// falls back to the store when the app is missing
/// (https://developer.chrome.com/docs/android/intents: `intent://HOST/PATH#Intent;scheme=…;
/// package=…;S.browser_fallback_url=ENCODED;end`).
pub fn open_app_href(
    links: &Links,
    kind: ReturnKind,
    session_id: Option<&str>,
    state: &str,
    android: bool,
) -> Option<String> {
    let app = links.app_return_base.as_ref()?;
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let tail = match (kind, session_id) {
        (ReturnKind::Success, Some(id)) => format!("/success?session_id={}&state={}", enc(id), enc(state)),
        _ => format!("/cancel?state={}", enc(state)),
    };
    if !android {
        return Some(format!("{}{tail}", app.text));
    }
    let mut intent = format!("intent://{}{tail}#Intent;scheme={}", app.rest, app.scheme);
    if let Some(a) = links.android_apps.first() {
        intent.push_str(&format!(";package={}", a.package_name));
    }
    if let Some(f) = &links.android_fallback_url {
        intent.push_str(&format!(";S.browser_fallback_url={}", enc(f)));
    }
    intent.push_str(";end");
    Some(intent)
}

fn nonce() -> Option<String> {
    let mut b = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).ok()?;
    Some(hex::encode(b))
}

const STYLE: &str = "
:root{color-scheme:light dark;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f5f7;color:#1a1f36}
main{background:#fff;max-width:26rem;margin:1.5rem;padding:2.5rem 2rem;border-radius:16px;box-shadow:0 4px 24px rgba(0,0,0,.08);text-align:center}
.icon{width:3.5rem;height:3.5rem;margin:0 auto 1rem;border-radius:50%;display:flex;align-items:center;justify-content:center;font-size:1.8rem;font-weight:700;color:#fff;background:#8792a2}
.paid .icon{background:#1ea672}.processing .icon{background:#d97917}.not_completed .icon,.refused .icon{background:#c0123c}
h1{font-size:1.5rem;margin:0 0 .5rem}p{line-height:1.5;color:#4f566b;margin:0 0 1.5rem}
a.button{display:inline-block;padding:.8rem 1.6rem;border-radius:8px;background:#635bff;color:#fff;text-decoration:none;font-weight:600}
.fine{font-size:.8rem;color:#8792a2;margin:1.5rem 0 0}
@media (prefers-color-scheme:dark){body{background:#0a0e1a;color:#f6f9fc}main{background:#1a1f36}p{color:#c1c9d2}}
";

/// Renders one page with every security header.
pub fn render(result: PageResult, href: Option<&str>) -> Response<Body> {
    let (icon, title, sentence) = result.text();
    let nonce = nonce();
    let style = nonce
        .as_deref()
        .map(|n| format!("<style nonce=\"{n}\">{STYLE}</style>"))
        .unwrap_or_default();
    let button = href
        .map(|h| {
            format!(
                "<a class=\"button\" id=\"open-app\" href=\"{}\">Open the app</a>\n",
                escape(h)
            )
        })
        .unwrap_or_default();
    let class = result.as_str();
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"robots\" content=\"noindex\">\n\
<title>{title}</title>\n{style}</head>\n<body>\n<main class=\"{class}\" data-result=\"{class}\">\n\
<div class=\"icon\" aria-hidden=\"true\">{icon}</div>\n<h1>{title}</h1>\n<p>{sentence}</p>\n{button}\
<p class=\"fine\">The app confirms the payment with Stripe itself. You can close this page.</p>\n</main>\n</body></html>\n",
        title = escape(title),
        sentence = escape(sentence),
    );
    let mut r = Response::new(Body::from(page));
    *r.status_mut() = result.status();
    let h = r.headers_mut();
    let csp = match &nonce {
        Some(n) => format!(
            "default-src 'none'; style-src 'nonce-{n}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        None => "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'".to_owned(),
    };
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    for (k, v) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    h.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if result == PageResult::RateLimited {
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    r
}

/// `GET {return_base path}/success`
pub async fn success(State(state): State<Arc<AppState>>, req: Request) -> Response<Body> {
    page(&state, ReturnKind::Success, req).await
}

/// `GET {return_base path}/cancel`
pub async fn cancel(State(state): State<Arc<AppState>>, req: Request) -> Response<Body> {
    page(&state, ReturnKind::Cancel, req).await
}

fn is_android(headers: &HeaderMap) -> bool {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.contains("Android"))
}

async fn page(state: &AppState, kind: ReturnKind, req: Request) -> Response<Body> {
    // Only what the page needs, taken before any await (a request is not Sync).
    let client: IpAddr = crate::http::client_addr::client_key(&state.proxies, &req);
    let android = is_android(req.headers());
    let query = req.uri().query().map(str::to_owned);
    drop(req);
    let (result, href) = decide(state, kind, client, query, android).await;
    state.metrics.return_page(result.as_str());
    render(result, href.as_deref())
}

async fn decide(
    state: &AppState,
    kind: ReturnKind,
    client: IpAddr,
    query: Option<String>,
    android: bool,
) -> (PageResult, Option<String>) {
    let Some(links) = state.links.as_deref() else {
        return (PageResult::Refused, None);
    };
    if !state.page_limiter.allow(&client) {
        state.metrics.rate_limited("return_page");
        return (PageResult::RateLimited, None);
    }
    // The link as the app would receive it, parsed by the app's own parser.
    let suffix = if kind == ReturnKind::Success {
        "/success"
    } else {
        "/cancel"
    };
    let Some(query) = query else {
        return (PageResult::Refused, None);
    };
    let link = format!("{}{suffix}?{query}", links.return_base_text);
    let Ok(event) = links.return_base.parse_return(&link) else {
        return (PageResult::Refused, None);
    };
    let recorded = match state.return_links.session_for(&event.state).await {
        Ok(Some(id)) => id,
        Ok(None) => return (PageResult::Refused, None),
        Err(e) => {
            tracing::error!(error = %e, "return page: link lookup failed");
            return (PageResult::Unavailable, None);
        }
    };
    if event.session_id.as_ref().is_some_and(|id| *id != recorded) {
        return (PageResult::Refused, None);
    }
    // A customer came back through this link: reconciliation checks the session first.
    if let Err(e) = state.fulfilments.ledger().mark_seen(&recorded).await {
        tracing::warn!(error = %e, "return page: session not marked seen");
    }
    let href = open_app_href(links, kind, event.session_id.as_deref(), &event.state, android);
    let started = std::time::Instant::now();
    let r = state.stripe.retrieve_session(recorded).await;
    state.metrics.upstream(
        "retrieve",
        crate::telemetry::metrics::upstream_outcome(&r),
        started.elapsed(),
    );
    match r {
        Ok(session) => (result_for(&session), href),
        Err(checkout_bridge::CheckoutError::NotFound { .. }) => (PageResult::Refused, None),
        Err(e) => {
            tracing::warn!(error = %e, "return page: Stripe did not answer");
            (PageResult::Unavailable, href)
        }
    }
}

/// Records the state of a new session's return links when they are under `[links]
/// return_base`, so the page can answer them later.
///
/// # Errors
///
/// A retryable 500 when the database refuses: the app's client retries with the same
/// idempotency key, Stripe replays the same session, and the record is written then.
pub async fn remember(
    state: &AppState,
    success_url: Option<&str>,
    cancel_url: Option<&str>,
    session: &CheckoutSession,
) -> Result<(), ApiError> {
    let Some(links) = state.links.as_deref() else {
        return Ok(());
    };
    let mut states: Vec<String> = Vec::new();
    let success = success_url.map(|u| u.replace(SESSION_ID_PLACEHOLDER, &session.id));
    for url in [success.as_deref(), cancel_url].into_iter().flatten() {
        if let Ok(e) = links.return_base.parse_return(url) {
            if !states.contains(&e.state) {
                states.push(e.state);
            }
        }
    }
    let expires_at = session.expires_at;
    for s in states {
        match state.return_links.record(&s, &session.id, expires_at).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(session = %session.id, "return link state already belongs to another session"),
            Err(e) => {
                tracing::error!(error = %e, session = %session.id, "return link not recorded");
                return Err(ApiError::new(
                    500,
                    "api_error",
                    "The session's return link could not be recorded; retry the request.",
                    None,
                    None,
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::links::config::LinksConfig;
    use crate::policy::return_urls::AllowedReturnUrl;

    fn links(extra: &str) -> Links {
        let c: LinksConfig = toml::from_str(&format!("return_base = \"https://shop.example/checkout\"\n{extra}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let allowed: Vec<AllowedReturnUrl> = AllowedReturnUrl::parse("https://shop.example/checkout")
            .into_iter()
            .collect();
        c.validate(&allowed).unwrap_or_else(|e| panic!("{e}"))
    }

    const STATE: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn open_app_links_carry_the_same_query() {
        let l = links(
            "app_return_base = \"myapp://checkout\"\n[[android_apps]]\npackage_name = \"com.example.shop\"\nsha256_cert_fingerprints = [\"14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5\"]\n",
        );
        let s = open_app_href(&l, ReturnKind::Success, Some("cs_test_1"), STATE, false);
        assert_eq!(
            s.as_deref(),
            Some(&*format!("myapp://checkout/success?session_id=cs_test_1&state={STATE}"))
        );
        // The library accepts it under the app's base.
        let e = checkout_bridge::parse_return_url(s.unwrap_or_default(), "myapp://checkout".into()).expect("parses");
        assert_eq!(
            (e.kind, e.session_id.as_deref(), e.state.as_str()),
            (ReturnKind::Success, Some("cs_test_1"), STATE)
        );
        let c = open_app_href(&l, ReturnKind::Cancel, None, STATE, false);
        assert_eq!(c.as_deref(), Some(&*format!("myapp://checkout/cancel?state={STATE}")));
        let a = open_app_href(&l, ReturnKind::Success, Some("cs_test_1"), STATE, true).unwrap_or_default();
        assert_eq!(
            a,
            format!(
                "intent://checkout/success?session_id=cs_test_1&state={STATE}#Intent;scheme=myapp;package=com.example.shop;\
S.browser_fallback_url=https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.example.shop;end"
            )
        );
        assert_eq!(open_app_href(&links(""), ReturnKind::Cancel, None, STATE, false), None);
    }

    #[test]
    fn pages_escape_and_carry_a_fresh_nonce() {
        let body = |r: Response<Body>| {
            let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap_or("")
                .to_owned();
            (csp, r)
        };
        let (csp1, r1) = body(render(PageResult::Paid, Some("myapp://x\"><script>alert(1)</script>")));
        let (csp2, _) = body(render(PageResult::Paid, None));
        assert_ne!(csp1, csp2, "a nonce per response");
        assert!(csp1.starts_with("default-src 'none'; style-src 'nonce-"), "{csp1}");
        assert_eq!(r1.status(), StatusCode::OK);
        assert_eq!(escape("<a href=\"x\">'&"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
    }
}
