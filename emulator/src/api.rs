//! The Stripe API surface under `/v1/`: auth, API version, routing, idempotency, endpoints.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response};
use serde_json::Value;

use crate::error::{json_response, ApiError};
use crate::form::{build_tree, decode_pairs, Node};
use crate::idempotency::{fingerprint, Begin, Key, Stored, MAX_KEY_LEN};
use crate::ids::request_id;
use crate::session::{line_items_page, Session};
use crate::validate::{create_params, Obj};
use crate::{now_unix, Shared};

type R<T> = Result<T, ApiError>;

/// The authenticated caller.
struct ApiKey {
    key: String,
    livemode: bool,
}

/// Whether `key` has the shape of a Stripe secret or restricted key.
pub(crate) fn key_is_valid(key: &str) -> bool {
    let rest = key.strip_prefix("sk_").or_else(|| key.strip_prefix("rk_"));
    let rest = rest.and_then(|r| r.strip_prefix("test_").or_else(|| r.strip_prefix("live_")));
    rest.is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// Masks a key as Stripe does in errors: first 8 characters, asterisks, last 4.
pub(crate) fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 12 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 12))
}

/// (scheme, credential) of the Authorization header.
pub(crate) fn authorization(headers: &HeaderMap) -> Option<(String, String)> {
    let value = String::from_utf8_lossy(headers.get(header::AUTHORIZATION)?.as_bytes())
        .trim()
        .to_owned();
    if value.is_empty() {
        return None;
    }
    let (scheme, cred) = value.split_once(' ').unwrap_or((&value, ""));
    Some((scheme.to_owned(), cred.trim().to_owned()))
}

fn authenticate(headers: &HeaderMap) -> R<ApiKey> {
    let missing = || {
        ApiError {
        status: 401,
        kind: "invalid_request_error".into(),
        code: None,
        message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').".into(),
        param: None,
    }
    };
    let (scheme, cred) = authorization(headers).ok_or_else(missing)?;
    if cred.is_empty() {
        return Err(missing());
    }
    if !scheme.eq_ignore_ascii_case("bearer") || !key_is_valid(&cred) {
        return Err(ApiError::invalid(format!("Invalid API Key provided: {}", mask_key(&cred))).status(401));
    }
    let livemode = cred.contains("_live_");
    Ok(ApiKey { key: cred, livemode })
}

/// `YYYY-MM-DD` optionally followed by `.name`.
fn version_is_valid(v: &str) -> bool {
    let (date, name) = v.split_once('.').unwrap_or((v, "x"));
    let b = date.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && !name.is_empty()
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

fn stripe_version(headers: &HeaderMap) -> R<Option<String>> {
    let Some(v) = headers.get("stripe-version") else {
        return Ok(None);
    };
    let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
    if !version_is_valid(&v) {
        return Err(ApiError::invalid(format!("Invalid Stripe API version: {v}")).at("Stripe-Version"));
    }
    Ok(Some(v))
}

enum Route {
    Create,
    Retrieve(String),
    Expire(String),
    LineItems(String),
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/v1/checkout/sessions")?;
    let segs: Vec<&str> = if rest.is_empty() {
        vec![]
    } else {
        rest.strip_prefix('/')?.split('/').collect()
    };
    if segs.iter().any(|s| s.is_empty()) {
        return None;
    }
    match (method, segs.as_slice()) {
        (&Method::POST, []) => Some(Route::Create),
        (&Method::GET, [id]) => Some(Route::Retrieve((*id).to_owned())),
        (&Method::POST, [id, "expire"]) => Some(Route::Expire((*id).to_owned())),
        (&Method::GET, [id, "line_items"]) => Some(Route::LineItems((*id).to_owned())),
        _ => None,
    }
}

/// Releases an idempotency key if the request never finishes (e.g. the client went away).
struct IdemGuard {
    shared: Arc<Shared>,
    key: Option<Key>,
}

impl IdemGuard {
    fn finish(mut self, stored: Option<Stored>) {
        if let Some(key) = self.key.take() {
            self.shared.lock().idempotency.finish(&key, stored);
        }
    }
}

impl Drop for IdemGuard {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.lock().idempotency.finish(&key, None);
        }
    }
}

/// Handles one `/v1/` request; `delay` is slept after the idempotency key is claimed.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    parts: &Parts,
    body: &Bytes,
    delay: Option<Duration>,
) -> Response<Body> {
    let rid = request_id();
    let mut resp = match run(shared, parts, body, delay, &rid).await {
        Ok(r) => r,
        Err(e) => e.response(),
    };
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("request-id", v);
    }
    resp
}

