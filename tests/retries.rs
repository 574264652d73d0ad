//! The fault matrix: what the client does when the server misbehaves, with the number of
//! attempts the emulator saw asserted for each case.

mod common;

use std::time::{Duration, Instant};

use checkout_bridge::*;
use checkout_bridge_emulator::{Fault, FaultKind};
use common::*;

/// Runs a retrieve of an existing session after injecting `f`; returns the result and attempts.
async fn retrieve_with(f: Fault) -> (Result<CheckoutSession, CheckoutError>, usize) {
    let emu = emulator().await;
    let c = client(&emu);
    let s = c.create_session(payment_params()).await.expect("created");
    emu.clear_requests();
    emu.inject_fault(f);
    let r = c.retrieve_session(s.id).await;
    (r, attempts(&emu))
}

#[tokio::test]
async fn server_error_once_is_retried_and_succeeds() {
    let (r, n) = retrieve_with(status_fault(500, 1)).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(n, 2);
}

#[tokio::test]
async fn persistent_server_error_gives_up_after_two_retries() {
    let (r, n) = retrieve_with(status_fault(503, 10)).await;
    assert!(
        matches!(r, Err(CheckoutError::Api { ref details }) if details.status == 503),
        "{r:?}"
    );
    assert_eq!(n, 3);
}

#[tokio::test]
async fn should_retry_false_wins_over_a_5xx() {
    let (r, n) = retrieve_with(Fault {
        should_retry: Some(false),
        ..status_fault(500, 1)
    })
    .await;
    assert!(matches!(r, Err(CheckoutError::Api { .. })), "{r:?}");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn should_retry_true_wins_over_a_4xx() {
    let (r, n) = retrieve_with(Fault {
        should_retry: Some(true),
        ..status_fault(400, 1)
    })
    .await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(n, 2);
}

#[tokio::test]
async fn conflict_409_is_retried() {
    let (r, n) = retrieve_with(status_fault(409, 1)).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(n, 2);
}

#[tokio::test]
async fn other_4xx_are_not_retried() {
    for status in [400u16, 401, 402, 403, 404, 429] {
        let (r, n) = retrieve_with(status_fault(status, 1)).await;
        assert!(r.is_err(), "{status}");
        assert_eq!(n, 1, "status {status} must not be retried");
    }
}

#[tokio::test]
async fn a_429_lock_timeout_is_retried_other_429s_are_not() {
    // stripe-ruby `should_retry?`: "some 429s are lock timeouts … These 429s are safe to retry."
    let lock = || Fault {
        code: Some("lock_timeout".into()),
        ..status_fault(429, 1)
    };
    let (r, n) = retrieve_with(lock()).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(n, 2, "a lock timeout is retried");
    let (r, n) = retrieve_with(Fault { count: 5, ..lock() }).await;
    assert!(
        matches!(r, Err(CheckoutError::RateLimited { ref details }) if details.code.as_deref() == Some("lock_timeout")),
        "{r:?}"
    );
    assert_eq!(n, 3, "within max_retries");
    // The header decides first, as in Stripe's SDKs: `false` stops even a lock timeout.
    let (r, n) = retrieve_with(Fault {
        should_retry: Some(false),
        ..lock()
    })
    .await;
    assert!(matches!(r, Err(CheckoutError::RateLimited { .. })), "{r:?}");
    assert_eq!(n, 1);
    // A rate limit (code `rate_limit`) is not retried: that would add to the contention.
    let (r, n) = retrieve_with(status_fault(429, 1)).await;
    assert!(matches!(r, Err(CheckoutError::RateLimited { .. })), "{r:?}");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn no_retry_comes_sooner_than_half_a_second() {
    // Stripe's SDKs: "never sleep less than the base sleep seconds" (0.5 s), after jitter.
    // Jitter is random, so each run draws a new delay; every draw must respect the floor.
    let emu = emulator().await;
    let c = client_with(&emu, |cfg| cfg.max_retries = 1);
    let s = c.create_session(payment_params()).await.expect("created");
    for _ in 0..4 {
        emu.clear_requests();
        emu.inject_fault(status_fault(503, 1));
        let t = Instant::now();
        c.retrieve_session(s.id.clone()).await.expect("the retry succeeds");
        assert_eq!(attempts(&emu), 2);
        assert!(
            t.elapsed() >= Duration::from_millis(500),
            "retried after {:?}",
            t.elapsed()
        );
    }
}

/// A server that answers the first request with a 503 and `Retry-After: {secs}`, then with a
/// session; returns its base URL and the request counter.
async fn retry_after_server(secs: u64) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let session = r#"{"id":"cs_test_1","object":"checkout.session","mode":"payment","status":"open",
        "payment_status":"unpaid","currency":"usd","amount_total":100,"livemode":false,"created":1,"expires_at":2}"#;
    let base = raw_server(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            json_response(
                "503 Service Unavailable",
                &format!("Retry-After: {secs}\r\n"),
                r#"{"error":{"type":"api_error","message":"busy"}}"#,
            )
        } else {
            json_response("200 OK", "", session)
        }
    })
    .await;
    (base, seen)
}

