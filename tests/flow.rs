//! CheckoutFlow against the emulator: every outcome, tampering, replays, and recovery when no
//! link comes back.

mod common;

use std::sync::Arc;

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use common::*;

const BASE: &str = "myapp://checkout";

fn temp_dir(tag: &str) -> String {
    let d = std::env::temp_dir().join(format!("cb-flow-{tag}-{}", new_idempotency_key().unwrap()));
    d.display().to_string()
}

fn flow(emu: &Emulator, tag: &str) -> (Arc<CheckoutFlow>, Arc<FileStore>) {
    let store = FileStore::open(temp_dir(tag)).expect("store");
    let flow = CheckoutFlow::new(client(emu), BASE.into(), store.clone()).expect("flow");
    (flow, store)
}

fn params() -> CreateSessionParams {
    let mut p = CreateSessionParams::new(CheckoutMode::Payment);
    p.line_items.push(inline_item(1250, "Tea", 2));
    p
}

/// Presses a button on the hosted page like a browser and returns the redirect target.
async fn press(url: &str, button: &str) -> String {
    let browser = browser();
    let action = match button {
        "Pay" => "pay",
        "Pay later" => "pay_later",
        _ => "cancel",
    };
    let page = browser.get(url).send().await.expect("page").text().await.expect("html");
    assert!(page.contains(&format!("/{action}\"")), "page has the {button} form");
    let target = url::Url::parse(url)
        .expect("url")
        .join(&format!("{}/{action}", url::Url::parse(url).expect("url").path()))
        .expect("join");
    let resp = browser.post(target).send().await.expect("post");
    assert_eq!(resp.status(), 303);
    resp.headers()["location"].to_str().expect("ascii").to_owned()
}

#[tokio::test]
async fn paid_round_trip_and_replay() {
    let emu = emulator().await;
    let (flow, store) = flow(&emu, "paid");
    let pending = flow.start(params()).await.expect("start");
    assert_eq!(pending.amount_total, Some(2500));
    assert_eq!(
        store.load_all().expect("load").len(),
        1,
        "recorded before start returned"
    );
    let body = &emu.requests()[0].body;
    assert!(
        body.contains(
            "success_url=myapp%3A%2F%2Fcheckout%2Fsuccess%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D%26state%3D"
        ),
        "{body}"
    );

    let link = press(&pending.url, "Pay").await;
    assert!(
        link.starts_with("myapp://checkout/success?session_id=cs_test_"),
        "{link}"
    );
    let r = flow.handle_return_url(link.clone()).await.expect("verified");
    assert_eq!(r.outcome, PaymentOutcome::Paid);
    assert_eq!(r.session.payment_status, PaymentStatus::Paid);
    assert!(
        flow.pending().expect("pending").is_empty(),
        "a paid checkout is no longer pending"
    );
    // The same link again: the same answer, no error.
    let again = flow.handle_return_url(link).await.expect("replay");
    assert_eq!(again.outcome, PaymentOutcome::Paid);
}

#[tokio::test]
async fn pay_later_is_processing_until_the_payment_settles() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "later");
    let pending = flow.start(params()).await.expect("start");
    let link = press(&pending.url, "Pay later").await;
    let r = flow.handle_return_url(link).await.expect("verified");
    assert_eq!(r.outcome, PaymentOutcome::Processing);
    assert_eq!(flow.pending().expect("pending").len(), 1, "processing stays pending");
    // The delayed method settles; resolving later gives Paid.
    let http = browser();
    let resp = http
        .post(format!(
            "{}/_emulator/sessions/{}/async_succeed",
            emu.base_url(),
            pending.session_id
        ))
        .send()
        .await
        .expect("control");
    assert!(resp.status().is_success());
    let r = flow.resolve_pending(pending.session_id).await.expect("resolved");
    assert_eq!(r.outcome, PaymentOutcome::Paid);
}

#[tokio::test]
async fn cancel_link_expires_the_session_so_it_cannot_be_paid_later() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "cancel");
    let pending = flow.start(params()).await.expect("start");
    let link = press(&pending.url, "Cancel").await;
    assert!(link.starts_with("myapp://checkout/cancel?state="), "{link}");
    let r = flow.handle_return_url(link.clone()).await.expect("verified");
    assert_eq!(r.outcome, PaymentOutcome::Canceled);
    assert_eq!(r.session.status, Some(SessionStatus::Expired));
    let at_stripe = client(&emu)
        .retrieve_session(pending.session_id.clone())
        .await
        .expect("retrieve");
    assert_eq!(at_stripe.status, Some(SessionStatus::Expired));
    assert!(
        !emu.complete_session(&pending.session_id, true),
        "an expired session cannot be paid in another tab"
    );
    assert_eq!(
        flow.handle_return_url(link).await.expect("replay").outcome,
        PaymentOutcome::Canceled
    );
}

