//! Stripe's own mock, stripe-mock (the pinned Go module, driven by Stripe's OpenAPI spec), as
//! the judge of every request the library can send. `scripts/stripe-mock.sh` installs it,
//! starts it on 127.0.0.1 and runs this suite by name (`test = false` in Cargo.toml keeps it out of
//! a plain `cargo test`) with:
//!
//! - `STRIPE_MOCK_URL`: stripe-mock's HTTP listener;
//! - `STRIPE_SPEC`: stripe-mock's own `spec3.json` (2026-08-26.dahlia);
//! - `STRIPE_ENDIVE_SPEC`: the copy stripe-mock runs with, the spec plus the one difference of
//!   the library's pinned version that touches Checkout Session create, applied by name
//!   (`allowed_payment_method_types`, added by 2026-09-30.endive:
//!   <https://docs.stripe.com/changelog/endive/2026-09-30/remove-payment-method-types-checkout-sessions>,
//!   with endive's `sequra`) by `scripts/stripe_spec_tables.py --endive-spec`.
//!
//! The requests go out as apps send them: through the public `CheckoutClient` at the pinned
//! `2026-11-18.endive` (and, for `payment_method_types`, a client pinned to the spec's dahlia).
//! stripe-mock refuses unknown top-level parameters, wrong types and values outside an enum,
//! but not unknown keys inside nested objects, so every body is also read against the spec's
//! form keys here (`form_problems`). stripe-mock checks no semantics (modes, exclusions, the
//! `expires_at` window): those are the emulator's and the library's own tests'.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use checkout_bridge::*;
use common::scenarios::*;
use common::*;
use serde_json::Value;

const DAHLIA: &str = "2026-08-26.dahlia";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run this suite with scripts/stripe-mock.sh, which starts stripe-mock and sets it")
    })
}

/// A client of stripe-mock at the library's pinned version, or at `version`.
fn mock_client(version: Option<&str>) -> Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::secret_key(TEST_KEY)).with_base_url(env("STRIPE_MOCK_URL"));
    c.timeout_ms = 20_000;
    c.stripe_version = version.map(str::to_owned);
    CheckoutClient::new(c).expect("valid config")
}

/// One form parameter of the spec (read here on its own, not from any table of the project).
#[derive(Debug)]
struct Row {
    kind: String,
    /// An object of any keys (`metadata`).
    map: bool,
    values: Vec<String>,
}

type Spec = BTreeMap<String, Row>;

fn load(var: &str) -> Spec {
    let path = env(var);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let spec: Value = serde_json::from_str(&text).expect("spec JSON");
    let body = &spec["paths"]["/v1/checkout/sessions"]["post"]["requestBody"]["content"]
        ["application/x-www-form-urlencoded"]["schema"];
    let mut rows = Spec::new();
    for (key, node) in body["properties"].as_object().expect("properties") {
        walk(key, node, &mut rows);
    }
    rows
}

fn walk(path: &str, node: &Value, rows: &mut Spec) {
    let node = node["anyOf"]
        .as_array()
        .and_then(|alts| alts.iter().find(|a| a["enum"] != serde_json::json!([""])))
        .unwrap_or(node);
    let kind = node["type"].as_str().unwrap_or_default().to_owned();
    let values = node["enum"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let map = node["additionalProperties"].is_object();
    rows.insert(
        path.to_owned(),
        Row {
            kind: kind.clone(),
            map,
            values,
        },
    );
    if let Some(props) = node["properties"].as_object() {
        for (k, child) in props {
            walk(&format!("{path}[{k}]"), child, rows);
        }
    }
    if map {
        walk(&format!("{path}[*]"), &node["additionalProperties"], rows);
    }
    if kind == "array" {
        walk(&format!("{path}[]"), &node["items"], rows);
    }
}

/// The spec at a version: stripe-mock's own for dahlia, the endive copy for the pinned version.
fn spec_for(version: &str) -> &'static Spec {
    static DAHLIA_SPEC: OnceLock<Spec> = OnceLock::new();
    static ENDIVE_SPEC: OnceLock<Spec> = OnceLock::new();
    if version == DAHLIA {
        DAHLIA_SPEC.get_or_init(|| load("STRIPE_SPEC"))
    } else {
        ENDIVE_SPEC.get_or_init(|| load("STRIPE_ENDIVE_SPEC"))
    }
}

