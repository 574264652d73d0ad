//! Backend mode at parity with direct mode (issue 17): every create parameter the library can
//! encode goes through the server and reaches Stripe (the emulator) with the same value.
//!
//! Nothing here lists Stripe's parameters a second time. The scenarios are written as full
//! struct literals of the library's own types (no `..` rest), so a field added to the library
//! does not compile here until a scenario sets it; [`unset_everywhere`] then reads the library's
//! own `Debug` output to prove that every field, at every depth, is set in at least one
//! scenario; and the expected form is the library's own encoding (`encode_create_params`).
//! A new parameter that the server drops, renames or refuses therefore fails this test.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use checkout_bridge_server::{spawn, token_hash, RunningServer, Secrets, ServerConfig};

const KEY: &str = "sk_test_PARITYKEY0NEVER0LOGGED";
const ALICE: &str = "alice-parity-token";
const CAROL: &str = "carol-parity-token";
/// The Stripe Customer the server forces for carol (`[[app_tokens]] customer`).
const CAROL_CUSTOMER: &str = "cus_test_carol";

/// A policy that opens every group, so that parity is about parsing and re-encoding, not about
/// refusals (those are the table test's job).
fn open_config(emu: &Emulator) -> ServerConfig {
    let toml = format!(
        r#"
listen = "127.0.0.1:0"
upstream_base_url = "{}"
database_url = "sqlite://{}"
rate_limit_per_minute = 600
[[app_tokens]]
user = "alice"
sha256 = "{}"
[[app_tokens]]
user = "carol"
sha256 = "{}"
customer = "{CAROL_CUSTOMER}"
[policy.modes]
allowed = ["payment", "subscription", "setup"]
[policy.prices]
allowed = ["price_test_usd_1000", "price_test_usd_monthly_900"]
allow_inline = true
allow_product_data = true
allowed_products = ["prod_test_existing"]
allow_adjustable_quantity = true
max_amount = {{ usd = 100000000 }}
[policy.return_urls]
allowed = ["myapp://checkout"]
[policy.promotion_codes]
allow = true
allowed_discounts = ["coupon_test_10_percent", "promo_test_save10"]
[policy.tax]
allow_automatic_tax = true
allowed_liable_accounts = ["acct_test_liable"]
allowed_tax_rates = ["txr_test_vat_20"]
[policy.shipping]
allowed_countries = ["US", "CA"]
allowed_rates = ["shr_test_standard"]
allow_inline_rates = true
max_inline_amount = {{ usd = 5000 }}
[policy.collection]
phone = true
billing_address = true
tax_id = true
[policy.subscription_data]
max_trial_days = 30
allow_description = true
[policy.payment_intent_data]
allowed_fields = ["description", "receipt_email", "statement_descriptor_suffix"]
[policy.setup_intent_data]
allowed_fields = ["description"]
[policy.setup_future_usage]
allowed = ["off_session", "on_session"]
[policy.customer]
allowed_creation = ["always", "if_required"]
allow_update = true
allow_saved_payment_methods = true
[policy.page]
allow_consent_collection = true
allow_custom_text = true
allow_submit_type = true
[policy.payment_method_types]
allowed = ["card", "link"]
allow_excluded = true
[policy.metadata]
allowed_keys = ["order", "line", "sub", "pi", "si"]
[policy.locale]
allowed = ["fr", "auto"]
"#,
        emu.base_url(),
        std::env::temp_dir()
            .join(format!("cb-parity-{}.db", new_idempotency_key().expect("random")))
            .display(),
        token_hash(ALICE),
        token_hash(CAROL),
    );
    ServerConfig::from_toml(&toml).expect("config")
}

async fn server(emu: &Emulator) -> RunningServer {
    let secrets = Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: None,
        fulfilment_secret: None,
    };
    spawn(open_config(emu), secrets).await.expect("server starts")
}