#[tokio::test]
async fn expired_session_is_expired() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "expired");
    let pending = flow.start(params()).await.expect("start");
    assert!(emu.expire_session(&pending.session_id));
    let link = format!(
        "myapp://checkout/success?session_id={}&state={}",
        pending.session_id, pending.state
    );
    assert_eq!(
        flow.handle_return_url(link).await.expect("verified").outcome,
        PaymentOutcome::Expired
    );
}

#[tokio::test]
async fn a_success_link_while_the_session_is_still_open_is_open_never_paid() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "open");
    let pending = flow.start(params()).await.expect("start");
    // A forged success link, built from the pending data, before anything was paid.
    let link = format!(
        "myapp://checkout/success?session_id={}&state={}",
        pending.session_id, pending.state
    );
    let r = flow.handle_return_url(link).await.expect("verified");
    assert_eq!(r.outcome, PaymentOutcome::Open);
    assert_eq!(flow.pending().expect("pending").len(), 1);
}

#[tokio::test]
async fn a_setup_checkout_is_open_until_complete_although_it_reports_no_payment_required() {
    // Stripe: `no_payment_required` means "the Checkout Session is in setup mode and doesn't
    // require a payment at this time" (Checkout Session object, `payment_status`), a property of
    // the mode, so an open setup session already reports it (the emulator's "What we found").
    // Only `complete` may count: a forged success link must not make a setup `Paid`.
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "setup");
    let mut p = CreateSessionParams::new(CheckoutMode::Setup);
    p.currency = Some("eur".into());
    let pending = flow.start(p).await.expect("start");
    assert_eq!(
        (pending.mode.clone(), pending.amount_total),
        (CheckoutMode::Setup, None)
    );
    let r = flow.handle_return_url(success_link(&pending)).await.expect("verified");
    assert_eq!(r.session.payment_status, PaymentStatus::NoPaymentRequired);
    assert_eq!(r.outcome, PaymentOutcome::Open, "open, whatever payment_status says");
    assert_eq!(r.receipt, None, "setup mode has no amounts");
    let link = press(r.session.url.as_deref().expect("open session has a url"), "Pay").await;
    let r = flow.handle_return_url(link).await.expect("verified");
    assert_eq!(r.session.status, Some(SessionStatus::Complete));
    assert_eq!(
        r.outcome,
        PaymentOutcome::Paid,
        "a completed setup is the success outcome"
    );
    assert!(flow.pending().expect("pending").is_empty());
}

#[tokio::test]
async fn a_paid_session_in_another_currency_mode_or_livemode_is_a_mismatch_never_paid() {
    for patch in [
        serde_json::json!({"currency": "eur"}),
        serde_json::json!({"mode": "setup"}),
        serde_json::json!({"mode": "subscription"}),
        serde_json::json!({"livemode": true}),
    ] {
        let emu = emulator().await;
        let (flow, _) = flow(&emu, "tamper");
        let pending = flow.start(params()).await.expect("start");
        let link = press(&pending.url, "Pay").await;
        assert!(emu.tamper_session(&pending.session_id, patch.clone()));
        let r = flow.handle_return_url(link).await;
        assert!(
            matches!(r, Err(CheckoutError::SessionMismatch { .. })),
            "{patch}: {r:?}"
        );
    }
}

#[tokio::test]
async fn links_for_other_checkouts_or_unknown_states_are_refused() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "swap");
    let a = flow.start(params()).await.expect("a");
    let b = flow.start(params()).await.expect("b");
    emu.complete_session(&b.session_id, true);
    // B's paid session ID with A's state.
    let swapped = format!("myapp://checkout/success?session_id={}&state={}", b.session_id, a.state);
    assert!(matches!(
        flow.handle_return_url(swapped).await,
        Err(CheckoutError::SessionMismatch { .. })
    ));
    // A state no checkout was started with (e.g. replayed from another install).
    let unknown = format!(
        "myapp://checkout/success?session_id={}&state={}",
        b.session_id,
        "f".repeat(32)
    );
    assert!(matches!(
        flow.handle_return_url(unknown).await,
        Err(CheckoutError::InvalidReturnUrl { .. })
    ));
    // A link for another app's base.
    let foreign = format!(
        "otherapp://checkout/success?session_id={}&state={}",
        b.session_id, b.state
    );
    assert!(matches!(
        flow.handle_return_url(foreign).await,
        Err(CheckoutError::InvalidReturnUrl { .. })
    ));
}

