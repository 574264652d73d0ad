//! CheckoutClient against the emulator over real HTTP on 127.0.0.1: every operation, the wire
//! rules, and the mapping of every error status.

mod common;

use checkout_bridge::*;
use checkout_bridge_emulator::{Emulator, Fault};
use common::*;

#[tokio::test]
async fn create_retrieve_line_items_expire() {
    let emu = emulator().await;
    let c = client(&emu);
    let mut p = payment_params();
    p.line_items.push(LineItemParams::new(
        LineItemPrice::Price {
            id: "price_test_usd_1000".into(),
        },
        1,
    ));
    p.customer_email = Some("buyer@example.com".into());
    p.client_reference_id = Some("order-42".into());
    p.metadata.insert("cart".into(), "c_9".into());
    p.locale = Some("fr".into());
    p.allow_promotion_codes = Some(true);
    p.origin_context = Some(OriginContext::MobileApp);
    p.allowed_payment_method_types = vec!["card".into()];

    let s = c.create_session(p).await.expect("created");
    assert_eq!(s.status, Some(SessionStatus::Open));
    assert_eq!(s.payment_status, PaymentStatus::Unpaid);
    assert_eq!(s.mode, CheckoutMode::Payment);
    assert_eq!(s.amount_total, Some(1500 * 2 + 1000));
    assert_eq!(s.currency.as_deref(), Some("usd"));
    assert_eq!(s.customer_email.as_deref(), Some("buyer@example.com"));
    assert_eq!(s.client_reference_id.as_deref(), Some("order-42"));
    assert_eq!(s.metadata.get("cart").map(String::as_str), Some("c_9"));
    assert!(!s.livemode);
    assert!(s.url.as_deref().is_some_and(|u| u.starts_with(&emu.base_url())));
    assert!(s.expires_at > s.created);

    let again = c.retrieve_session(s.id.clone()).await.expect("retrieved");
    assert_eq!(again, s);

    let items = c.list_line_items(s.id.clone()).await.expect("line items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].description.as_deref(), Some("Coffee beans"));
    assert_eq!(items[0].quantity, Some(2));
    assert_eq!(items[0].amount_total, 3000);
    assert_eq!(
        items[1].price.as_ref().map(|p| p.id.as_str()),
        Some("price_test_usd_1000")
    );

    let expired = c.expire_session(s.id.clone()).await.expect("expired");
    assert_eq!(expired.status, Some(SessionStatus::Expired));
    assert_eq!(expired.url, None);
    let after = c.retrieve_session(s.id.clone()).await.expect("retrieved");
    assert_eq!(after.status, Some(SessionStatus::Expired));

    // Expiring twice is Stripe's 400, surfaced as a typed Api error with the message.
    match c.expire_session(s.id.clone()).await {
        Err(CheckoutError::Api { details }) => {
            assert_eq!(details.status, 400);
            assert!(details.request_id.is_some());
        }
        other => panic!("expected Api error, got {other:?}"),
    }
}

#[tokio::test]
async fn subscription_and_setup_modes() {
    let emu = emulator().await;
    let c = client(&emu);
    let mut p = CreateSessionParams::new(CheckoutMode::Subscription);
    let mut plan = LineItemPrice::inline("eur", 900, "Pro plan");
    if let LineItemPrice::Inline {
        description,
        images,
        recurring,
        ..
    } = &mut plan
    {
        *description = Some("Monthly".into());
        *images = vec!["https://img.example/pro.png".into()];
        *recurring = Some(Recurring {
            interval: RecurringInterval::Month,
            interval_count: Some(1),
        });
    }
    p.line_items.push(LineItemParams::new(plan, 1));
    p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
    let s = c.create_session(p).await.expect("subscription session");
    assert_eq!(s.mode, CheckoutMode::Subscription);
    assert_eq!(s.amount_total, Some(900));

    let mut setup = CreateSessionParams::new(CheckoutMode::Setup);
    setup.success_url = Some("https://shop.example/ok".into());
    setup.customer = Some("cus_123".into());
    // Endive: setup mode needs `currency` unless `allowed_payment_method_types` is given.
    setup.allowed_payment_method_types = vec!["card".into()];
    let s = c.create_session(setup).await.expect("setup session");
    assert_eq!(s.mode, CheckoutMode::Setup);
    assert_eq!(s.amount_total, None);
}

#[tokio::test]
async fn simple_connector_form_round_trips() {
    let emu = emulator().await;
    let c = client(&emu);
    let p = simple_checkout_params(SimpleCheckout {
        amount: 2500,
        currency: "gbp".into(),
        name: "Ticket".into(),
        description: Some("Front row".into()),
        success_url: Some("https://x.example/ok?session_id={CHECKOUT_SESSION_ID}".into()),
        cancel_url: Some("https://x.example/cancel".into()),
        customer_email: Some("fan@example.com".into()),
    });
    let s = c.create_session(p).await.expect("created");
    assert_eq!((s.amount_total, s.currency.as_deref()), (Some(2500), Some("gbp")));
    let items = c.list_line_items(s.id).await.expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].description.as_deref(), Some("Ticket"));
}

