//! Test-control endpoints under `/_emulator/` (JSON, no auth, never faulted), the operations
//! they share with the [`crate::Emulator`] methods, and the router for non-API paths.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::catalogue::{check_coupon, Coupon, Price, Product, PromotionCode, ShippingRate, TaxRate};
use crate::error::{json_response, ApiError};
use crate::faults::{Fault, FaultKind};
use crate::session::{Completion, Session, StateError};
use crate::{hosted_page, now_unix, Shared};

/// Why a control operation failed.
#[derive(Debug)]
pub(crate) enum ControlError {
    NotFound,
    State(StateError),
    BadPatch,
}

impl ControlError {
    /// A sentence for people (and the Rust API).
    pub fn message(&self, id: &str) -> String {
        match self {
            ControlError::NotFound => format!("No such checkout.session: '{id}'"),
            ControlError::State(StateError::NotOpen) => format!("Checkout Session '{id}' is not open."),
            ControlError::State(StateError::NotAwaitingPayment) => {
                format!("Checkout Session '{id}' is not complete and awaiting payment.")
            }
            ControlError::State(StateError::Choice(_, m)) => m.clone(),
            ControlError::BadPatch => {
                "The patch must be a JSON object of known fields with values of the right type.".into()
            }
        }
    }

    fn response(&self, id: &str) -> Response<Body> {
        match self {
            ControlError::NotFound => ApiError::no_such_session(id).response(),
            ControlError::State(StateError::Choice(param, m)) => {
                ApiError::invalid(m.clone()).at(param.clone()).response()
            }
            _ => ApiError::invalid(self.message(id)).response(),
        }
    }
}

type Op<'a> = &'a mut dyn FnMut(&mut Session, &crate::catalogue::Catalogue) -> Result<(), ControlError>;

impl Shared {
    /// Runs `op` on a session (lazy expiry applied first) and returns its JSON.
    pub(crate) fn with_session(&self, id: &str, op: Op<'_>) -> Result<Value, ControlError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let s = inner.sessions.get_mut(id).ok_or(ControlError::NotFound)?;
        s.refresh(now_unix());
        op(s, &inner.catalogue)?;
        Ok(s.to_json(&self.base_url))
    }

    pub(crate) fn session_json(&self, id: &str) -> Option<Value> {
        self.with_session(id, &mut |_, _| Ok(())).ok()
    }

    pub(crate) fn complete(&self, id: &str, c: &Completion) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s, cat| s.complete(c, cat).map_err(ControlError::State))
    }

    pub(crate) fn async_succeed(&self, id: &str) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s, _| s.async_succeed().map_err(ControlError::State))
    }

    pub(crate) fn async_fail(&self, id: &str) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s, _| s.async_fail().map_err(ControlError::State))
    }

    pub(crate) fn expire(&self, id: &str) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s, _| s.expire().map_err(ControlError::State))
    }

    pub(crate) fn tamper(&self, id: &str, patch: &Value) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s, _| {
            if s.tamper(patch) {
                Ok(())
            } else {
                Err(ControlError::BadPatch)
            }
        })
    }
}

/// The router for everything outside `/v1/`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut r = Router::new();
    for kind in CATALOGUE_KINDS {
        r = r.route(&format!("/_emulator/{kind}"), post(add_to_catalogue));
    }
    r.route(
        "/_emulator/faults",
        post(add_fault).get(list_faults).delete(clear_faults),
    )
    .route("/_emulator/requests", get(list_requests).delete(clear_requests))
    .route("/_emulator/sessions", get(count_sessions))
    .route("/_emulator/sessions/{id}", get(get_session))
    .route("/_emulator/sessions/{id}/{action}", post(session_action))
    .route("/_emulator/api_keys", post(bind_key))
    .route("/_emulator/api_keys/revoke", post(revoke_key))
    .route("/pay/{id}", get(hosted_page::page))
    .route("/pay/{id}/{action}", post(hosted_page::action))
    .fallback(|uri: axum::http::Uri| async move { not_found(uri.path()) })
    .with_state(shared)
}

/// 404 JSON for an unknown path.
pub(crate) fn not_found(path: &str) -> Response<Body> {
    ApiError::invalid(format!("Unrecognized request URL: {path}"))
        .status(404)
        .response()
}

fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid(format!("Invalid JSON body: {e}")))
}

