//! The policy, group by group (issue 17), end to end: the app's client in backend mode, the
//! server, the emulator. Each group has at least one case it allows (the session is created
//! at Stripe) and one it refuses (403 before Stripe, typed `Permission` on the client, naming
//! the parameter and the policy key); the values the server forces reach Stripe whatever the
//! app sent.

use std::collections::BTreeMap;
use std::sync::Arc;

use checkout_bridge::*;
use checkout_bridge_emulator::Emulator;
use checkout_bridge_server::{spawn, token_hash, RunningServer, Secrets, ServerConfig};

const KEY: &str = "sk_test_POLICYKEY0NEVER0LOGGED";
const ALICE: &str = "alice-policy-token";
const CAROL: &str = "carol-policy-token";

/// Every group half open: something allowed, something not.
const POLICY: &str = r#"
[policy.modes]
allowed = ["payment", "subscription"]
[policy.prices]
allowed = ["price_test_usd_1000"]
allow_inline = true
allow_product_data = true
allow_adjustable_quantity = true
max_amount = { usd = 10000 }
[policy.return_urls]
allowed = ["myapp://checkout"]
[policy.promotion_codes]
allow = false
allowed_discounts = ["coupon_test_10_percent"]
[policy.payment_method_types]
allowed = ["card"]
[policy.metadata]
allowed_keys = ["order"]
max_value_length = 10
[policy.tax]
force_automatic_tax = true
allowed_tax_rates = ["txr_test_vat_20"]
[policy.shipping]
allowed_countries = ["US"]
allowed_rates = ["shr_test_standard"]
allow_inline_rates = true
max_inline_amount = { usd = 1000 }
[policy.collection]
phone = true
[policy.customer]
allowed_creation = ["if_required"]
[policy.subscription_data]
max_trial_days = 7
[policy.payment_intent_data]
allowed_fields = ["description"]
statement_descriptor_suffix = "TEA SHOP"
[policy.setup_future_usage]
allowed = ["on_session"]
[policy.page]
allow_custom_text = true
max_custom_text_length = 20
allow_submit_type = true
[policy.locale]
allowed = ["fr"]
"#;

/// Setup mode and its intent data, in a policy of their own (the one above refuses setup).
const SETUP_POLICY: &str = r#"
[policy.modes]
allowed = ["setup"]
[policy.return_urls]
allowed = ["myapp://checkout"]
[policy.setup_intent_data]
allowed_fields = []
"#;

async fn server(emu: &Emulator, policy: &str) -> RunningServer {
    let toml = format!(
        "listen = \"127.0.0.1:0\"\nupstream_base_url = \"{}\"\ndatabase_url = \"sqlite://{}\"\nrate_limit_per_minute = 6000\n\
         [[app_tokens]]\nuser = \"alice\"\nsha256 = \"{}\"\n[[app_tokens]]\nuser = \"carol\"\nsha256 = \"{}\"\ncustomer = \"cus_test_carol\"\n{policy}",
        emu.base_url(),
        std::env::temp_dir()
            .join(format!("cb-policy-{}.db", new_idempotency_key().expect("random")))
            .display(),
        token_hash(ALICE),
        token_hash(CAROL),
    );
    let config = ServerConfig::from_toml(&toml).expect("config");
    let secrets = Secrets {
        stripe_secret_key: KEY.into(),
        webhook_secret: None,
        fulfilment_secret: None,
    };
    spawn(config, secrets).await.expect("server starts")
}

fn app(srv: &RunningServer, token: &str) -> Arc<CheckoutClient> {
    let mut c = ClientConfig::new(Credential::backend(token)).with_base_url(srv.base_url());
    c.max_retries = 0;
    CheckoutClient::new(c).expect("client")
}

fn taxed_inline(amount: i64) -> LineItemParams {
    let mut price = LineItemPrice::inline("usd", amount, "Tea");
    if let LineItemPrice::Inline { tax_behavior, .. } = &mut price {
        *tax_behavior = Some(TaxBehavior::Exclusive);
    }
    LineItemParams::new(price, 1)
}