#[tokio::test]
async fn headers_follow_the_wire_rules() {
    let emu = emulator().await;
    let c = client_with(&emu, |cfg| cfg.stripe_account = Some("acct_123".into()));
    let s = c.create_session(payment_params()).await.expect("created");
    c.retrieve_session(s.id).await.expect("retrieved");
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    for r in &log {
        assert_eq!(r.stripe_version.as_deref(), Some(PINNED_STRIPE_VERSION));
        assert_eq!(r.stripe_account.as_deref(), Some("acct_123"));
        assert!(
            r.user_agent
                .as_deref()
                .is_some_and(|u| u.starts_with("checkout-bridge/0.")),
            "{:?}",
            r.user_agent
        );
        assert_eq!(r.authorization_scheme.as_deref(), Some("Bearer"));
        assert!(r.api_key_valid);
    }
    assert_eq!(log[0].method, "POST");
    assert_eq!(
        log[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(log[0].idempotency_key.as_ref().map(String::len), Some(36));
    assert!(
        log[0].body.contains("line_items[0][price_data][currency]=usd"),
        "{}",
        log[0].body
    );
    assert_eq!(log[1].method, "GET");
    assert_eq!(log[1].idempotency_key, None);
}

#[tokio::test]
async fn caller_idempotency_key_replays_the_same_session() {
    let emu = emulator().await;
    let c = client(&emu);
    let mut p = payment_params();
    p.idempotency_key = Some("order-42-attempt-1".into());
    let a = c.create_session(p.clone()).await.expect("first");
    let b = c.create_session(p.clone()).await.expect("replay");
    assert_eq!(a.id, b.id);
    assert_eq!(emu.session_count(), 1);
    // Same key with other params is a typed conflict.
    p.line_items[0].quantity = Some(3);
    match c.create_session(p).await {
        Err(CheckoutError::IdempotencyConflict { details }) => {
            assert_eq!(details.error_type.as_deref(), Some("idempotency_error"))
        }
        other => panic!("expected IdempotencyConflict, got {other:?}"),
    }
    assert_eq!(emu.session_count(), 1);
}

#[tokio::test]
async fn real_not_found_auth_and_validation_errors() {
    let emu = emulator().await;
    let c = client(&emu);
    match c.retrieve_session("cs_test_doesnotexist".into()).await {
        Err(CheckoutError::NotFound { details }) => {
            assert_eq!(details.code.as_deref(), Some("resource_missing"));
            assert_eq!(details.param.as_deref(), Some("id"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }

    let bad = client_with(&emu, |cfg| {
        cfg.credential = Credential::secret_key("sk_test_bad-key-NEVERPRINTME")
    });
    let err = bad.retrieve_session("cs_test_x".into()).await.expect_err("401");
    assert!(matches!(err, CheckoutError::Authentication { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("NEVERPRINTME") && !text.contains("bad-key"), "{text}");

    let mut p = payment_params();
    p.line_items[0].price = LineItemPrice::Price {
        id: "price_unknown".into(),
    };
    match c.create_session(p).await {
        Err(CheckoutError::Api { details }) => {
            assert_eq!(details.status, 400);
            assert_eq!(details.param.as_deref(), Some("line_items[0][price]"));
            assert_eq!(details.code.as_deref(), Some("resource_missing"));
        }
        other => panic!("expected Api, got {other:?}"),
    }

    // Local validation stops a bad request before it is sent.
    let before = emu.requests().len();
    let mut p = payment_params();
    p.line_items[0].quantity = Some(0);
    assert!(
        matches!(c.create_session(p).await, Err(CheckoutError::InvalidInput { ref field, .. }) if field == "line_items[0][quantity]")
    );
    assert!(matches!(
        c.retrieve_session("../../v1/charges".into()).await,
        Err(CheckoutError::InvalidInput { .. })
    ));
    assert_eq!(emu.requests().len(), before);
}

/// Every error status maps to its variant and carries Stripe's details (no retries here).
#[tokio::test]
async fn every_error_status_maps_to_its_variant() {
    let emu = emulator().await;
    let c = client_with(&emu, |cfg| cfg.max_retries = 0);
    let cases: &[(u16, &str)] = &[
        (400, "Api"),
        (401, "Authentication"),
        (402, "Api"),
        (403, "Permission"),
        (404, "NotFound"),
        (409, "IdempotencyConflict"),
        (429, "RateLimited"),
        (500, "Api"),
        (502, "Api"),
        (503, "Api"),
    ];
    for &(status, want) in cases {
        emu.inject_fault(Fault {
            code: Some(format!("code_{status}")),
            message: Some(format!("message {status}")),
            param: Some("line_items[0]".into()),
            ..status_fault(status, 1)
        });
        let err = c.retrieve_session("cs_test_any".into()).await.expect_err("fault");
        let (name, d) = match &err {
            CheckoutError::Api { details } => ("Api", details),
            CheckoutError::Authentication { details } => ("Authentication", details),
            CheckoutError::Permission { details } => ("Permission", details),
            CheckoutError::NotFound { details } => ("NotFound", details),
            CheckoutError::IdempotencyConflict { details } => ("IdempotencyConflict", details),
            CheckoutError::RateLimited { details } => ("RateLimited", details),
            other => panic!("{status}: unexpected {other:?}"),
        };
        assert_eq!(name, want, "status {status}");
        assert_eq!(d.status, i32::from(status));
        assert_eq!(d.code.as_deref(), Some(format!("code_{status}").as_str()));
        assert_eq!(d.stripe_message.as_deref(), Some(format!("message {status}").as_str()));
        assert_eq!(d.param.as_deref(), Some("line_items[0]"));
        assert!(d.error_type.is_some(), "{status}: type missing");
        assert!(
            d.request_id.as_deref().is_some_and(|r| r.starts_with("req_")),
            "{status}: {d:?}"
        );
        assert_no_secret(&format!("{err} {err:?}"));
    }
    assert_eq!(attempts(&emu), cases.len());
}

#[tokio::test]
async fn debug_and_display_never_show_the_key() {
    let emu = emulator().await;
    let cfg = config(&emu);
    assert_no_secret(&format!("{cfg:?}"));
    let c = client(&emu);
    assert_no_secret(&format!("{c:?}"));
    // A connection error to a closed port, a timeout, and a validation error.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let dead = client_with(&emu, |cfg| {
        cfg.base_url = format!("http://127.0.0.1:{closed}");
        cfg.max_retries = 0;
    });
    let e = dead.retrieve_session("cs_1".into()).await.expect_err("refused");
    assert!(matches!(e, CheckoutError::Network { .. }), "{e:?}");
    assert_no_secret(&format!("{e} {e:?}"));
}

#[tokio::test]
async fn an_open_setup_session_is_waited_on_although_it_reports_no_payment_required() {
    // Stripe defines `no_payment_required` by the mode ("the Checkout Session is in setup mode
    // and doesn't require a payment at this time"), so the emulator reports it from creation
    // on: only the status says when the customer is done.
    let emu = emulator().await;
    let c = client(&emu);
    let mut p = CreateSessionParams::new(CheckoutMode::Setup);
    p.currency = Some("eur".into());
    p.success_url = Some("https://shop.example/ok".into());
    let s = c.create_session(p).await.expect("setup session");
    assert_eq!(s.payment_status, PaymentStatus::NoPaymentRequired);
    let r = c.wait_for_final_status(s.id.clone(), 600).await;
    assert!(matches!(r, Err(CheckoutError::Timeout { .. })), "still open: {r:?}");
    assert!(emu.complete_session(&s.id, true));
    let done = c.wait_for_final_status(s.id, 600).await.expect("complete");
    assert_eq!(done.status, Some(SessionStatus::Complete));
}

#[tokio::test]
async fn a_key_stripe_does_not_know_or_has_revoked_is_authentication_without_retry_or_leak() {
    // Stripe answers an unknown or rolled key with 401 `invalid_request_error` (with code
    // `api_key_expired` for an expired one), an error body without the unset fields; retrying
    // cannot help (<https://docs.stripe.com/error-codes#api-key-expired>).
    let emu = Emulator::builder().api_key(TEST_KEY).start().await.expect("emulator");
    let c = client(&emu);
    let s = c.create_session(payment_params()).await.expect("the bound key works");
    let other = client_with(&emu, |cfg| {
        cfg.credential = Credential::secret_key("sk_test_WellFormedButUnknownNEVERPRINTME")
    });
    let unknown = other.retrieve_session(s.id.clone()).await.expect_err("401");
    emu.revoke_api_key(TEST_KEY);
    let revoked = c.retrieve_session(s.id).await.expect_err("401");
    for (err, code) in [(&unknown, None), (&revoked, Some("api_key_expired"))] {
        match err {
            CheckoutError::Authentication { details } => {
                assert_eq!(details.status, 401);
                assert_eq!(details.error_type.as_deref(), Some("invalid_request_error"));
                assert_eq!(details.code.as_deref(), code);
                assert_eq!(details.param, None, "Stripe omits it; so does the error");
            }
            other => panic!("expected Authentication, got {other:?}"),
        }
        assert_no_secret(&format!("{err} {err:?}"));
    }
    let attempts = emu.requests().iter().filter(|r| r.method == "GET").count();
    assert_eq!(attempts, 2, "a 401 is not retried");
}