async fn add_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response<Body> {
    let fault: Fault = match parse_json(&body) {
        Ok(f) => f,
        Err(e) => return e.response(),
    };
    if fault.kind == FaultKind::Status && fault.status.is_none() {
        return ApiError::invalid("A `status` fault needs a `status`.")
            .at("status")
            .response();
    }
    let fault = fault.normalized();
    shared.lock().faults.push(fault.clone());
    json_response(200, &json!(fault))
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response<Body> {
    json_response(200, &json!(shared.lock().faults.list()))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response<Body> {
    shared.lock().faults.clear();
    json_response(200, &json!({"cleared": true}))
}

async fn list_requests(State(shared): State<Arc<Shared>>) -> Response<Body> {
    json_response(200, &json!(shared.lock().requests))
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> Response<Body> {
    shared.lock().requests.clear();
    json_response(200, &json!({"cleared": true}))
}

async fn count_sessions(State(shared): State<Arc<Shared>>) -> Response<Body> {
    json_response(200, &json!({"count": shared.lock().sessions.len()}))
}

async fn get_session(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response<Body> {
    match shared.session_json(&id) {
        Some(v) => json_response(200, &v),
        None => ApiError::no_such_session(&id).response(),
    }
}

/// The body of `POST /_emulator/sessions/{id}/complete`:
/// `{"paid": true, "promotion_code": "SAVE10", "shipping_rate": "shr_…", "quantities": [3, null] |
/// {"0": 3} | {"li_…": 3}, "country": "DE"}`; every key optional; an empty body means paid.
pub(crate) fn parse_completion(body: &Bytes, s: Option<&Value>) -> Result<Completion, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Completion::paid(true));
    }
    let v: Value = parse_json(body)?;
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::invalid("The body must be a JSON object."))?;
    let mut c = Completion::paid(true);
    for (k, v) in obj {
        let bad = || ApiError::invalid(format!("`{k}` has the wrong type.")).at(k.clone());
        match k.as_str() {
            "paid" => c.paid = v.as_bool().ok_or_else(bad)?,
            "promotion_code" => c.promotion_code = opt_string(v).ok_or_else(bad)?,
            "shipping_rate" => c.shipping_rate = opt_string(v).ok_or_else(bad)?,
            "country" => c.country = opt_string(v).ok_or_else(bad)?,
            "quantities" => c.quantities = quantities(v, s).ok_or_else(bad)?,
            _ => return Err(ApiError::unknown(k.clone())),
        }
    }
    Ok(c)
}

fn opt_string(v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        _ => None,
    }
}

/// `[3, null]` by position, or an object keyed by position or line item ID.
fn quantities(v: &Value, session: Option<&Value>) -> Option<Vec<(usize, i64)>> {
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .filter(|(_, q)| !q.is_null())
            .map(|(i, q)| q.as_i64().map(|q| (i, q)))
            .collect(),
        Value::Object(m) => m
            .iter()
            .map(|(k, q)| {
                let q = q.as_i64()?;
                let i = match k.parse::<usize>() {
                    Ok(i) => i,
                    Err(_) => session?
                        .get("line_item_ids")?
                        .as_array()?
                        .iter()
                        .position(|id| id.as_str() == Some(k))?,
                };
                Some((i, q))
            })
            .collect(),
        _ => None,
    }
}

async fn session_action(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    let result = match action.as_str() {
        "complete" => {
            let ids = json!({"line_item_ids": shared.lock().sessions.get(&id).map(|s| s.line_items.iter().map(|l| l.id.clone()).collect::<Vec<_>>())});
            match parse_completion(&body, Some(&ids)) {
                Ok(c) => shared.complete(&id, &c),
                Err(e) => return e.response(),
            }
        }
        "async_succeed" => shared.async_succeed(&id),
        "async_fail" => shared.async_fail(&id),
        "expire" => shared.expire(&id),
        "tamper" => match parse_json::<Value>(&body) {
            Ok(patch) => shared.tamper(&id, &patch),
            Err(e) => return e.response(),
        },
        _ => return not_found(&format!("/_emulator/sessions/{id}/{action}")),
    };
    match result {
        Ok(v) => json_response(200, &v),
        Err(e) => e.response(&id),
    }
}

/// `{"key": "sk_test_…"}`; the answer never echoes the key.
fn key_of(body: &Bytes) -> Result<String, ApiError> {
    let v: Value = parse_json(body)?;
    v.get("key")
        .and_then(Value::as_str)
        .filter(|k| crate::auth::key_is_valid(k))
        .map(str::to_owned)
        .ok_or_else(|| ApiError::invalid("`key` must be a well-formed secret or restricted key.").at("key"))
}