#[tokio::test]
async fn retry_after_is_waited_for_up_to_five_seconds_and_longer_asks_are_returned_at_once() {
    use std::sync::atomic::Ordering;
    let client_for = |base: String| {
        let mut cfg = ClientConfig::new(Credential::secret_key(TEST_KEY)).with_base_url(base);
        cfg.max_retries = 1;
        CheckoutClient::new(cfg).expect("client")
    };
    // No official Stripe SDK reads Retry-After; this library honours it as a lower bound.
    let (base, seen) = retry_after_server(2).await;
    let t = Instant::now();
    client_for(base)
        .retrieve_session("cs_test_1".into())
        .await
        .expect("retried");
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    assert!(t.elapsed() >= Duration::from_secs(2), "waited {:?}", t.elapsed());
    // A server asking for a minute gets its 503 back now, not a customer kept waiting.
    let (base, seen) = retry_after_server(60).await;
    let t = Instant::now();
    let r = client_for(base).retrieve_session("cs_test_1".into()).await;
    assert!(
        matches!(r, Err(CheckoutError::Api { ref details }) if details.status == 503),
        "{r:?}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
}

#[tokio::test]
async fn dropped_connection_is_retried() {
    let (r, n) = retrieve_with(fault(FaultKind::Drop, 1)).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(n, 2);
}

#[tokio::test]
async fn dropped_connections_until_retries_run_out_give_network() {
    let (r, n) = retrieve_with(fault(FaultKind::Drop, 5)).await;
    assert!(matches!(r, Err(CheckoutError::Network { .. })), "{r:?}");
    assert_eq!(n, 3);
}

#[tokio::test]
async fn truncated_json_is_invalid_response_not_retried() {
    let (r, n) = retrieve_with(fault(FaultKind::TruncatedJson, 1)).await;
    match r {
        Err(CheckoutError::InvalidResponse {
            status,
            reason,
            request_id,
        }) => {
            assert_eq!(status, 200);
            assert!(reason.contains("truncated"), "{reason}");
            assert!(request_id.is_some());
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
    assert_eq!(n, 1);
}

#[tokio::test]
async fn invalid_json_is_invalid_response() {
    let (r, n) = retrieve_with(fault(FaultKind::InvalidJson, 1)).await;
    assert!(matches!(r, Err(CheckoutError::InvalidResponse { .. })), "{r:?}");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn html_error_page_is_retried_then_typed() {
    let (r, n) = retrieve_with(fault(FaultKind::Html, 1)).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(n, 2);
    let (r, n) = retrieve_with(fault(FaultKind::Html, 3)).await;
    match r {
        Err(CheckoutError::Api { details }) => {
            assert_eq!(details.status, 502);
            assert!(
                details
                    .stripe_message
                    .as_deref()
                    .is_some_and(|m| m.contains("not Stripe's JSON")),
                "{details:?}"
            );
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert_eq!(n, 3);
}

#[tokio::test]
async fn retries_reuse_one_idempotency_key_and_create_one_session() {
    let emu = emulator().await;
    let c = client(&emu);
    // `Stripe-Should-Retry: true` marks a failure Stripe did not store under the key (a stored
    // 5xx is replayed to every retry, as the emulator now does like Stripe).
    emu.inject_fault(Fault {
        method: Some("POST".into()),
        should_retry: Some(true),
        ..status_fault(500, 2)
    });
    let s = c
        .create_session(payment_params())
        .await
        .expect("third attempt succeeds");
    let log = emu.requests();
    assert_eq!(log.len(), 3);
    let keys: Vec<_> = log.iter().map(|r| r.idempotency_key.clone()).collect();
    assert!(keys[0].is_some());
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_eq!(emu.session_count(), 1);
    assert!(emu.session_json(&s.id).is_some());
}

#[tokio::test]
async fn create_retried_after_a_dropped_response_yields_exactly_one_session() {
    let emu = emulator().await;
    let c = client(&emu);
    emu.inject_fault(Fault {
        method: Some("POST".into()),
        ..fault(FaultKind::DropAfter, 1)
    });
    let s = c
        .create_session(payment_params())
        .await
        .expect("the retry gets the replayed response");
    assert_eq!(attempts(&emu), 2);
    assert_eq!(
        emu.session_count(),
        1,
        "the dropped response must not create a second session"
    );
    assert_eq!(
        c.retrieve_session(s.id).await.expect("exists").status,
        Some(SessionStatus::Open)
    );
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_fails_with_timeout_in_bounded_time() {
    let emu = emulator().await;
    let c = client_with(&emu, |cfg| {
        cfg.timeout_ms = 300;
        cfg.max_retries = 0;
    });
    emu.inject_fault(Fault {
        delay_ms: Some(10_000),
        ..fault(FaultKind::Delay, 1)
    });
    let t = Instant::now();
    let r = c.retrieve_session("cs_test_slow".into()).await;
    assert!(matches!(r, Err(CheckoutError::Timeout { timeout_ms: 300 })), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(2), "took {:?}", t.elapsed());
}

#[tokio::test]
async fn timeouts_are_retried_within_the_bound() {
    let emu = emulator().await;
    let c = client_with(&emu, |cfg| {
        cfg.timeout_ms = 300;
        cfg.max_retries = 1;
    });
    let s = c.create_session(payment_params()).await.expect("created");
    emu.clear_requests();
    emu.inject_fault(Fault {
        delay_ms: Some(10_000),
        ..fault(FaultKind::Delay, 1)
    });
    let t = Instant::now();
    let r = c.retrieve_session(s.id).await;
    assert!(r.is_ok(), "the retry is not delayed: {r:?}");
    assert_eq!(attempts(&emu), 2);
    // 300 ms timeout + at most 500 ms backoff + the fast retry.
    assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
}

#[tokio::test]
async fn wait_for_final_status_sees_completion_and_times_out_otherwise() {
    let emu = emulator().await;
    let c = client(&emu);
    let s = c.create_session(payment_params()).await.expect("created");
    let id = s.id.clone();
    let waiter = {
        let c = c.clone();
        let id = id.clone();
        tokio::spawn(async move { c.wait_for_final_status(id, 10_000).await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(emu.complete_session(&id, true));
    let done = waiter.await.expect("joined").expect("final");
    assert_eq!(done.status, Some(SessionStatus::Complete));
    assert_eq!(done.payment_status, PaymentStatus::Paid);

    let open = c.create_session(payment_params()).await.expect("created");
    let t = Instant::now();
    let r = c.wait_for_final_status(open.id, 700).await;
    assert!(matches!(r, Err(CheckoutError::Timeout { timeout_ms: 700 })), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_stored_server_error_is_replayed_to_its_key_not_retried_and_creates_nothing() {
    // Stripe stores the first result of a request once the endpoint executes, "including `500`
    // errors", and answers every later request with that key from the store, marked
    // `Idempotent-Replayed: true` (<https://docs.stripe.com/api/idempotent_requests>); it sends
    // `Stripe-Should-Retry: false` with such a 500 because "our idempotency framework would
    // typically replay it anyway" (stripe-node `src/RequestSender.ts`, `_shouldRetry`).
    let emu = emulator().await;
    let c = client(&emu);
    emu.inject_fault(Fault {
        method: Some("POST".into()),
        message: Some("An unexpected error occurred (stored).".into()),
        ..status_fault(500, 1)
    });
    let mut p = payment_params();
    p.idempotency_key = Some("order-7-attempt-1".into());
    let first = c.create_session(p.clone()).await.expect_err("the stored 500");
    assert_eq!(attempts(&emu), 1, "Stripe-Should-Retry: false is not retried");
    // The app tries again with the same key (the way to retry a create safely): Stripe replays
    // the stored 500 byte for byte, whatever the endpoint would do now. No session exists.
    let again = c.create_session(p.clone()).await.expect_err("the replayed 500");
    assert_eq!(attempts(&emu), 2, "a replay is not retried either");
    for e in [&first, &again] {
        match e {
            CheckoutError::Api { details } => {
                assert_eq!(details.status, 500);
                assert_eq!(details.error_type.as_deref(), Some("api_error"));
                assert_eq!(
                    details.stripe_message.as_deref(),
                    Some("An unexpected error occurred (stored).")
                );
            }
            other => panic!("expected Api 500, got {other:?}"),
        }
    }
    assert_eq!(emu.session_count(), 0, "a replayed failure creates nothing");
    // Both attempts carried the one key; a new key is a new request, and it creates.
    let keys: Vec<_> = emu.requests().into_iter().map(|r| r.idempotency_key).collect();
    assert_eq!(keys, vec![Some("order-7-attempt-1".to_owned()); 2]);
    p.idempotency_key = Some("order-7-attempt-2".into());
    c.create_session(p).await.expect("a fresh key creates");
    assert_eq!(emu.session_count(), 1);
}