#[tokio::test]
async fn resolve_pending_after_a_lost_link_and_after_a_restart() {
    let emu = emulator().await;
    let dir = temp_dir("restart");
    let pending = {
        let store = FileStore::open(dir.clone()).expect("store");
        let flow = CheckoutFlow::new(client(&emu), BASE.into(), store).expect("flow");
        flow.start(params()).await.expect("start")
    };
    // The customer pays, but the app was killed and the link never arrives.
    let _ = press(&pending.url, "Pay").await;
    let store = FileStore::open(dir).expect("reopen");
    let flow = CheckoutFlow::new(client(&emu), BASE.into(), store).expect("flow");
    let open = flow.pending().expect("pending");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].session_id, pending.session_id);
    let r = flow
        .resolve_pending(pending.session_id.clone())
        .await
        .expect("resolved");
    assert_eq!(r.outcome, PaymentOutcome::Paid);
    assert!(flow.pending().expect("pending").is_empty());
}

/// Two verifications of one checkout overlap: this one asks Stripe while the session is still
/// open, and before its answer is recorded another (the return link on another screen or
/// process) records `Paid`. The stale `Open` must not put the decided checkout back among the
/// pending ones (it would be reported a second time).
#[tokio::test]
async fn a_stale_open_never_replaces_a_final_outcome() {
    struct OtherVerifierWins {
        inner: Arc<FileStore>,
        loads: std::sync::atomic::AtomicU32,
    }
    impl PendingStore for OtherVerifierWins {
        fn save(&self, checkout: PendingCheckout) -> Result<(), CheckoutError> {
            self.inner.save(checkout)
        }
        fn remove(&self, id: String) -> Result<(), CheckoutError> {
            self.inner.remove(id)
        }
        fn load_all(&self) -> Result<Vec<PendingCheckout>, CheckoutError> {
            // The first read is the flow finding the checkout, before it asks Stripe; by any
            // later read, the other verification has finished.
            if self.loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
                for mut p in self.inner.load_all()? {
                    p.outcome = Some(PaymentOutcome::Paid);
                    self.inner.save(p)?;
                }
            }
            self.inner.load_all()
        }
    }
    let emu = emulator().await;
    let (flow, store) = flow(&emu, "stale");
    let pending = flow.start(params()).await.expect("start");
    let racing = Arc::new(OtherVerifierWins {
        inner: store.clone(),
        loads: 0.into(),
    });
    let stale = CheckoutFlow::new(client(&emu), BASE.into(), racing.clone()).expect("flow");
    let r = stale
        .resolve_pending(pending.session_id.clone())
        .await
        .expect("resolve");
    assert_eq!(r.outcome, PaymentOutcome::Open, "Stripe said open when asked");
    assert!(racing.loads.load(std::sync::atomic::Ordering::SeqCst) >= 2);
    let stored = store.load_all().expect("load");
    assert_eq!(
        stored[0].outcome,
        Some(PaymentOutcome::Paid),
        "the final outcome is kept"
    );
    assert!(flow.pending().expect("pending").is_empty(), "not pending again");
}

