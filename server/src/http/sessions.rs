//! Stripe's Checkout subset for apps: create, retrieve, expire and line items, each for the
//! authenticated user only.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_bridge::{CheckoutSession, SessionStatus};

use crate::http::app_user::AppUser;
use crate::http::body::read_body;
use crate::http::error::ApiError;
use crate::policy::enforce;
use crate::state::AppState;
use crate::wire::create_form::parse_create_form;

type Res = Result<Response, ApiError>;

/// The app's `Idempotency-Key`, scoped to the user so two users' keys can never collide.
///
/// `user:key` would be ambiguous (user `a:b` with key `c` and user `a` with key `b:c` give
/// the same text) and would have to be cut to Stripe's 255 characters, merging long keys that
/// differ only at the end. So the scoped key is the SHA-256 of the length-prefixed user and
/// the key: 68 characters, whatever their lengths, and equal only for the same user and key.
fn idempotency_key(user: &str, headers: &HeaderMap) -> Option<String> {
    let k = headers.get("idempotency-key")?.as_bytes();
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    h.update(&(user.len() as u64).to_be_bytes());
    h.update(user.as_bytes());
    h.update(k);
    Some(format!("cbs_{}", hex::encode(h.finish().as_ref())))
}

/// `POST /v1/checkout/sessions`
pub async fn create(State(state): State<Arc<AppState>>, AppUser(user): AppUser, headers: HeaderMap, raw: Body) -> Res {
    let bytes = read_body(
        raw,
        state.config.max_body_bytes,
        std::time::Duration::from_millis(state.config.body_read_timeout_ms),
    )
    .await?;
    let mut params = parse_create_form(&bytes)?;
    enforce(&state.config.policy, &user, state.auth.customer_for(&user), &mut params)?;
    // A bounded backlog per user: each open session is retrieved by reconciliation until it
    // expires, so an app creating sessions nobody pays would otherwise grow Stripe reads
    // without bound. Checked before the call to Stripe (concurrent creates may pass it together).
    let open = state
        .fulfilments
        .ledger()
        .open_sessions(&user, crate::base::clock::unix_now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "open sessions not counted");
            ApiError::new(500, "api_error", "The session could not be created now.", None, None)
        })?;
    let cap = state.config.max_open_sessions_per_user;
    if open >= i64::from(cap) {
        tracing::warn!(user = %user, open, "too many open sessions");
        return Err(ApiError::invalid(
            format!(
                "This user has {open} open Checkout Sessions, the most allowed ({cap}): complete, cancel (expire) or wait for one to expire before creating another."
            ),
            None,
            Some("too_many_open_sessions"),
        ));
    }
    params.idempotency_key = idempotency_key(&user, &headers);
    let return_urls = (params.success_url.clone(), params.cancel_url.clone());
    let session = upstream(&state, "create", state.stripe.create_session(params)).await?;
    // Recorded before the app can open it, so every later signal about it is recognised; if
    // that fails the app gets an error, and its retry (same key) gets the same session back.
    state.fulfilments.register(&session, &user).await.map_err(|e| {
        tracing::error!(error = %e, session = %session.id, "session not registered");
        ApiError::new(500, "api_error", "The session could not be recorded.", None, None)
    })?;
    crate::links::return_page::remember(&state, return_urls.0.as_deref(), return_urls.1.as_deref(), &session).await?;
    tracing::info!(user = %user, session = %session.id, "session created");
    Ok(Json(session).into_response())
}

/// Times one call to Stripe into the upstream histogram.
async fn upstream<T>(
    state: &AppState,
    operation: &'static str,
    call: impl std::future::Future<Output = Result<T, checkout_bridge::CheckoutError>>,
) -> Result<T, checkout_bridge::CheckoutError> {
    let started = std::time::Instant::now();
    let r = call.await;
    state.metrics.upstream(
        operation,
        crate::telemetry::metrics::upstream_outcome(&r),
        started.elapsed(),
    );
    r
}

