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