fn app(srv: &RunningServer, token: &str) -> Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::backend(token)).with_base_url(srv.base_url());
    c.max_retries = 0;
    CheckoutClient::new(c).expect("client")
}

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn in_an_hour() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    now + 3600
}

/// A payment with one of nearly everything: both kinds of line item, shipping, tax, consent,
/// custom text, payment intent data and a promotion code applied up front.
fn payment() -> CreateSessionParams {
    CreateSessionParams {
        mode: CheckoutMode::Payment,
        line_items: vec![
            LineItemParams {
                price: LineItemPrice::Price {
                    id: "price_test_usd_1000".into(),
                },
                quantity: Some(2),
                adjustable_quantity: Some(AdjustableQuantity {
                    enabled: true,
                    minimum: Some(1),
                    maximum: Some(5),
                }),
                tax_rates: vec!["txr_test_vat_20".into()],
                metadata: map(&[("line", "first")]),
            },
            LineItemParams {
                price: LineItemPrice::Inline {
                    currency: "usd".into(),
                    unit_amount: Some(1250),
                    product_name: Some("Tea & cake = [good]".into()),
                    description: Some("50% off, today only".into()),
                    images: vec!["https://img.example/tea.png".into()],
                    recurring: None,
                    unit_amount_decimal: None,
                    product: None,
                    tax_behavior: Some(TaxBehavior::Exclusive),
                },
                quantity: Some(1),
                adjustable_quantity: None,
                tax_rates: Vec::new(),
                metadata: HashMap::new(),
            },
            LineItemParams {
                price: LineItemPrice::Inline {
                    currency: "usd".into(),
                    unit_amount: None,
                    product_name: None,
                    description: None,
                    images: Vec::new(),
                    recurring: None,
                    unit_amount_decimal: Some("99.5".into()),
                    product: Some("prod_test_existing".into()),
                    tax_behavior: None,
                },
                quantity: Some(3),
                adjustable_quantity: None,
                tax_rates: Vec::new(),
                metadata: HashMap::new(),
            },
        ],
        success_url: Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}&state=s1".into()),
        cancel_url: Some("myapp://checkout/cancel?state=s1".into()),
        customer_email: Some("buyer@example.com".into()),
        customer: None,
        client_reference_id: Some("cart-42".into()),
        metadata: map(&[("order", "o-1")]),
        expires_at: Some(in_an_hour()),
        locale: Some("fr".into()),
        payment_method_types: Vec::new(),
        allow_promotion_codes: None,
        origin_context: Some(OriginContext::MobileApp),
        currency: Some("usd".into()),
        allowed_payment_method_types: vec!["card".into(), "link".into()],
        excluded_payment_method_types: Vec::new(),
        automatic_tax: Some(AutomaticTax {
            enabled: true,
            liable_account: Some("acct_test_liable".into()),
        }),
        billing_address_collection: Some(BillingAddressCollection::Required),
        shipping_address_collection: Some(ShippingAddressCollection {
            allowed_countries: vec!["US".into(), "CA".into()],
        }),
        shipping_options: vec![
            ShippingOption::Rate {
                id: "shr_test_standard".into(),
            },
            ShippingOption::Inline {
                display_name: "Courier".into(),
                amount: 1500,
                currency: "usd".into(),
                tax_behavior: Some(TaxBehavior::Exclusive),
                tax_code: Some("txcd_92010001".into()),
                delivery_estimate: Some(DeliveryEstimate {
                    minimum: Some(DeliveryBound {
                        unit: DeliveryUnit::BusinessDay,
                        value: 1,
                    }),
                    maximum: Some(DeliveryBound {
                        unit: DeliveryUnit::Day,
                        value: 3,
                    }),
                }),
            },
        ],
        phone_number_collection: Some(true),
        customer_creation: Some(CustomerCreation::Always),
        customer_update: None,
        tax_id_collection: Some(TaxIdCollection {
            enabled: true,
            required: Some(TaxIdRequirement::IfSupported),
        }),
        discounts: vec![Discount::PromotionCode {
            id: "promo_test_save10".into(),
        }],
        submit_type: Some(SubmitType::Book),
        subscription_data: None,
        payment_intent_data: Some(PaymentIntentData {
            setup_future_usage: Some(SetupFutureUsage::OffSession),
            description: Some("Order o-1".into()),
            receipt_email: Some("receipts@example.com".into()),
            statement_descriptor_suffix: Some("TEA SHOP".into()),
            metadata: map(&[("pi", "x")]),
        }),
        setup_intent_data: None,
        consent_collection: Some(ConsentCollection {
            promotions: Some(PromotionsConsent::Auto),
            terms_of_service: Some(TermsOfServiceConsent::Required),
            payment_method_reuse_agreement: Some(ReuseAgreementPosition::Hidden),
        }),
        custom_text: Some(CustomText {
            after_submit: Some("Thanks!".into()),
            shipping_address: Some("We ship in 3 days.".into()),
            submit: Some("Pay & relax".into()),
            terms_of_service_acceptance: Some("I agree to the [terms](https://shop.example/tos).".into()),
        }),
        saved_payment_method_options: None,
        idempotency_key: Some("parity-payment".into()),
    }
}