fn key_counts(shared: &Shared) -> Response<Body> {
    let (bound, revoked) = shared.lock().keys.counts();
    json_response(200, &json!({"bound": bound, "revoked": revoked}))
}

async fn bind_key(State(shared): State<Arc<Shared>>, body: Bytes) -> Response<Body> {
    match key_of(&body) {
        Ok(k) => {
            shared.lock().keys.bind(&k);
            key_counts(&shared)
        }
        Err(e) => e.response(),
    }
}

async fn revoke_key(State(shared): State<Arc<Shared>>, body: Bytes) -> Response<Body> {
    match key_of(&body) {
        Ok(k) => {
            shared.lock().keys.revoke(&k);
            key_counts(&shared)
        }
        Err(e) => e.response(),
    }
}

fn prefixed(id: &str, prefix: &str, what: &str) -> Result<(), ApiError> {
    if id.starts_with(prefix) && id.len() > prefix.len() {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("A {what} ID starts with `{prefix}`.")).at("id"))
    }
}

const CATALOGUE_KINDS: [&str; 6] = [
    "prices",
    "products",
    "coupons",
    "promotion_codes",
    "shipping_rates",
    "tax_rates",
];

/// `POST /_emulator/{prices|products|coupons|promotion_codes|shipping_rates|tax_rates}`.
async fn add_to_catalogue(State(shared): State<Arc<Shared>>, uri: axum::http::Uri, body: Bytes) -> Response<Body> {
    let kind = uri.path().trim_start_matches("/_emulator/").to_owned();
    let result: Result<Value, ApiError> = (|| {
        let mut inner = shared.lock();
        let cat = &mut inner.catalogue;
        match kind.as_str() {
            "prices" => {
                let p: Price = parse_json(&body)?;
                if p.id.is_empty() || p.unit_amount < 0 || p.currency.len() != 3 {
                    return Err(ApiError::invalid(
                        "A price needs an `id`, a `currency` and a non-negative `unit_amount`.",
                    ));
                }
                if !matches!(p.usage_type.as_deref(), None | Some("licensed" | "metered"))
                    || (p.usage_type.as_deref() == Some("metered") && p.recurring_interval.is_none())
                {
                    return Err(ApiError::invalid(
                        "`usage_type` is `licensed` or `metered` (metered prices are recurring).",
                    )
                    .at("usage_type"));
                }
                cat.add_price(&p);
                Ok(json!(p))
            }
            "products" => {
                let p: Product = parse_json(&body)?;
                prefixed(&p.id, "prod_", "product")?;
                cat.add_product(p.clone());
                Ok(json!(p))
            }
            "coupons" => {
                let c: Coupon = parse_json(&body)?;
                if c.id.is_empty() {
                    return Err(ApiError::invalid("A coupon needs an `id`.").at("id"));
                }
                check_coupon(&c).map_err(ApiError::invalid)?;
                cat.add_coupon(c.clone());
                Ok(json!(c))
            }
            "promotion_codes" => {
                let p: PromotionCode = parse_json(&body)?;
                prefixed(&p.id, "promo_", "promotion code")?;
                if !cat.coupons.contains_key(&p.coupon) || p.code.trim().is_empty() {
                    return Err(
                        ApiError::invalid("A promotion code needs a `code` and an existing `coupon`.").at("coupon"),
                    );
                }
                cat.add_promotion_code(p.clone());
                Ok(json!(p))
            }
            "shipping_rates" => {
                let r: ShippingRate = parse_json(&body)?;
                prefixed(&r.id, "shr_", "shipping rate")?;
                if r.amount < 0 || r.currency.len() != 3 {
                    return Err(ApiError::invalid(
                        "A shipping rate needs a non-negative `amount` and a `currency`.",
                    ));
                }
                cat.add_shipping_rate(r.clone());
                Ok(json!(r))
            }
            "tax_rates" => {
                let t: TaxRate = parse_json(&body)?;
                prefixed(&t.id, "txr_", "tax rate")?;
                if !(0.0..=100.0).contains(&t.percentage) {
                    return Err(ApiError::invalid("`percentage` is between 0 and 100.").at("percentage"));
                }
                cat.add_tax_rate(t.clone());
                Ok(json!(t))
            }
            _ => Err(ApiError::invalid(format!("Unrecognized request URL: /_emulator/{kind}")).status(404)),
        }
    })();
    match result {
        Ok(v) => json_response(200, &v),
        Err(e) => e.response(),
    }
}