fn base(mode: CheckoutMode) -> CreateSessionParams {
    let mut p = CreateSessionParams::new(mode.clone());
    p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
    match mode {
        CheckoutMode::Payment => p.line_items.push(taxed_inline(1000)),
        CheckoutMode::Subscription => {
            let mut item = taxed_inline(900);
            if let LineItemPrice::Inline { recurring, .. } = &mut item.price {
                *recurring = Some(Recurring {
                    interval: RecurringInterval::Month,
                    interval_count: None,
                });
            }
            p.line_items.push(item);
        }
        _ => p.currency = Some("usd".into()),
    }
    p
}

/// What a case expects: created at Stripe, or refused naming this parameter and policy key.
enum Want {
    Allowed,
    Refused(&'static str, &'static str),
}

struct Case {
    group: &'static str,
    name: &'static str,
    setup_server: bool,
    carol: bool,
    params: CreateSessionParams,
    want: Want,
}

fn case(group: &'static str, name: &'static str, want: Want, edit: impl FnOnce(&mut CreateSessionParams)) -> Case {
    let mut params = base(CheckoutMode::Payment);
    edit(&mut params);
    Case {
        group,
        name,
        setup_server: false,
        carol: false,
        params,
        want,
    }
}

fn cases() -> Vec<Case> {
    use Want::{Allowed, Refused};
    let mut v = vec![
        case("modes", "payment", Allowed, |_| {}),
        case("modes", "subscription", Allowed, |p| {
            *p = base(CheckoutMode::Subscription)
        }),
        case("modes", "setup", Refused("mode", "policy.modes.allowed"), |p| {
            *p = base(CheckoutMode::Setup)
        }),
        case("prices", "configured price", Allowed, |p| {
            p.line_items = vec![LineItemParams::new(
                LineItemPrice::Price {
                    id: "price_test_usd_1000".into(),
                },
                2,
            )]
        }),
        case(
            "prices",
            "other price",
            Refused("line_items[0][price]", "policy.prices.allowed"),
            |p| {
                p.line_items = vec![LineItemParams::new(
                    LineItemPrice::Price {
                        id: "price_test_usd_monthly_900".into(),
                    },
                    1,
                )]
            },
        ),
        case("prices", "adjustable up to 10", Allowed, |p| {
            p.line_items[0].adjustable_quantity = Some(AdjustableQuantity {
                enabled: true,
                minimum: None,
                maximum: Some(10),
            })
        }),
        case(
            "prices",
            "adjustable to Stripe's default 99 breaks the cap",
            Refused("line_items", "policy.prices.max_amount"),
            |p| {
                p.line_items[0].adjustable_quantity = Some(AdjustableQuantity {
                    enabled: true,
                    minimum: None,
                    maximum: None,
                })
            },
        ),
        case(
            "prices",
            "half a cent over the cap",
            Refused("line_items", "policy.prices.max_amount"),
            |p| {
                if let LineItemPrice::Inline {
                    unit_amount,
                    unit_amount_decimal,
                    ..
                } = &mut p.line_items[0].price
                {
                    *unit_amount = None;
                    *unit_amount_decimal = Some("10000.5".into());
                }
            },
        ),
        case("return_urls", "own scheme", Allowed, |p| {
            p.cancel_url = Some("myapp://checkout/cancel".into())
        }),
        case(
            "return_urls",
            "foreign",
            Refused("cancel_url", "policy.return_urls.allowed"),
            |p| p.cancel_url = Some("https://evil.example/checkout/cancel".into()),
        ),
        case("promotion_codes", "allowed coupon", Allowed, |p| {
            p.discounts = vec![Discount::Coupon {
                id: "coupon_test_10_percent".into(),
            }]
        }),
        case(
            "promotion_codes",
            "other promotion code",
            Refused(
                "discounts[0][promotion_code]",
                "policy.promotion_codes.allowed_discounts",
            ),
            |p| {
                p.discounts = vec![Discount::PromotionCode {
                    id: "promo_test_save10".into(),
                }]
            },
        ),
        case(
            "promotion_codes",
            "code field",
            Refused("allow_promotion_codes", "policy.promotion_codes.allow"),
            |p| p.allow_promotion_codes = Some(true),
        ),
        case("payment_method_types", "card", Allowed, |p| {
            p.allowed_payment_method_types = vec!["card".into()]
        }),
        case(
            "payment_method_types",
            "klarna",
            Refused("allowed_payment_method_types[1]", "policy.payment_method_types.allowed"),
            |p| p.allowed_payment_method_types = vec!["card".into(), "klarna".into()],
        ),
        case(
            "payment_method_types",
            "excluded",
            Refused(
                "excluded_payment_method_types",
                "policy.payment_method_types.allow_excluded",
            ),
            |p| p.excluded_payment_method_types = vec!["klarna".into()],
        ),
        case("metadata", "allowed key, session and line item", Allowed, |p| {
            p.metadata.insert("order".into(), "o-1".into());
            p.line_items[0].metadata.insert("order".into(), "o-1".into());
        }),
        case(
            "metadata",
            "other key on the PaymentIntent",
            Refused("payment_intent_data[metadata][free]", "policy.metadata.allowed_keys"),
            |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    metadata: [("free".to_owned(), "yes".to_owned())].into(),
                    ..PaymentIntentData::default()
                })
            },
        ),
        case(
            "metadata",
            "long value",
            Refused("metadata[order]", "policy.metadata.max_value_length"),
            |p| {
                p.metadata.insert("order".into(), "x".repeat(11));
            },
        ),
        case("tax", "allowed tax rate", Allowed, |p| {
            p.line_items[0].tax_rates = vec!["txr_test_vat_20".into()]
        }),
        case(
            "tax",
            "other tax rate",
            Refused("line_items[0][tax_rates][0]", "policy.tax.allowed_tax_rates"),
            |p| p.line_items[0].tax_rates = vec!["txr_test_gst_10_inclusive".into()],
        ),
        case(
            "tax",
            "turning forced tax off",
            Refused("automatic_tax[enabled]", "policy.tax.force_automatic_tax"),
            |p| {
                p.automatic_tax = Some(AutomaticTax {
                    enabled: false,
                    liable_account: None,
                })
            },
        ),
        case("shipping", "US, standard rate, cheap courier", Allowed, |p| {
            p.shipping_address_collection = Some(ShippingAddressCollection {
                allowed_countries: vec!["US".into()],
            });
            p.shipping_options = vec![
                ShippingOption::Rate {
                    id: "shr_test_standard".into(),
                },
                courier(1000),
            ];
        }),
        case(
            "shipping",
            "to France",
            Refused(
                "shipping_address_collection[allowed_countries][1]",
                "policy.shipping.allowed_countries",
            ),
            |p| {
                p.shipping_address_collection = Some(ShippingAddressCollection {
                    allowed_countries: vec!["US".into(), "FR".into()],
                })
            },
        ),
        case(
            "shipping",
            "express rate",
            Refused("shipping_options[0][shipping_rate]", "policy.shipping.allowed_rates"),
            |p| {
                p.shipping_options = vec![ShippingOption::Rate {
                    id: "shr_test_express".into(),
                }]
            },
        ),
        case(
            "shipping",
            "dear courier",
            Refused(
                "shipping_options[0][shipping_rate_data][fixed_amount][amount]",
                "policy.shipping.max_inline_amount",
            ),
            |p| p.shipping_options = vec![courier(1001)],
        ),
        case("collection", "phone", Allowed, |p| {
            p.phone_number_collection = Some(true)
        }),
        case(
            "collection",
            "billing address required",
            Refused("billing_address_collection", "policy.collection.billing_address"),
            |p| p.billing_address_collection = Some(BillingAddressCollection::Required),
        ),
        case(
            "collection",
            "tax ID",
            Refused("tax_id_collection[enabled]", "policy.collection.tax_id"),
            |p| {
                p.tax_id_collection = Some(TaxIdCollection {
                    enabled: true,
                    required: None,
                })
            },
        ),
        case("customer", "create if required", Allowed, |p| {
            p.customer_creation = Some(CustomerCreation::IfRequired)
        }),
        case(
            "customer",
            "always create",
            Refused("customer_creation", "policy.customer.allowed_creation"),
            |p| p.customer_creation = Some(CustomerCreation::Always),
        ),
        case(
            "customer",
            "app-chosen customer",
            Refused("customer", "app_tokens.customer"),
            |p| p.customer = Some("cus_someone_else".into()),
        ),
        case("subscription_data", "7-day trial", Allowed, |p| {
            *p = base(CheckoutMode::Subscription);
            p.subscription_data = Some(SubscriptionData {
                trial_period_days: Some(7),
                ..SubscriptionData::default()
            });
        }),
        case(
            "subscription_data",
            "8-day trial",
            Refused(
                "subscription_data[trial_period_days]",
                "policy.subscription_data.max_trial_days",
            ),
            |p| {
                *p = base(CheckoutMode::Subscription);
                p.subscription_data = Some(SubscriptionData {
                    trial_period_days: Some(8),
                    ..SubscriptionData::default()
                });
            },
        ),
        case("payment_intent_data", "description", Allowed, |p| {
            p.payment_intent_data = Some(PaymentIntentData {
                description: Some("Order o-1".into()),
                ..PaymentIntentData::default()
            })
        }),
        case(
            "payment_intent_data",
            "receipt email",
            Refused(
                "payment_intent_data[receipt_email]",
                "policy.payment_intent_data.allowed_fields",
            ),
            |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    receipt_email: Some("someone@example.com".into()),
                    ..PaymentIntentData::default()
                })
            },
        ),
        case("setup_future_usage", "on session", Allowed, |p| {
            p.payment_intent_data = Some(PaymentIntentData {
                setup_future_usage: Some(SetupFutureUsage::OnSession),
                ..PaymentIntentData::default()
            })
        }),
        case(
            "setup_future_usage",
            "off session",
            Refused(
                "payment_intent_data[setup_future_usage]",
                "policy.setup_future_usage.allowed",
            ),
            |p| {
                p.payment_intent_data = Some(PaymentIntentData {
                    setup_future_usage: Some(SetupFutureUsage::OffSession),
                    ..PaymentIntentData::default()
                })
            },
        ),
        case("page", "short custom text and a button word", Allowed, |p| {
            p.custom_text = Some(CustomText {
                submit: Some("Pay for tea".into()),
                ..CustomText::default()
            });
            p.submit_type = Some(SubmitType::Book);
        }),
        case(
            "page",
            "long custom text",
            Refused("custom_text[submit][message]", "policy.page.max_custom_text_length"),
            |p| {
                p.custom_text = Some(CustomText {
                    submit: Some("x".repeat(21)),
                    ..CustomText::default()
                })
            },
        ),
        case(
            "page",
            "consent",
            Refused("consent_collection", "policy.page.allow_consent_collection"),
            |p| {
                p.consent_collection = Some(ConsentCollection {
                    promotions: Some(PromotionsConsent::Auto),
                    ..ConsentCollection::default()
                })
            },
        ),
        case("locale", "fr", Allowed, |p| p.locale = Some("fr".into())),
        case("locale", "de", Refused("locale", "policy.locale.allowed"), |p| {
            p.locale = Some("de".into())
        }),
    ];
    // carol's Customer is set by the server: customer_update then depends on the policy.
    let mut carol = case(
        "customer",
        "customer email over the server's Customer",
        Refused("customer_email", "app_tokens.customer"),
        |p| p.customer_email = Some("carol@example.com".into()),
    );
    carol.carol = true;
    v.push(carol);
    let mut carol = case("customer", "carol's own Customer", Allowed, |_| {});
    carol.carol = true;
    v.push(carol);
    v.push(case(
        "customer",
        "saved payment methods without a Customer",
        Refused(
            "saved_payment_method_options",
            "policy.customer.allow_saved_payment_methods",
        ),
        |p| {
            p.saved_payment_method_options = Some(SavedPaymentMethodOptions {
                payment_method_save: Some(true),
                ..SavedPaymentMethodOptions::default()
            })
        },
    ));
    for (name, description, want) in [
        (
            "described setup",
            Some("Card for later"),
            Want::Refused(
                "setup_intent_data[description]",
                "policy.setup_intent_data.allowed_fields",
            ),
        ),
        ("plain setup", None, Want::Allowed),
    ] {
        let mut c = case("setup_intent_data", name, want, |_| {});
        c.params = base(CheckoutMode::Setup);
        c.params.setup_intent_data = description.map(|d| SetupIntentData {
            description: Some(d.into()),
            metadata: Default::default(),
        });
        c.setup_server = true;
        v.push(c);
    }
    v
}

