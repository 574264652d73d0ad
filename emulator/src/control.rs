//! Test-control endpoints under `/_emulator/` (JSON, no auth, never faulted), the operations
//! they share with the [`crate::Emulator`] methods, and the router for non-API paths.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::error::{json_response, ApiError};
use crate::faults::{Fault, FaultKind};
use crate::session::{Session, StateError};
use crate::{hosted_page, now_unix, Price, Shared};

/// Why a control operation failed.
#[derive(Debug)]
pub(crate) enum ControlError {
    NotFound,
    State(StateError),
    BadPatch,
}

impl ControlError {
    fn response(&self, id: &str) -> Response<Body> {
        match self {
            ControlError::NotFound => ApiError::no_such_session(id).response(),
            ControlError::State(StateError::NotOpen) => {
                ApiError::invalid(format!("Checkout Session '{id}' is not open.")).response()
            }
            ControlError::State(StateError::NotAwaitingPayment) => {
                ApiError::invalid(format!("Checkout Session '{id}' is not complete and awaiting payment.")).response()
            }
            ControlError::BadPatch => {
                ApiError::invalid("The patch must be a JSON object of known fields with values of the right type.")
                    .response()
            }
        }
    }
}

type Op<'a> = &'a mut dyn FnMut(&mut Session) -> Result<(), ControlError>;

impl Shared {
    /// Runs `op` on a session (lazy expiry applied first) and returns its JSON.
    pub(crate) fn with_session(&self, id: &str, op: Op<'_>) -> Result<Value, ControlError> {
        let mut inner = self.lock();
        let s = inner.session_mut(id, now_unix()).ok_or(ControlError::NotFound)?;
        op(s)?;
        Ok(s.to_json(&self.base_url))
    }

    pub(crate) fn session_json(&self, id: &str) -> Option<Value> {
        self.with_session(id, &mut |_| Ok(())).ok()
    }

    pub(crate) fn complete(&self, id: &str, paid: bool) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s| s.complete(paid).map_err(ControlError::State))
    }

    pub(crate) fn async_succeed(&self, id: &str) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s| s.async_succeed().map_err(ControlError::State))
    }

    pub(crate) fn async_fail(&self, id: &str) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s| s.async_fail().map_err(ControlError::State))
    }

    pub(crate) fn expire(&self, id: &str) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s| s.expire().map_err(ControlError::State))
    }

    pub(crate) fn tamper(&self, id: &str, patch: &Value) -> Result<Value, ControlError> {
        self.with_session(id, &mut |s| {
            if s.tamper(patch) {
                Ok(())
            } else {
                Err(ControlError::BadPatch)
            }
        })
    }

    pub(crate) fn add_price(&self, price: &Price) {
        self.lock().prices.insert(price.id.clone(), price.to_info());
    }
}

/// The router for everything outside `/v1/`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/_emulator/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/_emulator/requests", get(list_requests).delete(clear_requests))
        .route("/_emulator/sessions", get(count_sessions))
        .route("/_emulator/sessions/{id}", get(get_session))
        .route("/_emulator/sessions/{id}/{action}", post(session_action))
        .route("/_emulator/prices", post(add_price))
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

fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
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

async fn session_action(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    let result = match action.as_str() {
        "complete" => {
            let paid = if body.iter().all(u8::is_ascii_whitespace) {
                true
            } else {
                match parse_json::<Value>(&body) {
                    Ok(v) => match v.get("paid") {
                        None => true,
                        Some(Value::Bool(b)) => *b,
                        Some(_) => return ApiError::invalid("`paid` must be a boolean.").at("paid").response(),
                    },
                    Err(e) => return e.response(),
                }
            };
            shared.complete(&id, paid)
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

async fn add_price(State(shared): State<Arc<Shared>>, body: Bytes) -> Response<Body> {
    let price: Price = match parse_json(&body) {
        Ok(p) => p,
        Err(e) => return e.response(),
    };
    if price.id.is_empty() || price.unit_amount < 0 {
        return ApiError::invalid("A price needs an `id` and a non-negative `unit_amount`.").response();
    }
    shared.add_price(&price);
    json_response(200, &json!(price))
}