/// A subscription for a user whose Customer the server sets: trial, customer update, saved
/// payment methods, promotion codes and excluded payment methods.
fn subscription() -> CreateSessionParams {
    CreateSessionParams {
        mode: CheckoutMode::Subscription,
        line_items: vec![LineItemParams {
            price: LineItemPrice::Inline {
                currency: "usd".into(),
                unit_amount: Some(900),
                product_name: Some("Quarterly plan".into()),
                description: None,
                images: Vec::new(),
                recurring: Some(Recurring {
                    interval: RecurringInterval::Month,
                    interval_count: Some(3),
                }),
                unit_amount_decimal: None,
                product: None,
                tax_behavior: Some(TaxBehavior::Inclusive),
            },
            quantity: Some(1),
            adjustable_quantity: None,
            tax_rates: Vec::new(),
            metadata: HashMap::new(),
        }],
        success_url: Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into()),
        cancel_url: None,
        customer_email: None,
        customer: None,
        client_reference_id: None,
        metadata: HashMap::new(),
        expires_at: None,
        locale: Some("auto".into()),
        payment_method_types: Vec::new(),
        allow_promotion_codes: Some(true),
        origin_context: Some(OriginContext::Web),
        currency: None,
        allowed_payment_method_types: Vec::new(),
        excluded_payment_method_types: vec!["klarna".into()],
        automatic_tax: None,
        billing_address_collection: Some(BillingAddressCollection::Auto),
        shipping_address_collection: None,
        shipping_options: Vec::new(),
        phone_number_collection: Some(false),
        customer_creation: None,
        customer_update: Some(CustomerUpdate {
            address: Some(CustomerUpdateMode::Auto),
            name: Some(CustomerUpdateMode::Auto),
            shipping: Some(CustomerUpdateMode::Never),
        }),
        tax_id_collection: None,
        discounts: Vec::new(),
        submit_type: Some(SubmitType::Subscribe),
        subscription_data: Some(SubscriptionData {
            trial_period_days: Some(14),
            description: Some("Quarterly tea".into()),
            metadata: map(&[("sub", "s")]),
        }),
        payment_intent_data: None,
        setup_intent_data: None,
        consent_collection: None,
        custom_text: None,
        saved_payment_method_options: Some(SavedPaymentMethodOptions {
            allow_redisplay_filters: vec![AllowRedisplay::Always, AllowRedisplay::Limited],
            payment_method_save: Some(true),
            payment_method_remove: Some(false),
        }),
        idempotency_key: None,
    }
}