fn courier(amount: i64) -> ShippingOption {
    ShippingOption::Inline {
        display_name: "Courier".into(),
        amount,
        currency: "usd".into(),
        tax_behavior: Some(TaxBehavior::Exclusive),
        tax_code: None,
        delivery_estimate: None,
    }
}

fn pairs(body: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(body.as_bytes()).into_owned().collect()
}

#[tokio::test]
async fn each_group_allows_and_refuses() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(&emu, POLICY).await;
    let setup_srv = server(&emu, SETUP_POLICY).await;
    let mut seen: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in cases() {
        let target = if c.setup_server { &setup_srv } else { &srv };
        let client = app(target, if c.carol { CAROL } else { ALICE });
        let before = emu.requests().len();
        let r = client.create_session(c.params.clone()).await;
        let creates: Vec<_> = emu.requests()[before..]
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| pairs(&r.body))
            .collect();
        let label = format!("{} / {}", c.group, c.name);
        let counts = seen.entry(c.group).or_default();
        match c.want {
            Want::Allowed => {
                let session = r.unwrap_or_else(|e| panic!("{label}: refused: {e}"));
                assert_eq!(creates.len(), 1, "{label}");
                let sent = &creates[0];
                // Forced whatever the app sent: the user, and the merchant's tax and descriptor.
                assert_eq!(
                    session.client_reference_id.as_deref(),
                    Some(if c.carol { "carol" } else { "alice" })
                );
                if !c.setup_server {
                    assert_eq!(
                        sent.get("automatic_tax[enabled]").map(String::as_str),
                        Some("true"),
                        "{label}"
                    );
                }
                let payment = c.params.mode == CheckoutMode::Payment && !c.setup_server;
                assert_eq!(
                    sent.get("payment_intent_data[statement_descriptor_suffix]")
                        .map(String::as_str),
                    payment.then_some("TEA SHOP"),
                    "{label}"
                );
                assert_eq!(
                    sent.get("customer").map(String::as_str),
                    c.carol.then_some("cus_test_carol"),
                    "{label}"
                );
                counts.0 += 1;
            }
            Want::Refused(param, key) => {
                let Err(CheckoutError::Permission { details }) = &r else {
                    panic!("{label}: expected Permission, got {r:?}");
                };
                assert_eq!(details.status, 403, "{label}");
                assert_eq!(details.param.as_deref(), Some(param), "{label}");
                let message = details.stripe_message.clone().unwrap_or_default();
                assert!(message.contains(key), "{label}: {message}");
                assert!(creates.is_empty(), "{label}: reached Stripe");
                counts.1 += 1;
            }
        }
    }
    // Every group of the server's policy has both kinds of case.
    let groups = [
        "modes",
        "prices",
        "return_urls",
        "promotion_codes",
        "payment_method_types",
        "metadata",
        "tax",
        "shipping",
        "collection",
        "customer",
        "subscription_data",
        "payment_intent_data",
        "setup_intent_data",
        "setup_future_usage",
        "page",
        "locale",
    ];
    assert_eq!(
        groups.len(),
        checkout_bridge_server::config::Policy::default().groups().len()
    );
    for g in groups {
        let (allowed, refused) = seen.get(g).copied().unwrap_or_default();
        assert!(
            allowed >= 1 && refused >= 1,
            "{g}: {allowed} allowed, {refused} refused"
        );
    }
}

/// Parameters that move money or act for another account: refused whatever the policy says,
/// with a 403 naming them (the library never encodes them; an app that hand-builds a form
/// might).
#[tokio::test]
async fn connect_fields_are_never_taken_from_an_app() {
    let emu = Emulator::start().await.expect("emulator");
    let srv = server(&emu, POLICY).await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let base = encode_create_params(&base(CheckoutMode::Payment));
    for extra in [
        "payment_intent_data[application_fee_amount]=100",
        "payment_intent_data[transfer_data][destination]=acct_thief",
        "payment_intent_data[on_behalf_of]=acct_thief",
        "subscription_data[application_fee_percent]=50",
    ] {
        let resp = http
            .post(format!("{}/v1/checkout/sessions", srv.base_url()))
            .bearer_auth(ALICE)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("{base}&{extra}"))
            .send()
            .await
            .expect("answer");
        assert_eq!(resp.status().as_u16(), 403, "{extra}");
        let body: serde_json::Value = serde_json::from_str(&resp.text().await.expect("body")).expect("json");
        let param = extra.split('=').next().unwrap_or_default();
        assert_eq!(body["error"]["param"], param, "{extra}");
    }
    assert!(emu.requests().is_empty(), "nothing reached Stripe");
}