/// What is wrong with `body` as a create form at `version`: each key must be a form key of the
/// spec (at any depth), each value fit its type and enum. Endive removed `payment_method_types`
/// (the copy keeps it for the dahlia client), so at endive it is refused here by name.
fn form_problems(body: &str, version: &str) -> Vec<String> {
    let spec = spec_for(version);
    let mut problems = Vec::new();
    for (key, value) in url::form_urlencoded::parse(body.as_bytes()) {
        let mut segs = key.split('[').map(|s| s.trim_end_matches(']'));
        let Some(first) = segs.next() else { continue };
        if version != DAHLIA && first == "payment_method_types" {
            problems.push(format!("{key}: removed at 2026-09-30.endive"));
            continue;
        }
        let mut pattern = first.to_owned();
        let mut ok = spec.contains_key(&pattern);
        for seg in segs {
            let Some(row) = spec.get(&pattern).filter(|_| ok) else {
                break;
            };
            pattern = match (row.kind.as_str(), row.map) {
                ("array", _) if seg.bytes().all(|b| b.is_ascii_digit()) => format!("{pattern}[]"),
                ("object", true) => format!("{pattern}[*]"),
                ("object", false) => format!("{pattern}[{seg}]"),
                _ => format!("{pattern}[{seg}]?"),
            };
            ok = spec.contains_key(&pattern);
        }
        match spec.get(&pattern).filter(|_| ok) {
            None => problems.push(format!("{key}: not a form key of the spec ({pattern})")),
            Some(row) if !row.values.is_empty() && !row.values.iter().any(|v| *v == value) => problems.push(format!(
                "{key}={value}: not one of the spec's {} values",
                row.values.len()
            )),
            Some(row) if row.kind == "integer" && value.parse::<i64>().is_err() => {
                problems.push(format!("{key}={value}: not an integer"))
            }
            Some(row) if row.kind == "boolean" && value != "true" && value != "false" => {
                problems.push(format!("{key}={value}: not a boolean"))
            }
            Some(row) if row.kind == "object" || row.kind == "array" => {
                problems.push(format!("{key}: a value where the spec has an {}", row.kind))
            }
            Some(_) => {}
        }
    }
    problems
}

/// Sends `p` through the client, after reading its body against the spec; returns the session.
async fn judged(
    name: &str,
    c: &CheckoutClient,
    version: &str,
    p: CreateSessionParams,
) -> Result<CheckoutSession, String> {
    let problems = form_problems(&encode_create_params(&p), version);
    if !problems.is_empty() {
        return Err(format!("{name}: {problems:?}"));
    }
    c.create_session(p).await.map_err(|e| format!("{name}: {e:?}"))
}

