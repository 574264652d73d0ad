//! The Stripe API surface under `/v1/`: auth, API version, routing, idempotency, endpoints.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response};
use serde_json::Value;

use crate::auth::{authenticate, ApiKey};
use crate::error::{json_response, ApiError, Stage};
use crate::faults::Fault;
use crate::form::{build_tree, decode_pairs, Node};
use crate::idempotency::{fingerprint, Begin, Key, Stored, MAX_KEY_LEN};
use crate::ids::request_id;
use crate::params_view::Obj;
use crate::session::{line_items_page, Session};
use crate::validate::create_params;
use crate::version::ApiVersion;
use crate::{now_unix, Shared};

type R<T> = Result<T, ApiError>;

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

/// How a fault takes part in handling a request.
#[derive(Default)]
pub(crate) struct Injected<'a> {
    /// Slept after the idempotency key is claimed (a `delay` fault).
    pub delay: Option<Duration>,
    /// A `status` fault that replaces the endpoint's execution (see `Fault::at_execution`).
    pub failure: Option<&'a Fault>,
}

/// Handles one `/v1/` request.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    parts: &Parts,
    body: &Bytes,
    injected: Injected<'_>,
) -> Response<Body> {
    let rid = request_id();
    let mut resp = match run(shared, parts, body, injected, &rid).await {
        Ok(r) => r,
        Err(e) => e.response(),
    };
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("request-id", v);
    }
    // Stripe echoes the key (stripe-go `newAPIResponse` reads `Idempotency-Key` from responses).
    if let Some(k) = parts
        .headers
        .get("idempotency-key")
        .filter(|_| parts.method == Method::POST)
    {
        resp.headers_mut().insert("idempotency-key", k.clone());
    }
    resp
}

/// The version a request runs under: its `Stripe-Version`, else the account default.
fn request_version(shared: &Shared, headers: &HeaderMap) -> R<ApiVersion> {
    match headers.get("stripe-version") {
        Some(v) => ApiVersion::parse(&String::from_utf8_lossy(v.as_bytes())),
        None => {
            let default = shared.lock().account_version.clone();
            ApiVersion::parse(&default)
        }
    }
}

/// The decoded parameters: the form body of a POST, the query of a GET.
fn request_pairs(parts: &Parts, body: &Bytes) -> R<Vec<(String, String)>> {
    if parts.method != Method::POST {
        return Ok(decode_pairs(parts.uri.query().unwrap_or("").as_bytes()));
    }
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
    Ok(decode_pairs(body))
}

async fn run(
    shared: &Arc<Shared>,
    parts: &Parts,
    body: &Bytes,
    injected: Injected<'_>,
    rid: &str,
) -> R<Response<Body>> {
    let key = {
        let inner = shared.lock();
        authenticate(&parts.headers, &inner.keys)?
    };
    let version = request_version(shared, &parts.headers)?;
    let path = parts.uri.path();
    let route = route(&parts.method, path).ok_or_else(|| {
        ApiError::invalid(format!(
            "Unrecognized request URL ({}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
            parts.method
        ))
        .status(404)
    })?;
    let pairs = request_pairs(parts, body)?;
    let tree = build_tree(&pairs).map_err(|e| ApiError::invalid(e.message).at(e.param))?;

    let mut guard = None;
    let idem = parts
        .headers
        .get("idempotency-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if let (true, Some(idem)) = (parts.method == Method::POST, idem.filter(|k| !k.is_empty())) {
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
            Begin::Execute => {
                guard = Some(IdemGuard {
                    shared: shared.clone(),
                    key: Some(k),
                })
            }
            Begin::Replay(stored) => return Ok(replay(stored, &version)),
            // Same key, other parameters: 400 `idempotency_error` without a code, Stripe's wording.
            Begin::Mismatch => return Err(ApiError::invalid(format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{idem}' if you meant to execute a different request."
            ))
            .kind("idempotency_error")),
            // The first request is still executing: 409 `idempotency_error` with code
            // `idempotency_key_in_use` (stripe-go `error.go`: `ErrorCodeIdempotencyKeyInUse`).
            Begin::InProgress => return Err(ApiError::invalid(format!(
                "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): {idem}. Please try again later."
            ))
            .kind("idempotency_error")
            .code("idempotency_key_in_use")
            .status(409)),
        }
    }
    if let Some(d) = injected.delay {
        tokio::time::sleep(d).await;
    }

    let mut headers = Vec::new();
    let (status, value, stage) = match injected.failure {
        Some(f) => {
            // A stored failure tells the client that a retry is a no-op unless the fault says
            // otherwise: "we expect the stripe-should-retry header to be false in most cases
            // when a 500 is returned, since our idempotency framework would typically replay it
            // anyway" (stripe-node `src/RequestSender.ts`, `_shouldRetry`).
            let retry = f
                .should_retry
                .or((guard.is_some() && f.at_execution()).then_some(false));
            if let Some(r) = retry {
                headers.push(("stripe-should-retry".to_owned(), r.to_string()));
            }
            let e = f.api_error();
            (e.status, e.body(), e.stage)
        }
        None => match execute(shared, &route, &tree, &key, &version) {
            Ok(v) => (200, v, Stage::Execution),
            Err(e) => (e.status, e.body(), e.stage),
        },
    };
    let mut resp = json_response(status, &value);
    insert_headers(&mut resp, &headers);
    insert_version(&mut resp, &version);
    if let Some(g) = guard {
        let stored = (stage == Stage::Execution).then(|| Stored {
            status,
            body: Bytes::from(serde_json::to_string_pretty(&value).unwrap_or_default()),
            request_id: rid.to_owned(),
            headers,
        });
        g.finish(stored);
    }
    Ok(resp)
}

fn insert_headers(resp: &mut Response<Body>, headers: &[(String, String)]) {
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (header::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            resp.headers_mut().insert(k, v);
        }
    }
}

/// Adds the `Stripe-Version` the request ran under, as Stripe's responses carry it (stripe-node
/// `src/RequestSender.ts` reads `headers['stripe-version']` into `lastResponse.apiVersion`).
fn insert_version(resp: &mut Response<Body>, version: &ApiVersion) {
    if let Ok(v) = HeaderValue::from_str(&version.text) {
        resp.headers_mut().insert("stripe-version", v);
    }
}

/// The stored first result, marked `Idempotent-Replayed: true` with the first request's id in
/// `Original-Request`, as Stripe marks replays (stripe-node `src/RequestSender.ts` reads
/// `idempotent-replayed`; <https://docs.stripe.com/api/idempotent_requests>).
fn replay(stored: Stored, version: &ApiVersion) -> Response<Body> {
    let mut resp = Response::new(Body::from(stored.body));
    *resp.status_mut() = axum::http::StatusCode::from_u16(stored.status).unwrap_or_default();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Ok(v) = HeaderValue::from_str(&stored.request_id) {
        h.insert("original-request", v);
    }
    insert_headers(&mut resp, &stored.headers);
    insert_version(&mut resp, version);
    resp
}

fn execute(
    shared: &Shared,
    route: &Route,
    tree: &std::collections::BTreeMap<String, Node>,
    key: &ApiKey,
    version: &ApiVersion,
) -> R<Value> {
    let root = Obj::root(tree);
    let now = now_unix();
    let mut inner = shared.lock();
    match route {
        Route::Create => {
            let params = create_params(tree, &inner.catalogue, version, now)?;
            let session = Session::new(params, key.livemode, now, version.era());
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
                ApiError::invalid("Only Checkout Sessions with a status in [\"open\"] can be expired.")
                    .at("session")
                    .executing()
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
