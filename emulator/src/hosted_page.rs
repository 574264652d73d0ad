//! The minimal hosted payment page at each session's `url`: Pay, Pay later, Cancel.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Response, StatusCode};

use crate::session::Session;
use crate::{now_unix, Shared};

const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn money(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    if ZERO_DECIMAL.contains(&currency) {
        format!("{code} {amount}")
    } else {
        let sign = if amount < 0 { "-" } else { "" };
        let abs = amount.unsigned_abs();
        format!("{code} {sign}{}.{:02}", abs / 100, abs % 100)
    }
}

fn html(status: StatusCode, title: &str, body: &str) -> Response<Body> {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body>\n<h1>{t}</h1>\n{body}\n</body></html>\n",
        t = escape(title)
    );
    let mut resp = Response::new(Body::from(page));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

fn render(s: &Session) -> Response<Body> {
    if s.status != "open" {
        let msg = format!(
            "<p>This Checkout Session is no longer available (status: {}).</p>",
            escape(&s.status)
        );
        return html(StatusCode::OK, "Checkout unavailable", &msg);
    }
    let mut body = String::from("<ul>\n");
    for li in &s.line_items {
        let description = li
            .price
            .description
            .as_deref()
            .map(|d| format!(" <small>{}</small>", escape(d)))
            .unwrap_or_default();
        body.push_str(&format!(
            "<li>{} &times; {}{description}: {}</li>\n",
            li.quantity,
            escape(&li.price.product_name),
            money(li.amount(), &li.price.currency)
        ));
    }
    body.push_str("</ul>\n");
    match (s.amount_total, &s.currency) {
        (Some(total), Some(cur)) => body.push_str(&format!(
            "<p>Total: <strong>{}</strong></p>\n",
            escape(&money(total, cur))
        )),
        _ => body.push_str(&format!("<p>Mode: {} (no payment now)</p>\n", escape(&s.mode))),
    }
    let id = escape(&s.id);
    for (action, label) in [("pay", "Pay"), ("pay_later", "Pay later"), ("cancel", "Cancel")] {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/pay/{id}/{action}\"><button type=\"submit\">{label}</button></form>\n"
        ));
    }
    html(StatusCode::OK, "Checkout (Stripe emulator)", &body)
}

/// `GET /pay/{id}`.
pub(crate) async fn page(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response<Body> {
    let mut inner = shared.lock();
    match inner.session_mut(&id, now_unix()) {
        Some(s) => render(s),
        None => html(StatusCode::NOT_FOUND, "Not found", "<p>No such Checkout Session.</p>"),
    }
}

/// `POST /pay/{id}/{pay|pay_later|cancel}`: complete (or not) and redirect with 303.
pub(crate) async fn action(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
) -> Response<Body> {
    let mut inner = shared.lock();
    let Some(s) = inner.session_mut(&id, now_unix()) else {
        return html(StatusCode::NOT_FOUND, "Not found", "<p>No such Checkout Session.</p>");
    };
    if s.status != "open" {
        return html(
            StatusCode::BAD_REQUEST,
            "Checkout unavailable",
            "<p>This Checkout Session is not open.</p>",
        );
    }
    let target = match action.as_str() {
        "pay" | "pay_later" => {
            s.p.success_url
                .as_ref()
                .map(|u| u.replace("{CHECKOUT_SESSION_ID}", &s.id))
        }
        "cancel" => s.p.cancel_url.clone(),
        _ => return html(StatusCode::NOT_FOUND, "Not found", "<p>Unknown action.</p>"),
    };
    let Some(location) = target.and_then(|t| HeaderValue::from_bytes(t.as_bytes()).ok()) else {
        return html(
            StatusCode::BAD_REQUEST,
            "No return URL",
            "<p>This session has no URL to return to.</p>",
        );
    };
    if action != "cancel" && s.complete(action == "pay").is_err() {
        return html(
            StatusCode::BAD_REQUEST,
            "Checkout unavailable",
            "<p>This Checkout Session is not open.</p>",
        );
    }
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::SEE_OTHER;
    resp.headers_mut().insert(header::LOCATION, location);
    resp
}