/// Retrieves a session and hides it unless this server created it for `user`. Ownership comes
/// from the server's own registry (recorded at create, before the app had the URL), not from
/// the session's `client_reference_id`: another integration on the same Stripe account can set
/// that to any user's ID. A session not in the registry for this user is 404 before any call to
/// Stripe.
async fn owned(state: &AppState, user: &str, id: &str) -> Result<CheckoutSession, ApiError> {
    let registered = state.fulfilments.ledger().session(id).await.map_err(|e| {
        tracing::error!(error = %e, "session registry not read");
        ApiError::new(500, "api_error", "The session could not be looked up.", None, None)
    })?;
    if registered.is_none_or(|r| r.user != user) {
        tracing::warn!(user = %user, session = %id, "refused access to a session not created here for this user");
        return Err(ApiError::no_such_session(id));
    }
    // The app is looking at it: reconciliation checks it before sessions nobody opened.
    if let Err(e) = state.fulfilments.ledger().mark_seen(id).await {
        tracing::warn!(error = %e, session = %id, "session not marked seen");
    }
    let session = upstream(state, "retrieve", state.stripe.retrieve_session(id.to_owned()))
        .await
        .map_err(|e| match e {
            checkout_bridge::CheckoutError::NotFound { .. } | checkout_bridge::CheckoutError::InvalidInput { .. } => {
                ApiError::no_such_session(id)
            }
            other => other.into(),
        })?;
    // Registered for this user, so Stripe has the user as client_reference_id; anything else is
    // not the session the registry knows.
    if session.client_reference_id.as_deref() != Some(user) {
        tracing::warn!(user = %user, session = %id, "registered session with another client_reference_id");
        return Err(ApiError::no_such_session(id));
    }
    Ok(session)
}

/// `GET /v1/checkout/sessions/{id}`. A paid session is fulfilled before it is returned
/// (Stripe's guide fulfils on the landing page too), so when the app sees it paid, the
/// purchase is recorded and listed by `GET /v1/purchases`.
pub async fn retrieve(State(state): State<Arc<AppState>>, AppUser(user): AppUser, Path(id): Path<String>) -> Res {
    let session = owned(&state, &user, &id).await?;
    if crate::store::ledger::is_paid(session.status.as_ref(), &session.payment_status) {
        state
            .fulfilments
            .fulfil(&session, crate::fulfilment::fulfil::Source::Retrieve)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, session = %id, "fulfilment on retrieve failed");
                ApiError::new(500, "api_error", "The purchase could not be recorded.", None, None)
            })?;
    }
    Ok(Json(session).into_response())
}

/// `POST /v1/checkout/sessions/{id}/expire`
pub async fn expire(State(state): State<Arc<AppState>>, AppUser(user): AppUser, Path(id): Path<String>) -> Res {
    let session = owned(&state, &user, &id).await?;
    if session.status != Some(SessionStatus::Open) {
        return Err(ApiError::invalid(
            "Only Checkout Sessions with a status in [\"open\"] can be expired.",
            None,
            None,
        ));
    }
    let expired = upstream(&state, "expire", state.stripe.expire_session(id)).await?;
    // Out of the user's open sessions and of reconciliation at once (the webhook would follow).
    if let Err(e) = state
        .fulfilments
        .ledger()
        .set_session_state(&expired.id, crate::store::ledger::SessionState::Expired)
        .await
    {
        tracing::warn!(error = %e, session = %expired.id, "expired session not recorded");
    }
    tracing::info!(user = %user, session = %expired.id, "session expired");
    Ok(Json(expired).into_response())
}

/// `GET /v1/checkout/sessions/{id}/line_items` (all items in one page)
pub async fn line_items(State(state): State<Arc<AppState>>, AppUser(user): AppUser, Path(id): Path<String>) -> Res {
    owned(&state, &user, &id).await?;
    let items = upstream(&state, "line_items", state.stripe.list_line_items(id.clone())).await?;
    Ok(Json(serde_json::json!({
        "object": "list",
        "data": items,
        "has_more": false,
        "url": format!("/v1/checkout/sessions/{id}/line_items"),
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::idempotency_key;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn scoped_keys_are_unambiguous_and_bounded() {
        let key = |user: &str, k: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                "idempotency-key",
                HeaderValue::from_str(k).unwrap_or(HeaderValue::from_static("?")),
            );
            idempotency_key(user, &h)
        };
        // A `:` in the user name cannot make two users' keys meet.
        assert_ne!(key("a:b", "c"), key("a", "b:c"));
        assert_ne!(key("a", ":b"), key("a:", "b"));
        // Long keys that differ only at the end stay distinct (no cut at 255).
        let long = "x".repeat(300);
        assert_ne!(key("alice", &format!("{long}1")), key("alice", &format!("{long}2")));
        // Deterministic (retries reuse it), bounded, and distinct per user.
        assert_eq!(key("alice", "k"), key("alice", "k"));
        assert_ne!(key("alice", "k"), key("bob", "k"));
        let user = format!("a{}", "j\u{fc}rgen".repeat(40));
        let scoped = key(&user, &"x".repeat(255)).unwrap_or_default();
        assert!(scoped.len() <= 255 && scoped.starts_with("cbs_"), "{scoped}");
        assert_eq!(idempotency_key("alice", &HeaderMap::new()), None);
    }
}
