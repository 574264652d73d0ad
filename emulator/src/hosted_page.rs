//! The minimal hosted payment page at each session's `url`: Pay (with the customer's choices:
//! promotion code, shipping option, quantities, country), Pay later, Cancel.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Response, StatusCode};

use crate::form::decode_pairs;
use crate::limits::display_amount;
use crate::session::{Completion, Session, StateError};
use crate::{now_unix, Shared};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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

fn not_found() -> Response<Body> {
    html(StatusCode::NOT_FOUND, "Not found", "<p>No such Checkout Session.</p>")
}

/// The inputs of the Pay form that the session needs.
fn choice_fields(s: &Session, cur: &str) -> String {
    let mut f = String::new();
    if s.p.allow_promotion_codes == Some(true) {
        f.push_str("<p><label>Promotion code <input type=\"text\" name=\"promotion_code\"></label></p>\n");
    }
    if !s.p.shipping_options.is_empty() {
        f.push_str("<fieldset><legend>Shipping</legend>\n");
        for (i, o) in s.p.shipping_options.iter().enumerate() {
            let checked = if s.shipping_choice == Some(i) { " checked" } else { "" };
            f.push_str(&format!(
                "<label><input type=\"radio\" name=\"shipping_rate\" value=\"{}\"{checked}> {}: {}</label><br>\n",
                escape(&o.id),
                escape(&o.display_name),
                escape(&display_amount(o.amount, cur))
            ));
        }
        f.push_str("</fieldset>\n");
    }
    for (i, li) in s.line_items.iter().enumerate() {
        if let (Some((min, max)), Some(q)) = (li.adjustable, li.quantity) {
            f.push_str(&format!(
                "<p><label>Quantity of {} <input type=\"number\" name=\"quantity_{i}\" min=\"{min}\" max=\"{max}\" value=\"{q}\"></label></p>\n",
                escape(&li.price.product_name)
            ));
        }
    }
    if s.p.automatic_tax || s.p.shipping_countries.is_some() {
        f.push_str(
            "<p><label>Country <input type=\"text\" name=\"country\" value=\"US\" maxlength=\"2\"></label></p>\n",
        );
    }
    f
}

fn render(s: &Session) -> Response<Body> {
    if s.status != "open" {
        let msg = format!(
            "<p>This Checkout Session is no longer available (status: {}).</p>",
            escape(&s.status)
        );
        return html(StatusCode::OK, "Checkout unavailable", &msg);
    }
    let cur = s.currency.clone().unwrap_or_default();
    let mut body = String::from("<ul>\n");
    for (i, li) in s.line_items.iter().enumerate() {
        let description = li
            .price
            .description
            .as_deref()
            .map(|d| format!(" <small>{}</small>", escape(d)))
            .unwrap_or_default();
        let amount = s.totals.lines.get(i).map(|t| t.subtotal).unwrap_or(0);
        let qty = li.quantity.map(|q| q.to_string()).unwrap_or_else(|| "metered".into());
        body.push_str(&format!(
            "<li>{qty} &times; {}{description}: {}</li>\n",
            escape(&li.price.product_name),
            escape(&display_amount(amount, &li.price.currency))
        ));
    }
    body.push_str("</ul>\n");
    match s.amount_total {
        Some(total) if s.mode != "setup" => {
            let t = &s.totals;
            if t.discount > 0 {
                body.push_str(&format!(
                    "<p>Discount: -{}</p>\n",
                    escape(&display_amount(t.discount, &cur))
                ));
            }
            if let Some(ship) = t.shipping {
                body.push_str(&format!(
                    "<p>Shipping: {}</p>\n",
                    escape(&display_amount(ship.subtotal, &cur))
                ));
            }
            if t.tax > 0 {
                body.push_str(&format!("<p>Tax: {}</p>\n", escape(&display_amount(t.tax, &cur))));
            }
            body.push_str(&format!(
                "<p>Total: <strong>{}</strong></p>\n",
                escape(&display_amount(total, &cur))
            ));
        }
        _ => body.push_str(&format!("<p>Mode: {} (no payment now)</p>\n", escape(&s.mode))),
    }
    let id = escape(&s.id);
    // The Pay form starts with its button (clients find forms by `<form …><button>`); the
    // customer's choices follow inside the same form.
    let fields = choice_fields(s, &cur);
    let sep = if fields.is_empty() { "" } else { "\n" };
    body.push_str(&format!(
        "<form method=\"post\" action=\"/pay/{id}/pay\"><button type=\"submit\">Pay</button>{sep}{fields}</form>\n"
    ));
    for (action, label) in [("pay_later", "Pay later"), ("cancel", "Cancel")] {
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
        Some(s) if s.is_hosted() => render(s),
        _ => not_found(),
    }
}

/// The customer's choices posted by the Pay form.
fn completion(action: &str, body: &Bytes) -> Completion {
    let mut c = Completion::paid(action == "pay");
    for (k, v) in decode_pairs(body) {
        let v = v.trim().to_owned();
        match k.as_str() {
            "promotion_code" if !v.is_empty() => c.promotion_code = Some(v),
            "shipping_rate" if !v.is_empty() => c.shipping_rate = Some(v),
            "country" if !v.is_empty() => c.country = Some(v),
            _ => {
                let q = k.strip_prefix("quantity_").and_then(|i| i.parse::<usize>().ok());
                if let (Some(i), Ok(n)) = (q, v.parse::<i64>()) {
                    c.quantities.push((i, n));
                }
            }
        }
    }
    c
}

/// `POST /pay/{id}/{pay|pay_later|cancel}`: complete (or not) and redirect with 303.
pub(crate) async fn action(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    let mut inner = shared.lock();
    let inner = &mut *inner;
    let Some(s) = inner.sessions.get_mut(&id).filter(|s| s.is_hosted()) else {
        return not_found();
    };
    s.refresh(now_unix());
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
    if action != "cancel" {
        if let Err(e) = s.complete(&completion(&action, &body), &inner.catalogue) {
            let msg = match e {
                StateError::Choice(_, m) => m,
                _ => "This Checkout Session is not open.".into(),
            };
            return html(StatusCode::BAD_REQUEST, "Checkout", &format!("<p>{}</p>", escape(&msg)));
        }
    }
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::SEE_OTHER;
    resp.headers_mut().insert(header::LOCATION, location);
    resp
}