/// Setup mode (no line items, `currency` and `setup_intent_data`), and a coupon on a plain
/// payment: the two remaining shapes.
fn setup_and_coupon() -> Vec<CreateSessionParams> {
    let mut setup = CreateSessionParams::new(CheckoutMode::Setup);
    setup.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
    setup.currency = Some("usd".into());
    setup.customer_creation = Some(CustomerCreation::IfRequired);
    setup.setup_intent_data = Some(SetupIntentData {
        description: Some("Card for later".into()),
        metadata: map(&[("si", "y")]),
    });
    let mut coupon = CreateSessionParams::new(CheckoutMode::Payment);
    coupon.success_url = setup.success_url.clone();
    coupon.line_items.push(LineItemParams::new(
        LineItemPrice::Price {
            id: "price_test_usd_1000".into(),
        },
        1,
    ));
    coupon.discounts = vec![Discount::Coupon {
        id: "coupon_test_10_percent".into(),
    }];
    coupon.payment_intent_data = Some(PaymentIntentData {
        setup_future_usage: Some(SetupFutureUsage::OnSession),
        ..PaymentIntentData::default()
    });
    vec![setup, coupon]
}

/// Fields the form never carries, or that Stripe no longer takes at the pinned version.
const NOT_FORM_FIELDS: [(&str, &str); 3] = [
    (
        "customer",
        "server-owned: forced from `[[app_tokens]] customer` (carol here); an app's is refused",
    ),
    (
        "idempotency_key",
        "a header; the server replaces it with one scoped to the user (server.rs tests it)",
    ),
    (
        "payment_method_types",
        "removed at 2026-09-30.endive; the library refuses it before sending, in both modes",
    ),
];

/// The paths (`line_items.price.Inline.unit_amount_decimal`) of the fields that are unset
/// (`None`, `[]`, `{}`) in every one of `all`, read from the library's pretty `Debug` output:
/// the library's own field list, at every depth, with no second list to keep in step.
fn unset_everywhere(all: &[CreateSessionParams]) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    let mut unset = BTreeSet::new();
    for p in all {
        let text = format!("{p:#?}");
        let mut stack: Vec<(usize, String)> = Vec::new();
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            let t = line.trim().trim_end_matches(',');
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            if t.starts_with('"') || t.starts_with('}') || t.starts_with(']') || t.starts_with(')') {
                continue;
            }
            let path = |leaf: &str| {
                let mut parts: Vec<&str> = stack.iter().map(|(_, s)| s.as_str()).collect();
                parts.push(leaf);
                parts.join(".")
            };
            match t.split_once(": ") {
                Some((name, value)) if name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => {
                    if matches!(value, "None" | "[]" | "{}") {
                        unset.insert(path(name));
                    } else {
                        set.insert(path(name));
                    }
                    if value.ends_with('{') || value.ends_with('(') || value.ends_with('[') {
                        stack.push((indent, name.to_owned()));
                    }
                }
                _ => {
                    // `Inline {`, `LineItemParams {`: a type or variant adds nothing to the
                    // path (variants of one enum share their parent's path).
                    if t.ends_with(" {") {
                        stack.push((indent, String::new()));
                    }
                }
            }
        }
    }
    let clean = |s: &String| s.split('.').filter(|p| !p.is_empty()).collect::<Vec<_>>().join(".");
    let set: BTreeSet<String> = set.iter().map(clean).collect();
    unset.iter().map(clean).filter(|u| !set.contains(u)).collect()
}

/// `key -> value` of a form body, decoded.
fn pairs(body: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(body.as_bytes()).into_owned().collect()
}