/// Every scenario the library's own tests create (`tests/params.rs`: what Stripe accepts, the
/// session with every mobile parameter, one of each mode) is accepted by stripe-mock; each
/// session is then retrieved, its line items listed and it is expired, decoding stripe-mock's
/// full-size fixtures (every field Stripe's spec has).
#[tokio::test]
async fn every_scenario_the_library_tests_create_is_accepted_and_its_fixtures_decode() {
    let c = mock_client(None);
    let mut scenarios = accepted();
    scenarios.push(("every mobile parameter at once", Box::new(kitchen_sink_params)));
    scenarios.push((
        "the emulator's shop checkout",
        Box::new(discounted_taxed_shipped_params),
    ));
    scenarios.push(("payment", Box::new(payment)));
    scenarios.push(("subscription", Box::new(subscription)));
    scenarios.push(("setup", Box::new(setup)));
    let mut failures = Vec::new();
    for (name, build) in &scenarios {
        let s = match judged(name, &c, PINNED_STRIPE_VERSION, build()).await {
            Ok(s) => s,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        assert!(!s.id.is_empty(), "{name}");
        let again = c.retrieve_session(s.id.clone()).await;
        let items = c.list_line_items(s.id.clone()).await;
        let expired = c.expire_session(s.id.clone()).await;
        for (what, r) in [
            ("retrieve", again.map(drop)),
            ("line items", items.map(drop)),
            ("expire", expired.map(drop)),
        ] {
            if let Err(e) = r {
                failures.push(format!("{name}: {what}: {e:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(scenarios.len() > 20, "{}", scenarios.len());
}

/// A typed enum of the library: the spec path it is sent at, the values the library knows, and
/// whether it knows a value the spec lists.
struct EnumField {
    path: &'static str,
    values: &'static [&'static str],
    known: fn(&str) -> bool,
    build: fn(&str) -> CreateSessionParams,
}

macro_rules! field {
    ($path:literal, $t:ident, $build:expr) => {
        EnumField {
            path: $path,
            values: $t::WIRE_VALUES,
            known: |v| !matches!($t::from_wire(v), $t::Unknown { .. }),
            build: $build,
        }
    };
}

fn with_inline_shipping(p: &mut CreateSessionParams, tax: Option<TaxBehavior>, unit: Option<DeliveryUnit>) {
    p.shipping_options = vec![ShippingOption::Inline {
        display_name: "Courier".into(),
        amount: 500,
        currency: "usd".into(),
        tax_behavior: tax,
        tax_code: None,
        delivery_estimate: unit.map(|unit| DeliveryEstimate {
            minimum: Some(DeliveryBound { unit, value: 1 }),
            maximum: None,
        }),
    }];
}

fn with_customer() -> CreateSessionParams {
    let mut p = payment();
    p.customer = Some("cus_test_1".into());
    p
}

/// Every typed enum the library sends, with a session that sends each value.
fn enum_fields() -> Vec<EnumField> {
    vec![
        field!("mode", CheckoutMode, |v| match CheckoutMode::from_wire(v) {
            CheckoutMode::Subscription => subscription(),
            CheckoutMode::Setup => setup(),
            _ => payment(),
        }),
        field!("origin_context", OriginContext, |v| {
            let mut p = payment();
            p.origin_context = Some(OriginContext::from_wire(v));
            p
        }),
        field!("billing_address_collection", BillingAddressCollection, |v| {
            let mut p = payment();
            p.billing_address_collection = Some(BillingAddressCollection::from_wire(v));
            p
        }),
        field!("customer_creation", CustomerCreation, |v| {
            let mut p = payment();
            p.customer_creation = Some(CustomerCreation::from_wire(v));
            p
        }),
        field!("customer_update[address]", CustomerUpdateMode, |v| {
            let mut p = with_customer();
            let mode = Some(CustomerUpdateMode::from_wire(v));
            p.customer_update = Some(CustomerUpdate {
                address: mode.clone(),
                name: mode.clone(),
                shipping: mode,
            });
            p
        }),
        field!("tax_id_collection[required]", TaxIdRequirement, |v| {
            let mut p = payment();
            p.tax_id_collection = Some(TaxIdCollection {
                enabled: true,
                required: Some(TaxIdRequirement::from_wire(v)),
            });
            p
        }),
        field!("submit_type", SubmitType, |v| {
            let mut p = if v == "subscribe" { subscription() } else { payment() };
            p.submit_type = Some(SubmitType::from_wire(v));
            p
        }),
        field!("payment_intent_data[setup_future_usage]", SetupFutureUsage, |v| {
            let mut p = payment();
            p.payment_intent_data = Some(PaymentIntentData {
                setup_future_usage: Some(SetupFutureUsage::from_wire(v)),
                ..Default::default()
            });
            p
        }),
        field!("line_items[][price_data][tax_behavior]", TaxBehavior, |v| {
            let mut p = payment();
            if let LineItemPrice::Inline { tax_behavior, .. } = &mut p.line_items[0].price {
                *tax_behavior = Some(TaxBehavior::from_wire(v));
            }
            with_inline_shipping(&mut p, Some(TaxBehavior::from_wire(v)), None);
            p
        }),
        field!(
            "shipping_options[][shipping_rate_data][delivery_estimate][minimum][unit]",
            DeliveryUnit,
            |v| {
                let mut p = payment();
                with_inline_shipping(&mut p, None, Some(DeliveryUnit::from_wire(v)));
                p
            }
        ),
        field!("consent_collection[promotions]", PromotionsConsent, |v| {
            let mut p = payment();
            p.consent_collection = Some(ConsentCollection {
                promotions: Some(PromotionsConsent::from_wire(v)),
                ..Default::default()
            });
            p
        }),
        field!("consent_collection[terms_of_service]", TermsOfServiceConsent, |v| {
            let mut p = payment();
            p.consent_collection = Some(ConsentCollection {
                terms_of_service: Some(TermsOfServiceConsent::from_wire(v)),
                ..Default::default()
            });
            p
        }),
        field!(
            "consent_collection[payment_method_reuse_agreement][position]",
            ReuseAgreementPosition,
            |v| {
                let mut p = payment();
                p.consent_collection = Some(ConsentCollection {
                    payment_method_reuse_agreement: Some(ReuseAgreementPosition::from_wire(v)),
                    ..Default::default()
                });
                p
            }
        ),
        field!(
            "saved_payment_method_options[allow_redisplay_filters][]",
            AllowRedisplay,
            |v| {
                let mut p = payment();
                p.saved_payment_method_options = Some(SavedPaymentMethodOptions {
                    allow_redisplay_filters: vec![AllowRedisplay::from_wire(v)],
                    ..Default::default()
                });
                p
            }
        ),
        field!(
            "line_items[][price_data][recurring][interval]",
            RecurringInterval,
            |v| {
                let mut p = subscription();
                p.line_items = vec![recurring_item(RecurringInterval::from_wire(v), None)];
                p
            }
        ),
    ]
}

/// The library's typed enums hold exactly the spec's values, `LOCALES` is the spec's `locale`
/// enum, and every country of `shipping_address_collection[allowed_countries]` is taken.
#[tokio::test]
async fn the_library_enums_are_the_specs() {
    let spec = spec_for(PINNED_STRIPE_VERSION);
    let values = |path: &str| -> Vec<String> {
        let mut v = spec.get(path).map(|r| r.values.clone()).unwrap_or_default();
        v.sort();
        v
    };
    let mut wrong = Vec::new();
    for f in enum_fields() {
        let mut ours: Vec<String> = f.values.iter().map(|v| v.to_string()).collect();
        ours.sort();
        let theirs = values(f.path);
        if ours != theirs || !theirs.iter().all(|v| (f.known)(v)) {
            wrong.push(format!("{}: library {ours:?}, spec {theirs:?}", f.path));
        }
    }
    let mut locales: Vec<String> = LOCALES.iter().map(|l| l.to_string()).collect();
    locales.sort();
    if locales != values("locale") {
        wrong.push(format!("locale: library {locales:?}, spec {:?}", values("locale")));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    let countries = values("shipping_address_collection[allowed_countries][]");
    assert_eq!(countries.len(), 238);
    let mut p = payment();
    p.shipping_address_collection = Some(ShippingAddressCollection {
        allowed_countries: countries,
    });
    judged("every country", &mock_client(None), PINNED_STRIPE_VERSION, p)
        .await
        .expect("every country of the spec");
}

/// Each value of each typed enum the library sends, and each of Stripe's 41 locales, goes out
/// in a session of its own and is accepted.
#[tokio::test]
async fn each_enum_value_and_locale_is_accepted() {
    let c = mock_client(None);
    let mut failures = Vec::new();
    let mut sent = 0;
    for f in enum_fields() {
        for v in f.values {
            sent += 1;
            if let Err(e) = judged(&format!("{}={v}", f.path), &c, PINNED_STRIPE_VERSION, (f.build)(v)).await {
                failures.push(e);
            }
        }
    }
    for locale in LOCALES {
        sent += 1;
        let mut p = payment();
        p.locale = Some(locale.to_string());
        if let Err(e) = judged(&format!("locale={locale}"), &c, PINNED_STRIPE_VERSION, p).await {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(sent > 80, "{sent}");
}

/// Every payment method type the spec lists for a parameter is sent in it, one session each:
/// `allowed_…` and `excluded_…` at the pinned endive (with endive's `sequra`), and
/// `payment_method_types` from a client pinned to the spec's dahlia.
#[tokio::test]
async fn every_payment_method_type_is_accepted_in_each_parameter() {
    let endive = spec_for(PINNED_STRIPE_VERSION);
    let dahlia = spec_for(DAHLIA);
    let list = |spec: &Spec, path: &str| spec.get(path).map(|r| r.values.clone()).unwrap_or_default();
    let pinned = mock_client(None);
    let old = mock_client(Some(DAHLIA));
    let mut failures = Vec::new();
    let mut sent = 0;
    for t in list(endive, "allowed_payment_method_types[]") {
        let mut p = payment();
        p.allowed_payment_method_types = vec![t.clone()];
        sent += 1;
        if let Err(e) = judged(&format!("allowed {t}"), &pinned, PINNED_STRIPE_VERSION, p).await {
            failures.push(e);
        }
    }
    for t in list(endive, "excluded_payment_method_types[]") {
        let mut p = payment();
        p.excluded_payment_method_types = vec![t.clone()];
        sent += 1;
        if let Err(e) = judged(&format!("excluded {t}"), &pinned, PINNED_STRIPE_VERSION, p).await {
            failures.push(e);
        }
    }
    for t in list(dahlia, "payment_method_types[]") {
        let mut p = payment();
        p.payment_method_types = vec![t.clone()];
        sent += 1;
        if let Err(e) = judged(&format!("payment_method_types {t}"), &old, DAHLIA, p).await {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(sent > 150, "{sent}");
}

/// What stripe-mock answers to a raw body (status, error message).
async fn mock_answer(body: String) -> (u16, String) {
    let resp = browser()
        .post(format!("{}/v1/checkout/sessions", env("STRIPE_MOCK_URL")))
        .bearer_auth(TEST_KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("stripe-mock answers");
    let status = resp.status().as_u16();
    let v: Value = serde_json::from_slice(&resp.bytes().await.expect("body")).unwrap_or(Value::Null);
    (status, v["error"]["message"].as_str().unwrap_or_default().to_owned())
}

/// The two judges refuse what the library must never send: a wrong form key (nested, which
/// only the spec's form keys catch, and top-level, which stripe-mock refuses too) and a wrong
/// enum value (top-level and nested), each added to the body of the every-parameter session,
/// which itself passes both.
#[tokio::test]
async fn a_wrong_form_key_and_a_wrong_enum_value_are_refused() {
    let good = encode_create_params(&kitchen_sink_params());
    assert_eq!(form_problems(&good, PINNED_STRIPE_VERSION), Vec::<String>::new());
    assert_eq!(mock_answer(good.clone()).await.0, 200);
    // (what the body has, what it gets instead, the problem the form check must name, whether
    // stripe-mock refuses it too); an empty first field appends.
    for (from, to, problem, mock_refuses) in [
        (
            "",
            "&payment_intent_data[setup_future_usag]=off_session",
            "payment_intent_data[setup_future_usag]",
            false,
        ),
        ("", "&customer_emial=buyer%40example.com", "customer_emial", true),
        ("&locale=de&", "&locale=en-US&", "locale=en-US", true),
        (
            "consent_collection[promotions]=auto",
            "consent_collection[promotions]=always",
            "consent_collection[promotions]=always",
            true,
        ),
    ] {
        let body = if from.is_empty() {
            format!("{good}{to}")
        } else {
            assert!(good.contains(from), "{from}");
            good.replace(from, to)
        };
        let problems = form_problems(&body, PINNED_STRIPE_VERSION);
        assert!(
            problems.iter().any(|p| p.starts_with(problem)),
            "{to}: the spec's form keys catch it: {problems:?}"
        );
        let (status, message) = mock_answer(body).await;
        if mock_refuses {
            assert_eq!(status, 400, "{to}: stripe-mock refuses it: {message}");
        } else {
            // stripe-mock does not police keys inside nested objects: why the form check exists.
            assert_eq!(status, 200, "{to}: {message}");
        }
    }
    // At endive the removed parameter is refused by name (stripe-mock's copy keeps it for dahlia).
    let removed = format!("{good}&payment_method_types[0]=card");
    assert!(form_problems(&removed, PINNED_STRIPE_VERSION)
        .iter()
        .any(|p| p.contains("removed at 2026-09-30.endive")));
}