async fn run(
    shared: &Arc<Shared>,
    parts: &Parts,
    body: &Bytes,
    delay: Option<Duration>,
    rid: &str,
) -> R<Response<Body>> {
    let key = authenticate(&parts.headers)?;
    let version = stripe_version(&parts.headers)?;
    let path = parts.uri.path();
    let route = route(&parts.method, path).ok_or_else(|| {
        ApiError::invalid(format!(
            "Unrecognized request URL ({}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
            parts.method
        ))
        .status(404)
    })?;
    let is_post = parts.method == Method::POST;
    let pairs = if is_post {
        let ct = parts
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mime = ct
            .as_deref()
            .map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        let form_ok = match mime.as_deref() {
            Some(m) => m == "application/x-www-form-urlencoded",
            None => body.is_empty(),
        };
        if !form_ok {
            return Err(ApiError::invalid(format!(
                "Invalid request: unsupported Content-Type {}. Stripe accepts application/x-www-form-urlencoded.",
                ct.unwrap_or_else(|| "(none)".into())
            )));
        }
        decode_pairs(body)
    } else {
        decode_pairs(parts.uri.query().unwrap_or("").as_bytes())
    };
    let tree = build_tree(&pairs).map_err(|e| ApiError::invalid(e.message).at(e.param))?;

    let mut guard = None;
    let idem = parts
        .headers
        .get("idempotency-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if let (true, Some(idem)) = (is_post, idem.filter(|k| !k.is_empty())) {
        if idem.chars().count() > MAX_KEY_LEN {
            return Err(ApiError::invalid(format!(
                "Invalid Idempotency-Key: must be at most {MAX_KEY_LEN} characters long"
            ))
            .at("Idempotency-Key"));
        }
        let k: Key = (key.key.clone(), idem.clone());
        let fp = fingerprint(parts.method.as_str(), path, &pairs);
        let begin = shared.lock().idempotency.begin(&k, &fp);
        match begin {
            Begin::Execute => guard = Some(IdemGuard { shared: shared.clone(), key: Some(k) }),
            Begin::Replay(stored) => {
                let mut resp = Response::new(Body::from(stored.body));
                *resp.status_mut() = axum::http::StatusCode::from_u16(stored.status).unwrap_or_default();
                let h = resp.headers_mut();
                h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                h.insert("idempotent-replayed", HeaderValue::from_static("true"));
                if let Ok(v) = HeaderValue::from_str(&stored.request_id) {
                    h.insert("original-request", v);
                }
                return Ok(resp);
            }
            Begin::Mismatch => {
                return Err(ApiError {
                    status: 400,
                    kind: "idempotency_error".into(),
                    code: None,
                    message: format!("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{idem}' if you meant to execute a different request."),
                    param: None,
                })
            }
            Begin::InProgress => {
                return Err(ApiError {
                    status: 409,
                    kind: "idempotency_error".into(),
                    code: None,
                    message: format!("There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): {idem}. Please try again later."),
                    param: None,
                })
            }
        }
    }
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }

    let (status, value) = match execute(shared, &route, &tree, &key, version.as_deref()) {
        Ok(v) => (200, v),
        Err(e) => (e.status, e.body()),
    };
    let resp = json_response(status, &value);
    if let Some(g) = guard {
        let stored = (200..300).contains(&status).then(|| Stored {
            status,
            body: Bytes::from(serde_json::to_string_pretty(&value).unwrap_or_default()),
            request_id: rid.to_owned(),
        });
        g.finish(stored);
    }
    Ok(resp)
}

fn execute(
    shared: &Shared,
    route: &Route,
    tree: &std::collections::BTreeMap<String, Node>,
    key: &ApiKey,
    version: Option<&str>,
) -> R<Value> {
    let root = Obj::root(tree);
    let now = now_unix();
    let mut inner = shared.lock();
    match route {
        Route::Create => {
            let params = create_params(tree, &inner.prices, now)?;
            let session = Session::new(params, key.livemode, now, version);
            let json = session.to_json(&shared.base_url);
            inner.sessions.insert(session.id.clone(), session);
            Ok(json)
        }
        Route::Retrieve(id) => {
            root.check_known(&["expand"])?;
            let s = inner
                .session_mut(id, now)
                .ok_or_else(|| ApiError::no_such_session(id))?;
            Ok(s.to_json(&shared.base_url))
        }
        Route::Expire(id) => {
            root.check_known(&["expand"])?;
            let s = inner
                .session_mut(id, now)
                .ok_or_else(|| ApiError::no_such_session(id))?;
            s.expire().map_err(|_| {
                ApiError::invalid("Only Checkout Sessions with a status in [\"open\"] can be expired.").at("session")
            })?;
            Ok(s.to_json(&shared.base_url))
        }
        Route::LineItems(id) => {
            root.check_known(&["limit", "starting_after", "ending_before", "expand"])?;
            let limit = root.int("limit")?.unwrap_or(10);
            if !(1..=100).contains(&limit) {
                return Err(ApiError::param(
                    "parameter_invalid_integer",
                    "limit",
                    "This value must be between 1 and 100.",
                ));
            }
            let after = root.str("starting_after")?;
            let before = root.str("ending_before")?;
            let s = inner
                .session_mut(id, now)
                .ok_or_else(|| ApiError::no_such_session(id))?;
            line_items_page(s, limit as usize, after, before).map_err(|li| {
                let param = if after.is_some() {
                    "starting_after"
                } else {
                    "ending_before"
                };
                ApiError::param("resource_missing", param, format!("No such line item: '{li}'"))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_versions() {
        assert!(key_is_valid("sk_test_abc123"));
        assert!(key_is_valid("rk_live_A_b"));
        assert!(!key_is_valid("pk_test_abc"));
        assert!(!key_is_valid("sk_test_"));
        assert!(!key_is_valid("sk_test_ab-c"));
        assert_eq!(mask_key("sk_test_1234567890abcd"), "sk_test_**********abcd");
        assert_eq!(mask_key("short"), "*****");
        assert!(version_is_valid("2026-07-29.dahlia"));
        assert!(version_is_valid("2023-08-16"));
        assert!(!version_is_valid("2023-8-16"));
        assert!(!version_is_valid("2023-08-16."));
        assert!(!version_is_valid("latest"));
    }
}