#[tokio::test]
async fn cancel_of_an_open_checkout_and_of_one_paid_in_another_tab() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "cancel-api");
    let a = flow.start(params()).await.expect("a");
    assert_eq!(
        flow.cancel(a.session_id.clone()).await.expect("cancel").outcome,
        PaymentOutcome::Canceled
    );
    let b = flow.start(params()).await.expect("b");
    emu.complete_session(&b.session_id, true);
    assert_eq!(
        flow.cancel(b.session_id.clone()).await.expect("cancel").outcome,
        PaymentOutcome::Paid
    );
    assert!(matches!(
        flow.cancel("cs_never_started".into()).await,
        Err(CheckoutError::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn start_refuses_caller_urls() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "urls");
    let mut p = params();
    p.success_url = Some("https://elsewhere.example/ok".into());
    assert!(
        matches!(flow.start(p).await, Err(CheckoutError::InvalidInput { ref field, .. }) if field == "success_url")
    );
    assert_eq!(emu.session_count(), 0);
}

#[tokio::test]
async fn a_store_that_cannot_save_leaves_no_payable_session() {
    struct Broken;
    impl PendingStore for Broken {
        fn save(&self, _: PendingCheckout) -> Result<(), CheckoutError> {
            Err(CheckoutError::Storage {
                reason: "disk full".into(),
            })
        }
        fn remove(&self, _: String) -> Result<(), CheckoutError> {
            Ok(())
        }
        fn load_all(&self) -> Result<Vec<PendingCheckout>, CheckoutError> {
            Ok(vec![])
        }
    }
    let emu = emulator().await;
    let flow = CheckoutFlow::new(client(&emu), BASE.into(), Arc::new(Broken)).expect("flow");
    let r = flow.start(params()).await;
    assert!(matches!(r, Err(CheckoutError::Storage { .. })), "{r:?}");
    assert_eq!(emu.session_count(), 1);
    let log = emu.requests();
    assert!(
        log.iter().any(|r| r.path.ends_with("/expire")),
        "the unrecorded session was expired"
    );
}

#[tokio::test]
async fn start_prunes_checkouts_abandoned_a_day_after_expiry() {
    let emu = emulator().await;
    let (flow, store) = flow(&emu, "prune");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let day = 24 * 60 * 60;
    let record = |id: &str, expires_at: i64, outcome: Option<PaymentOutcome>| PendingCheckout {
        session_id: id.into(),
        state: format!("{:0>32}", id.len()),
        url: "https://checkout.stripe.com/c/pay/x".into(),
        amount_total: Some(2500),
        currency: Some("usd".into()),
        mode: CheckoutMode::Payment,
        livemode: false,
        created: expires_at - day,
        expires_at,
        outcome,
    };
    for p in [
        record("cs_abandoned", now - day - 60, None),
        record("cs_returned_unpaid", now - day - 60, Some(PaymentOutcome::Open)),
        record("cs_expired_an_hour_ago", now - 3600, None),
        record("cs_delayed_payment", now - 3 * day, Some(PaymentOutcome::Processing)),
        record("cs_paid_yesterday", now - 3600, Some(PaymentOutcome::Paid)),
    ] {
        store.save(p).expect("save");
    }
    let new = flow.start(params()).await.expect("start");
    let mut left: Vec<String> = store
        .load_all()
        .expect("load")
        .into_iter()
        .map(|p| p.session_id)
        .collect();
    left.sort();
    let mut expected = vec![
        "cs_delayed_payment".to_owned(),
        "cs_expired_an_hour_ago".into(),
        "cs_paid_yesterday".into(),
        new.session_id,
    ];
    expected.sort();
    assert_eq!(left, expected);
}

/// The link Stripe sends after paying, for a session completed without the hosted page.
fn success_link(p: &PendingCheckout) -> String {
    format!("myapp://checkout/success?session_id={}&state={}", p.session_id, p.state)
}

/// The receipt figures as the emulator's session JSON reports them.
fn receipt_in_json(v: &serde_json::Value) -> (i64, i64, i64, i64, i64) {
    let n = |x: &serde_json::Value| x.as_i64().expect("integer");
    (
        n(&v["amount_subtotal"]),
        n(&v["total_details"]["amount_discount"]),
        n(&v["total_details"]["amount_shipping"]),
        n(&v["total_details"]["amount_tax"]),
        n(&v["amount_total"]),
    )
}

#[tokio::test]
async fn a_discounted_taxed_shipped_session_paid_through_the_control_api_is_paid_with_its_receipt() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "extras-control");
    let pending = flow.start(discounted_taxed_shipped_params()).await.expect("start");
    // At creation: 2 × 12.50 and the first shipping option, no address yet so no tax.
    assert_eq!(pending.amount_total, Some(2500 + 500));
    // The customer types SAVE10, picks express shipping, changes the quantity to 3 and enters
    // a German address: the emulator's control endpoint, as the page would.
    let resp = browser()
        .post(format!(
            "{}/_emulator/sessions/{}/complete",
            emu.base_url(),
            pending.session_id
        ))
        .header("content-type", "application/json")
        .body(
            serde_json::json!({
                "paid": true, "promotion_code": "SAVE10", "shipping_rate": "shr_test_express",
                "quantities": [3], "country": "DE",
            })
            .to_string(),
        )
        .send()
        .await
        .expect("control");
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap_or_default());
    let r = flow.handle_return_url(success_link(&pending)).await.expect("verified");
    assert_eq!(
        r.outcome,
        PaymentOutcome::Paid,
        "an honest payment with a promotion code is Paid"
    );
    let want = expected_receipt();
    assert_eq!(r.receipt.as_ref(), Some(&want));
    let at_stripe = emu.session_json(&pending.session_id).expect("json");
    assert_eq!(
        receipt_in_json(&at_stripe),
        (want.subtotal, want.discount, want.shipping, want.tax, want.total)
    );
    // The session's own parts say how it came about.
    assert!(r
        .session
        .discounts
        .iter()
        .any(|d| d.promotion_code.as_deref() == Some("promo_test_save10")));
    assert_eq!(
        r.session.automatic_tax.as_ref().and_then(|t| t.status.clone()),
        Some(AutomaticTaxStatus::Complete)
    );
    let address = r
        .session
        .collected_information
        .as_ref()
        .and_then(|c| c.shipping_details.as_ref())
        .and_then(|d| d.address.as_ref())
        .and_then(|a| a.country.as_deref());
    assert_eq!(address, Some("DE"));
    assert_eq!(session_receipt(r.session.clone()), r.receipt);
    assert!(flow.pending().expect("pending").is_empty());
}

