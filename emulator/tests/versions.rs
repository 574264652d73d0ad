//! Version-aware parameter acceptance: 2026-09-30.endive removes `payment_method_types` from
//! create and adds `allowed_payment_method_types`; `ui_mode` takes only the values of the
//! request's version; requests without `Stripe-Version` use the account default (endive).

mod common;

use checkout_bridge_emulator::Emulator;
use common::*;
use serde_json::Value;

const ENDIVE: &str = "2026-09-30.endive";
const DAHLIA: &str = "2026-07-29.dahlia";
const BASIL: &str = "2025-03-31.basil";

async fn create_as(emu: &Emulator, version: Option<&str>, pairs: &[(&str, &str)]) -> Reply {
    let mut req = client()
        .post(format!("{}/v1/checkout/sessions", emu.base_url()))
        .bearer_auth(KEY)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(pairs));
    if let Some(v) = version {
        req = req.header("Stripe-Version", v);
    }
    reply(req.send().await.expect("send")).await
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut p = payment_pairs();
    p.extend_from_slice(extra);
    p
}

fn err(r: &Reply) -> (u16, Option<&str>, Option<&str>) {
    (
        r.status,
        r.json["error"]["code"].as_str(),
        r.json["error"]["param"].as_str(),
    )
}

#[tokio::test]
async fn endive_refuses_payment_method_types_and_takes_allowed_types() {
    let emu = Emulator::start().await.expect("start");
    let pmt = with(&[("payment_method_types[0]", "card")]);
    for version in [Some(ENDIVE), Some("2026-11-18.endive"), None] {
        let r = create_as(&emu, version, &pmt).await;
        assert_eq!(
            err(&r),
            (
                400,
                Some("payment_method_types_no_longer_supported"),
                Some("payment_method_types")
            ),
            "{version:?}: {}",
            r.text
        );
    }
    let r = create_as(&emu, Some(DAHLIA), &pmt).await;
    assert_eq!(r.status, 200, "dahlia clients keep working: {}", r.text);
    assert_eq!(r.json["payment_method_types"], serde_json::json!(["card"]));
    assert!(r.json.get("allowed_payment_method_types").is_none());

    let allowed = with(&[
        ("allowed_payment_method_types[0]", "card"),
        ("allowed_payment_method_types[1]", "link"),
    ]);
    let r = create_as(&emu, Some(ENDIVE), &allowed).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["allowed_payment_method_types"],
        serde_json::json!(["card", "link"])
    );
    assert_eq!(r.json["payment_method_types"], serde_json::json!(["card", "link"]));
    assert_eq!(
        r.headers.get("stripe-version").and_then(|v| v.to_str().ok()),
        Some(ENDIVE)
    );
    let r = create_as(&emu, Some(DAHLIA), &allowed).await;
    assert_eq!(
        err(&r),
        (400, Some("parameter_unknown"), Some("allowed_payment_method_types"))
    );
    let r = create_as(
        &emu,
        Some(ENDIVE),
        &with(&[("allowed_payment_method_types[0]", "carrier_pigeon")]),
    )
    .await;
    assert_eq!(
        err(&r),
        (400, None, Some("allowed_payment_method_types[0]")),
        "{}",
        r.text
    );

    // Excluded types exist since clover; they leave the computed list.
    let r = create_as(
        &emu,
        None,
        &with(&[
            ("excluded_payment_method_types[0]", "card"),
            ("excluded_payment_method_types[1]", "klarna"),
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["excluded_payment_method_types"],
        serde_json::json!(["card", "klarna"])
    );
    assert_eq!(r.json["payment_method_types"], serde_json::json!([]));
    let r = create_as(
        &emu,
        None,
        &with(&[
            ("excluded_payment_method_types[0]", "klarna"),
            ("allowed_payment_method_types[0]", "card"),
        ]),
    )
    .await;
    assert_eq!(err(&r).1, Some("parameters_exclusive"), "{}", r.text);
    // `link` cannot be excluded (not in the enum).
    let r = create_as(&emu, None, &with(&[("excluded_payment_method_types[0]", "link")])).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn ui_mode_takes_only_the_values_of_the_requests_version() {
    let emu = Emulator::start().await.expect("start");
    for (version, good, bad) in [
        (Some(ENDIVE), "hosted_page", "hosted"),
        (None, "hosted_page", "embedded"),
        (Some(DAHLIA), "hosted_page", "custom"),
        (Some(BASIL), "hosted", "hosted_page"),
        (Some("2024-06-20"), "hosted", "elements"),
    ] {
        let r = create_as(&emu, version, &with(&[("ui_mode", good)])).await;
        assert_eq!(r.status, 200, "{version:?} {good}: {}", r.text);
        assert_eq!(r.json["ui_mode"], good);
        let r = create_as(&emu, version, &with(&[("ui_mode", bad)])).await;
        assert_eq!(err(&r), (400, None, Some("ui_mode")), "{version:?} {bad}: {}", r.text);
        let r = create_as(&emu, version, &with(&[("ui_mode", "fullscreen")])).await;
        assert_eq!(r.status, 400, "no free strings");
    }
    // Without ui_mode: the version's hosted spelling.
    let r = create_as(&emu, Some(BASIL), &payment_pairs()).await;
    assert_eq!(r.json["ui_mode"], "hosted");
    let r = create_as(&emu, None, &payment_pairs()).await;
    assert_eq!(r.json["ui_mode"], "hosted_page");
}

#[tokio::test]
async fn embedded_and_elements_sessions_take_a_return_url_and_have_no_hosted_page() {
    let emu = Emulator::start().await.expect("start");
    let base: Vec<(&str, &str)> = payment_pairs()
        .into_iter()
        .filter(|(k, _)| !k.ends_with("_url"))
        .collect();
    let mut embedded = base.clone();
    embedded.extend([
        ("ui_mode", "embedded_page"),
        ("return_url", "https://shop.example/r?s={CHECKOUT_SESSION_ID}"),
    ]);
    let r = create_as(&emu, None, &embedded).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s: &Value = &r.json;
    assert!(s["url"].is_null());
    let id = s["id"].as_str().expect("id");
    assert!(s["client_secret"]
        .as_str()
        .is_some_and(|c| c.starts_with(&format!("{id}_secret_"))));
    let page = client()
        .get(format!("{}/pay/{id}", emu.base_url()))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 404);

    let mut missing = base.clone();
    missing.push(("ui_mode", "elements"));
    assert_eq!(
        err(&create_as(&emu, None, &missing).await),
        (400, Some("parameter_missing"), Some("return_url"))
    );
    let mut never = missing.clone();
    never.push(("redirect_on_completion", "never"));
    assert_eq!(create_as(&emu, None, &never).await.status, 200);
    let mut success = embedded.clone();
    success.push(("success_url", "https://shop.example/ok"));
    assert_eq!(
        err(&create_as(&emu, None, &success).await),
        (400, None, Some("success_url"))
    );
    let r = create_as(&emu, None, &with(&[("return_url", "https://shop.example/r")])).await;
    assert_eq!(
        err(&r),
        (400, None, Some("return_url")),
        "hosted sessions take no return_url"
    );
    let mut oc = never.clone();
    oc.push(("origin_context", "mobile_app"));
    assert_eq!(
        err(&create_as(&emu, None, &oc).await),
        (400, None, Some("origin_context"))
    );
}

/// Card restrictions: `brands_blocked` since 2025-02-24.acacia
/// (<https://docs.stripe.com/changelog/acacia/2025-02-24/checkout_add_brands_blocked>),
/// `funding_types_blocked` since 2026-08-26.dahlia.
#[tokio::test]
async fn card_restrictions_arrive_with_their_versions() {
    let emu = Emulator::start().await.expect("start");
    let blocked = with(&[
        (
            "payment_method_options[card][restrictions][funding_types_blocked][0]",
            "prepaid",
        ),
        (
            "payment_method_options[card][restrictions][brands_blocked][0]",
            "american_express",
        ),
    ]);
    let r = create_as(&emu, Some(ENDIVE), &blocked).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["payment_method_options"],
        serde_json::json!({"card": {"restrictions": {
            "brands_blocked": ["american_express"], "funding_types_blocked": ["prepaid"]
        }}})
    );
    let r = create_as(&emu, Some(DAHLIA), &blocked).await;
    assert_eq!(
        err(&r),
        (
            400,
            Some("parameter_unknown"),
            Some("payment_method_options[card][restrictions][funding_types_blocked]")
        )
    );
    let brands = with(&[("payment_method_options[card][restrictions][brands_blocked][]", "visa")]);
    assert_eq!(create_as(&emu, Some(DAHLIA), &brands).await.status, 200);
    assert_eq!(
        err(&create_as(&emu, Some("2024-06-20"), &brands).await),
        (
            400,
            Some("parameter_unknown"),
            Some("payment_method_options[card][restrictions]")
        )
    );
    let r = create_as(&emu, Some("2026-08-26.dahlia"), &blocked).await;
    assert_eq!(r.status, 200);
    for bad in [
        (
            "payment_method_options[card][restrictions][funding_types_blocked][0]",
            "gift",
        ),
        ("payment_method_options[card][restrictions][brands_blocked][0]", "amex"),
        ("payment_method_options[card][restrictions][colours_blocked][0]", "red"),
    ] {
        assert_eq!(create_as(&emu, None, &with(&[bad])).await.status, 400, "{bad:?}");
    }
}

#[tokio::test]
async fn versions_must_exist() {
    let emu = Emulator::start().await.expect("start");
    for bad in [
        "2026-09-30.dahlia",
        "2026-07-29.endive",
        "2026-07-29",
        "latest",
        "2026-13-01.dahlia",
    ] {
        let r = create_as(&emu, Some(bad), &payment_pairs()).await;
        assert_eq!(err(&r), (400, None, Some("Stripe-Version")), "{bad}: {}", r.text);
    }
    let r = create_as(&emu, Some("2026-08-26.preview"), &payment_pairs()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The account default can be chosen.
    let dahlia_account = Emulator::builder()
        .account_version(DAHLIA)
        .start()
        .await
        .expect("start");
    let r = create_as(&dahlia_account, None, &with(&[("payment_method_types[0]", "card")])).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.headers.get("stripe-version").and_then(|v| v.to_str().ok()),
        Some(DAHLIA)
    );
    assert!(Emulator::builder()
        .account_version("2026-09-30.dahlia")
        .start()
        .await
        .is_err());
}