#[test]
fn the_scenarios_set_every_field_the_library_has() {
    let mut all = vec![payment(), subscription()];
    all.extend(setup_and_coupon());
    let missing: BTreeSet<String> = unset_everywhere(&all)
        .into_iter()
        .filter(|f| !NOT_FORM_FIELDS.iter().any(|(n, _)| n == f))
        .collect();
    assert!(
        missing.is_empty(),
        "library fields no parity scenario sets (add them to a scenario): {missing:?}"
    );
    // The reader itself can fail: a scenario without a field is caught.
    let mut fewer = all.clone();
    for p in &mut fewer {
        p.custom_text = None;
    }
    assert!(unset_everywhere(&fewer).contains("custom_text"));
    let mut deeper = all.clone();
    for p in &mut deeper {
        if let Some(c) = &mut p.consent_collection {
            c.terms_of_service = None;
        }
    }
    assert!(unset_everywhere(&deeper).contains("consent_collection.terms_of_service"));
}

#[tokio::test]
async fn every_parameter_reaches_stripe_through_the_server_unchanged() {
    let emu = Emulator::start().await.expect("emulator");
    emu.add_product(checkout_bridge_emulator::Product {
        id: "prod_test_existing".into(),
        name: "Existing product".into(),
    });
    let srv = server(&emu).await;
    let scenarios: Vec<(&str, CreateSessionParams)> = {
        let mut v = vec![("alice", payment()), ("carol", subscription())];
        v.extend(setup_and_coupon().into_iter().map(|p| ("alice", p)));
        v
    };
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for (n, (user, p)) in scenarios.into_iter().enumerate() {
        // The library's own encoding is the expectation: the form the app sends in direct mode.
        let expected = pairs(&encode_create_params(&p));
        let token = if user == "carol" { CAROL } else { ALICE };
        let before = emu.requests().len();
        let session = app(&srv, token)
            .create_session(p.clone())
            .await
            .unwrap_or_else(|e| panic!("scenario {n} ({:?}) refused: {e}", p.mode));
        let sent: Vec<_> = emu.requests()[before..]
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/checkout/sessions")
            .cloned()
            .collect();
        assert_eq!(sent.len(), 1, "scenario {n}: one create reached Stripe");
        let mut got = pairs(&sent[0].body);
        // The values the server owns: client_reference_id is the user (the app's own goes to
        // metadata), and carol's Customer is the configured one.
        assert_eq!(got.remove("client_reference_id").as_deref(), Some(user), "scenario {n}");
        assert_eq!(
            got.remove("metadata[app_client_reference_id]"),
            p.client_reference_id.clone(),
            "scenario {n}"
        );
        if user == "carol" {
            assert_eq!(got.remove("customer").as_deref(), Some(CAROL_CUSTOMER), "scenario {n}");
        }
        let mut expected = expected;
        expected.remove("client_reference_id");
        for (k, v) in &expected {
            assert_eq!(got.get(k), Some(v), "scenario {n}: {k} did not reach Stripe unchanged");
        }
        let extra: Vec<_> = got.keys().filter(|k| !expected.contains_key(*k)).collect();
        assert!(extra.is_empty(), "scenario {n}: the server added {extra:?}");
        assert_eq!(session.client_reference_id.as_deref(), Some(user));
        covered.extend(expected.into_keys());
    }
    // Every top-level parameter the library encodes went through at least once.
    // Every top-level field of the library's params (each is its own top-level form key)
    // reached Stripe through the server, bar the ones the form never carries and the forced
    // client_reference_id checked above.
    let tops: BTreeSet<&str> = covered.iter().map(|k| k.split('[').next().unwrap_or(k)).collect();
    let fields = format!("{:#?}", CreateSessionParams::new(CheckoutMode::Payment));
    let missing: Vec<&str> = fields
        .lines()
        .filter_map(|l| l.strip_prefix("    ")?.split_once(": ").map(|(name, _)| name))
        .filter(|f| !f.starts_with(' ') && *f != "client_reference_id" && !NOT_FORM_FIELDS.iter().any(|(n, _)| n == f))
        .filter(|f| !tops.contains(f))
        .collect();
    assert!(missing.is_empty(), "never sent through the server: {missing:?}");
}