#[tokio::test]
async fn a_discounted_taxed_shipped_session_paid_on_the_hosted_page_is_paid_with_its_receipt() {
    let emu = emulator().await;
    let (flow, _) = flow(&emu, "extras-page");
    let pending = flow.start(discounted_taxed_shipped_params()).await.expect("start");
    let http = browser();
    let page = http
        .get(&pending.url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for field in [
        "name=\"promotion_code\"",
        "value=\"shr_test_express\"",
        "name=\"quantity_0\"",
        "name=\"country\"",
    ] {
        assert!(page.contains(field), "the page offers {field}");
    }
    let pay = format!("{}/pay", url::Url::parse(&pending.url).expect("url").path());
    let resp = http
        .post(url::Url::parse(&pending.url).expect("url").join(&pay).expect("join"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("promotion_code=save10&shipping_rate=shr_test_express&quantity_0=3&country=DE")
        .send()
        .await
        .expect("pay");
    assert_eq!(resp.status(), 303);
    let link = resp.headers()["location"].to_str().expect("ascii").to_owned();
    let r = flow.handle_return_url(link).await.expect("verified");
    assert_eq!(r.outcome, PaymentOutcome::Paid);
    assert_eq!(r.receipt, Some(expected_receipt()));
}

#[tokio::test]
async fn changed_amounts_alone_never_refuse_a_paid_session() {
    // Whatever the amounts became (a 100 % code, a bigger cart), the outcome is Stripe's status;
    // the receipt reports the amounts.
    for total in [0, 1, 999_999] {
        let emu = emulator().await;
        let (flow, _) = flow(&emu, "amounts");
        let pending = flow.start(params()).await.expect("start");
        assert!(emu.complete_session(&pending.session_id, true));
        assert!(emu.tamper_session(
            &pending.session_id,
            serde_json::json!({"amount_total": total, "amount_subtotal": total})
        ));
        let r = flow.handle_return_url(success_link(&pending)).await.expect("verified");
        assert_eq!(r.outcome, PaymentOutcome::Paid, "total {total}");
        assert_eq!(r.receipt.map(|x| x.total), Some(total));
    }
}

#[tokio::test]
async fn a_backend_answering_with_another_session_is_a_mismatch_never_paid() {
    // A server (a compromised proxy, a cache bug) that answers every retrieve with another,
    // paid session: same currency, mode and livemode, different ID.
    let other = r#"{"id":"cs_test_someone_else","object":"checkout.session","mode":"payment",
        "status":"complete","payment_status":"paid","currency":"usd","amount_total":2500,
        "amount_subtotal":2500,"livemode":false,"created":1,"expires_at":2}"#;
    let base = raw_server(move |_| json_response("200 OK", "", other)).await;
    let store = FileStore::open(temp_dir("foreign")).expect("store");
    store
        .save(PendingCheckout {
            session_id: "cs_test_mine".into(),
            state: "0123456789abcdef0123456789abcdef".into(),
            url: "https://checkout.example/pay".into(),
            amount_total: Some(2500),
            currency: Some("usd".into()),
            mode: CheckoutMode::Payment,
            livemode: false,
            created: 1,
            expires_at: 2,
            outcome: None,
        })
        .expect("save");
    let mut cfg = ClientConfig::new(Credential::secret_key(TEST_KEY)).with_base_url(base);
    cfg.max_retries = 0;
    let flow = CheckoutFlow::new(CheckoutClient::new(cfg).expect("client"), BASE.into(), store).expect("flow");
    let link = "myapp://checkout/success?session_id=cs_test_mine&state=0123456789abcdef0123456789abcdef";
    for r in [
        flow.handle_return_url(link.into()).await,
        flow.resolve_pending("cs_test_mine".into()).await,
    ] {
        assert!(matches!(r, Err(CheckoutError::SessionMismatch { .. })), "{r:?}");
    }
    assert_eq!(
        flow.pending().expect("pending").len(),
        1,
        "still unresolved, never Paid"
    );
}
